// Runs on the host as root, but inside one sandbox's network namespace (entered by nsenter;
// nothing else of the sandbox): on request it connects to 127.0.0.1:<port> there and hands the
// connected socket to the daemon over the IPC channel, so the daemon talks to the sandbox's
// port directly, with no relay. It listens on nothing and reads nothing from the sandbox.
import net from 'node:net';

process.on('message', (msg) => {
  if (typeof msg !== 'object' || msg === null || msg.type !== 'connect') return;
  const { id, port } = msg;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.send({ type: 'failed', id, code: 'EINVAL' });
    return;
  }
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.once('connect', () => {
    socket.pause();
    process.send({ type: 'connected', id }, socket);
  });
  socket.once('error', (err) => {
    process.send({ type: 'failed', id, code: err.code ?? 'ECONNREFUSED' });
  });
});
// The daemon went away or closed the channel: nothing left to do.
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
