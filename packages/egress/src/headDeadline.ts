import type http from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long a client has to send a whole request head: from its connection, or from the answer
 * to its previous request. Sandboxes reach the proxy on their own loopback, so a real head
 * arrives at once; one that does not is a slowloris holding a connection.
 */
export const HEAD_TIMEOUT_MS = 10_000;

interface Watched {
  timer: NodeJS.Timeout | null;
  /** Heads read whose answers have not closed yet. */
  pending: number;
}

/**
 * Cuts connections whose request head does not arrive within HEAD_TIMEOUT_MS. Node checks its
 * own headersTimeout only for a server that listens, and the proxy's servers are handed their
 * connections instead; an idle timeout would be reset by every byte trickled in. Bodies are not
 * held to it: a long upload is legitimate.
 */
export class HeadDeadline {
  private readonly watched = new WeakMap<Socket, Watched>();

  constructor(
    server: http.Server,
    private readonly ms = HEAD_TIMEOUT_MS,
  ) {
    server.on('request', (req: http.IncomingMessage, res: ServerResponse) =>
      this.headIn(req.socket, res),
    );
    // A tunnel's bytes are not HTTP heads: no deadline once it is asked for.
    server.on('connect', (req: http.IncomingMessage) => this.headIn(req.socket, null));
  }

  /** A new connection, before the server gets it: its first head is due. */
  watch(socket: Socket): void {
    const w: Watched = { timer: null, pending: 0 };
    this.watched.set(socket, w);
    this.arm(socket, w);
    socket.once('close', () => this.disarm(w));
  }

  private headIn(socket: Socket, res: ServerResponse | null): void {
    const w = this.watched.get(socket);
    if (!w) return;
    this.disarm(w);
    if (res === null) {
      this.watched.delete(socket);
      return;
    }
    w.pending++;
    res.once('close', () => {
      w.pending--;
      // Keep-alive: the next head is due now, unless one already came in behind this one.
      if (w.pending === 0 && !socket.destroyed) this.arm(socket, w);
    });
  }

  private arm(socket: Socket, w: Watched): void {
    this.disarm(w);
    w.timer = setTimeout(() => {
      socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      socket.destroySoon();
    }, this.ms);
    w.timer.unref();
  }

  private disarm(w: Watched): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
  }
}
