import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** The header that says why the proxy refused a request. */
export const DENIED_HEADER = 'x-paddock-egress-denied';

/** How long a refused connection may take to read its 503 and close. */
const REFUSED_LINGER_MS = 2_000;

/** The proxy's answer to a request it will not pass on (403s name the reason in a header). */
export function refuse(res: ServerResponse, status: number, reason: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    ...(status === 403 ? { [DENIED_HEADER]: reason } : {}),
    connection: 'close',
  });
  res.end(`paddock egress: ${reason}\n`);
}

/** A CONNECT refused before any tunnel: a bare status line, then the connection closes. */
export function refuseTunnel(client: Socket, status: 400 | 403, reason?: string): void {
  if (status === 400) {
    client.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    return;
  }
  client.end(
    `HTTP/1.1 403 Forbidden\r\n${DENIED_HEADER}: ${reason ?? ''}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
  );
}

/** A 503 written straight onto a connection the proxy will not serve, then closed. */
export function refuseConnection(socket: Socket, reason: string): void {
  socket.on('error', () => socket.destroy());
  // Read (and drop) what the client sent, or its end never arrives and the socket stays open;
  // and close it after REFUSED_LINGER_MS whatever it does (an idle timeout would be reset by
  // every byte a client trickles in).
  socket.resume();
  const linger = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS);
  socket.once('close', () => clearTimeout(linger));
  const body = `paddock egress: ${reason}\n`;
  socket.end(
    'HTTP/1.1 503 Service Unavailable\r\n' +
      'content-type: text/plain; charset=utf-8\r\n' +
      `${DENIED_HEADER}: ${reason}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}
