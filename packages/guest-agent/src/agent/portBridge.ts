/*
 * The port bridge: how the daemon reaches a port inside the sandbox without a host TCP port.
 * The daemon sends `GET /bridge?port=N` with `Upgrade: paddock-tcp` over the agent's own
 * transport; the agent connects to 127.0.0.1:N in the sandbox's network namespace and, once
 * connected, answers 101 and splices the two sockets. Whatever crosses is opaque bytes (HTTP,
 * WebSocket, anything), so the preview proxy passes HMR unchanged.
 */
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { AGENT_BRIDGE_PROTOCOL } from '@paddock/shared';

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Bad Gateway'}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}

/** Handles an `upgrade` event of the agent's server; anything but a bridge request is refused. */
export function handleBridgeUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  stopping: () => boolean,
): void {
  socket.on('error', () => socket.destroy());
  const url = new URL(req.url ?? '/', 'http://agent');
  if (url.pathname !== '/bridge' || req.headers.upgrade?.toLowerCase() !== AGENT_BRIDGE_PROTOCOL) {
    refuse(socket, 400, 'bad_request', 'only /bridge upgrades to paddock-tcp are served');
    return;
  }
  const portText = url.searchParams.get('port') ?? '';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    refuse(socket, 400, 'bad_request', 'port must be an integer from 1 to 65535');
    return;
  }
  if (stopping()) {
    refuse(socket, 502, 'sandbox_unavailable', 'the agent is shutting down');
    return;
  }
  const upstream = net.connect({ host: '127.0.0.1', port });
  upstream.setNoDelay(true);
  // Either side going away ends both, also while the connection is still being made (a
  // failed connect answers 502 below instead).
  let connected = false;
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => {
    if (connected) socket.destroy();
  });
  const onConnectError = (err: NodeJS.ErrnoException): void => {
    refuse(socket, 502, 'port_unreachable', `nothing answers on port ${port} (${err.code})`);
  };
  upstream.once('error', onConnectError);
  upstream.once('connect', () => {
    connected = true;
    upstream.off('error', onConnectError);
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: ${AGENT_BRIDGE_PROTOCOL}\r\n\r\n`,
    );
    if (head.length > 0) upstream.write(head);
    // Half-closes pass through (pipe ends the other side), errors tear both down.
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
}
