/**
 * A minimal WebSocket client for the soak benchmark (Node 20 has none built in): it opens one
 * connection through the preview proxy and echoes small text messages, which is all the soak
 * needs to keep a WebSocket busy for ten minutes and time each round trip.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export class SoakSocket {
  private buffer = Buffer.alloc(0);
  private waiting: ((text: string) => void) | null = null;
  private failed: ((err: Error) => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) => this.failed?.(err));
    socket.on('close', () => {
      this.closed = true;
      this.failed?.(new Error('the WebSocket closed'));
    });
  }

  /** Upgrades a connection to the daemon, addressed to the preview host with its cookie. */
  static open(daemonUrl: string, previewHost: string, cookie: string): Promise<SoakSocket> {
    const daemon = new URL(daemonUrl);
    const socket = net.connect(Number(daemon.port), daemon.hostname);
    const head =
      `GET /ws HTTP/1.1\r\nHost: ${previewHost}\r\nCookie: ${cookie}\r\n` +
      `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`;
    return new Promise((resolve, reject) => {
      let got = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        got = Buffer.concat([got, d]);
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.off('error', reject);
        const status = got.subarray(0, got.indexOf('\r\n')).toString();
        if (!status.includes(' 101 ')) {
          socket.destroy();
          reject(new Error(`the upgrade answered ${status}`));
          return;
        }
        const ws = new SoakSocket(socket);
        ws.onData(got.subarray(end + 4));
        resolve(ws);
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(head);
    });
  }

  /** Sends one text message and resolves with the echo. */
  echo(text: string): Promise<string> {
    const payload = Buffer.from(text);
    if (payload.length > 125) throw new Error('the soak sends short messages only');
    if (this.closed) return Promise.reject(new Error('the WebSocket closed'));
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
      this.socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
    });
  }

  close(): void {
    this.failed = null;
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    // Server frames are unmasked and short: a two-byte header, then the payload.
    while (this.buffer.length >= 2 && this.buffer.length >= 2 + (this.buffer[1]! & 0x7f)) {
      const length = this.buffer[1]! & 0x7f;
      const text = this.buffer.subarray(2, 2 + length).toString();
      this.buffer = this.buffer.subarray(2 + length);
      const waiting = this.waiting;
      this.waiting = null;
      this.failed = null;
      waiting?.(text);
    }
  }
}

/** The app's server inside each soak sandbox: HTTP answers, and a WebSocket that echoes. */
export const SOAK_SERVER_JS = `import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('soak ' + req.url);
});
server.on('upgrade', (req, socket) => {
  const accept = createHash('sha1')
    .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  let buffer = Buffer.alloc(0);
  socket.on('error', () => {});
  socket.on('data', (d) => {
    buffer = Buffer.concat([buffer, d]);
    while (buffer.length >= 6) {
      const length = buffer[1] & 0x7f;
      if (length > 125) return socket.destroy();
      if (buffer.length < 6 + length) return;
      const mask = buffer.subarray(2, 6);
      const payload = Buffer.from(buffer.subarray(6, 6 + length).map((b, i) => b ^ mask[i % 4]));
      const opcode = buffer[0] & 0x0f;
      buffer = buffer.subarray(6 + length);
      if (opcode === 8) return socket.end(Buffer.from([0x88, 0]));
      socket.write(Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]));
    }
  });
});
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
`;
