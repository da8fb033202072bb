import type http from 'node:http';
import type { Socket } from 'node:net';

/** The request head of a connection's first request, as far as routing needs it. */
export interface FirstRequest {
  method: string;
  url: string;
  /** Lower-case names; repeated headers joined with ", " (cookies with "; "). */
  headers: Record<string, string>;
}

/** Where an authorized preview connection goes: a raw stream to the app, and its sandbox. */
export interface TunnelTarget {
  sandboxId: string;
  open: () => Promise<Socket>;
  /** Called on traffic (preview use is activity), at most as often as it cares to count. */
  onTraffic: () => void;
}

/** Request heads longer than this are left to the HTTP server (which answers 431). */
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const HEAD_TIMEOUT_MS = 30_000;

export function parseHead(buf: Buffer): FirstRequest | null {
  const text = buf.toString('latin1');
  const lines = text.split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const sep = name === 'cookie' ? '; ' : ', ';
    headers[name] = headers[name] === undefined ? value : `${headers[name]}${sep}${value}`;
  }
  return { method: m[1]!, url: m[2]!, headers };
}

/**
 * Keep-alive preview connections become raw tunnels. The first request of every connection is
 * read here; when it is for a running preview and already authorized (its cookie, or a public
 * app), the whole connection is spliced to a port bridge, so the requests after it cost the
 * daemon two socket copies instead of an HTTP parse and an HTTP request each. Anything else —
 * the API, the console, a link to exchange, a sandbox to wake, a refusal — goes to the HTTP
 * server unchanged, as if this were not here. A tunnel belongs to one sandbox and port for its
 * whole life, and is cut when that sandbox's preview changes (stop, rotation, visibility).
 */
export class PreviewTunnels {
  private readonly open = new Map<string, Set<Socket>>();

  constructor(private readonly route: (first: FirstRequest) => Promise<TunnelTarget | null>) {}

  /** Puts the sniffer in front of the HTTP server's own connection handling. */
  install(server: http.Server): void {
    const httpListeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    const toHttp = (socket: Socket, head: Buffer): void => {
      if (head.length > 0) socket.unshift(head);
      for (const listener of httpListeners) listener.call(server, socket);
      socket.resume();
    };
    server.on('connection', (socket: Socket) => this.sniff(socket, toHttp));
  }

  /** Cut every tunnel of a sandbox (its clients reconnect and are checked afresh). */
  cut(sandboxId: string): void {
    for (const socket of this.open.get(sandboxId) ?? []) socket.destroy();
    this.open.delete(sandboxId);
  }

  close(): void {
    for (const id of [...this.open.keys()]) this.cut(id);
  }

  private sniff(socket: Socket, toHttp: (socket: Socket, head: Buffer) => void): void {
    let head: Buffer = Buffer.alloc(0);
    const onError = (): void => {
      socket.destroy();
    };
    socket.on('error', onError);
    // A client that never finishes its first head does not hold the connection forever.
    const slow = setTimeout(() => socket.destroy(), HEAD_TIMEOUT_MS);
    slow.unref();
    socket.once('close', () => clearTimeout(slow));
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end < 0 && head.length < MAX_HEAD_BYTES) return;
      clearTimeout(slow);
      socket.off('data', onData);
      socket.pause();
      const first = end < 0 ? null : parseHead(head.subarray(0, end));
      const decide = first === null ? Promise.resolve(null) : this.route(first);
      decide
        .then(async (target) => {
          if (target === null) {
            socket.off('error', onError);
            toHttp(socket, head);
            return;
          }
          await this.splice(socket, head, target);
        })
        .catch(() => {
          socket.off('error', onError);
          // The routing itself failed: let the HTTP path answer (it renders errors properly).
          if (!socket.destroyed) toHttp(socket, head);
        });
    };
    socket.on('data', onData);
  }

  private async splice(client: Socket, head: Buffer, target: TunnelTarget): Promise<void> {
    const upstream = await target.open();
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    let set = this.open.get(target.sandboxId);
    if (!set) this.open.set(target.sandboxId, (set = new Set()));
    set.add(client);
    const done = (): void => {
      set.delete(client);
      if (set.size === 0 && this.open.get(target.sandboxId) === set) {
        this.open.delete(target.sandboxId);
      }
      client.destroy();
      upstream.destroy();
    };
    client.on('close', done);
    upstream.on('close', done);
    upstream.on('error', done);
    client.on('data', target.onTraffic);
    upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
