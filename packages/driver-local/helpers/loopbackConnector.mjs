// Runs on the host as root, but inside one sandbox's network namespace (entered by nsenter;
// nothing else of the sandbox): on request it connects to 127.0.0.1:<port> there, or listens
// on it, and hands the socket to the daemon over the IPC channel, so the daemon talks to the
// sandbox's loopback directly, with no relay. It reads nothing from the sandbox.
import net from 'node:net';

process.on('message', (msg) => {
  if (typeof msg !== 'object' || msg === null) return;
  const { id, port } = msg;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.send({ type: 'failed', id, code: 'EINVAL' });
    return;
  }
  if (msg.type === 'listen') {
    listen(id, port);
    return;
  }
  if (msg.type !== 'connect') return;
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.once('connect', () => {
    socket.pause();
    process.send({ type: 'connected', id }, socket);
  });
  socket.once('error', (err) => {
    process.send({ type: 'failed', id, code: err.code ?? 'ECONNREFUSED' });
  });
});
// A listening socket on 127.0.0.1:<port> there, handed to the daemon, which then accepts the
// sandbox's connections itself (how the egress proxy is offered). This copy is closed once
// sent; the daemon's copy keeps listening.
function listen(id, port) {
  const server = net.createServer();
  server.once('error', (err) =>
    process.send({ type: 'failed', id, code: err.code ?? 'EADDRINUSE' }),
  );
  server.listen({ host: '127.0.0.1', port }, () => {
    process.send({ type: 'listening', id }, server, () => server.close());
  });
}

// The daemon went away or closed the channel: nothing left to do.
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
