import type http from 'node:http';
import type { Socket } from 'node:net';

/** One request head on a preview connection, as far as routing and checking need it. */
export interface RequestHead {
  method: string;
  url: string;
  /** Lower-case names; repeated headers joined with ", " (cookies with "; "). */
  headers: Record<string, string>;
  /** Header lines as received, for forwarding (minus what the check removes). */
  lines: string[];
}

/** Where an authorized preview connection goes, and how its later requests are checked. */
export interface TunnelTarget {
  sandboxId: string;
  open: (signal: AbortSignal) => Promise<Socket>;
  /**
   * Checks each request on the tunnel: it must name the same preview and be authorized now
   * (cookie still valid, app still public). Returns the head to forward (Paddock's own cookie
   * removed), or null to end the connection.
   */
  check: (head: RequestHead) => Promise<string | null>;
  /** Preview use is activity. */
  onTraffic: () => void;
}

/** Request heads longer than this are left to the HTTP server (which answers 431). */
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const HEAD_TIMEOUT_MS = 30_000;
/** A tunnel with no traffic either way for this long is closed (the HTTP server's would be too). */
const IDLE_MS = 65_000;
const OPEN_TIMEOUT_MS = 10_000;
/** Tunnels per sandbox; beyond this, connections take the HTTP path. */
const MAX_PER_SANDBOX = 256;

export function parseHead(buf: Buffer): RequestHead | null {
  const lines = buf.toString('latin1').split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.1$/.exec(lines[0] ?? '');
  if (!m) return null;
  const headers: Record<string, string> = {};
  const rest = lines.slice(1).filter((l) => l !== '');
  for (const line of rest) {
    const colon = line.indexOf(':');
    // Obsolete line folding, spaces before the colon, empty names: not ours to interpret.
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) return null;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    const sep = name === 'cookie' ? '; ' : ', ';
    headers[name] = headers[name] === undefined ? value : `${headers[name]}${sep}${value}`;
  }
  return { method: m[1]!, url: m[2]!, headers, lines: [lines[0]!, ...rest] };
}

/**
 * The framing of one request's body, or null when the tunnel does not carry it (chunked or
 * ambiguous bodies go through the HTTP server, which parses them strictly).
 */
function bodyLength(head: RequestHead): number | 'rest' | null {
  if (head.headers['transfer-encoding'] !== undefined) return null;
  const cl = head.headers['content-length'];
  if (cl !== undefined && !/^\d{1,15}$/.test(cl)) return null;
  const upgrade = /\bupgrade\b/i.test(head.headers.connection ?? '') && head.headers.upgrade;
  if (upgrade) return 'rest';
  return cl === undefined ? 0 : Number(cl);
}

/**
 * Keep-alive preview connections become tunnels. The first request of every connection is read
 * here; when it is for a running preview and already authorized (its cookie, or a public app),
 * the connection is spliced to a port bridge of its own. Every later request head on it is still
 * read and checked — same preview, still authorized, plain framing — and anything else ends
 * the connection, so a connection shared by several clients (a reverse proxy's pool) can never
 * carry one client's request to another's app. Responses flow back unparsed, which is where the
 * savings are: no HTTP client and no response parsing per request. Everything that needs HTTP
 * (the API, the console, a link to exchange, a wake, a refusal, a chunked upload) goes to the
 * HTTP server unchanged. A sandbox's tunnels are cut when its preview changes.
 */
export class PreviewTunnels {
  private readonly open = new Map<string, Set<Socket>>();

  constructor(
    private readonly route: (first: RequestHead, address: string) => Promise<TunnelTarget | null>,
  ) {}

  /** Puts the reader in front of the HTTP server's own connection handling. */
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

  /** Cut every tunnel of a sandbox, including ones still opening (their clients reconnect). */
  cut(sandboxId: string): void {
    for (const socket of this.open.get(sandboxId) ?? []) socket.destroy();
    this.open.delete(sandboxId);
  }

  close(): void {
    for (const id of [...this.open.keys()]) this.cut(id);
  }

  private sniff(socket: Socket, toHttp: (socket: Socket, head: Buffer) => void): void {
    let buf: Buffer = Buffer.alloc(0);
    const onError = (): void => {
      socket.destroy();
    };
    socket.on('error', onError);
    // A client that never finishes its first head does not hold the connection forever.
    const slow = setTimeout(() => socket.destroy(), HEAD_TIMEOUT_MS);
    slow.unref();
    socket.once('close', () => clearTimeout(slow));
    // HTTP sockets allow half-open: a client gone before its first head would otherwise keep
    // its descriptor until the head timeout.
    const onEnd = (): void => {
      socket.destroy();
    };
    socket.once('end', onEnd);
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const end = buf.indexOf(HEAD_END);
      if (end < 0 && buf.length < MAX_HEAD_BYTES) return;
      clearTimeout(slow);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.pause();
      const first = end < 0 ? null : parseHead(buf.subarray(0, end));
      const decide =
        first === null || bodyLength(first) === null
          ? Promise.resolve(null)
          : this.route(first, socket.remoteAddress ?? '');
      decide
        .then((target) => {
          if (target === null) {
            socket.off('error', onError);
            toHttp(socket, buf);
            return;
          }
          this.splice(socket, buf, target, () => toHttp(socket, buf));
        })
        .catch(() => {
          socket.off('error', onError);
          // Routing itself failed: let the HTTP path answer (it renders errors properly).
          if (!socket.destroyed) toHttp(socket, buf);
        });
    };
    socket.on('data', onData);
  }

  private splice(client: Socket, first: Buffer, target: TunnelTarget, toHttp: () => void): void {
    let set = this.open.get(target.sandboxId);
    if (set && set.size >= MAX_PER_SANDBOX) {
      client.destroy();
      return;
    }
    if (!set) this.open.set(target.sandboxId, (set = new Set()));
    // Registered before anything is awaited, so a cut while the bridge opens still reaches it.
    set.add(client);
    const opening = new AbortController();
    let upstream: Socket | null = null;
    const untrack = (): void => {
      set.delete(client);
      if (set.size === 0 && this.open.get(target.sandboxId) === set) {
        this.open.delete(target.sandboxId);
      }
      client.off('close', done);
      client.setTimeout(0);
      client.off('timeout', done);
    };
    const done = (): void => {
      opening.abort();
      untrack();
      client.destroy();
      upstream?.destroy();
    };
    client.once('close', done);
    client.setTimeout(IDLE_MS, done);
    target
      .open(AbortSignal.any([opening.signal, AbortSignal.timeout(OPEN_TIMEOUT_MS)]))
      .then((socket) => {
        upstream = socket;
        if (client.destroyed) {
          socket.destroy();
          return;
        }
        let answered = false;
        const onDrain = () => socket.resume();
        const flow = this.forward(client, socket, first, target, done);
        // An app that is still starting may take the connection and drop it unanswered. For a
        // lone request the HTTP path may send again (a GET or HEAD without a body), the client
        // gets the HTTP path's answer (503 while starting), as it would without a tunnel.
        let over = false;
        const ended = (): void => {
          if (over) return;
          over = true;
          if (answered || client.destroyed || !flow.untouched() || !mayResend(first)) {
            done();
            return;
          }
          flow.detach();
          client.off('drain', onDrain);
          opening.abort();
          untrack();
          socket.destroy();
          toHttp();
        };
        socket.on('close', ended);
        socket.on('error', ended);
        socket.on('data', (chunk: Buffer) => {
          answered = true;
          if (!client.write(chunk)) socket.pause();
        });
        client.on('drain', onDrain);
      })
      .catch(() => {
        // Nothing listens yet (the app is starting), or the agent is gone: the HTTP path
        // answers that request properly (503 while starting, 502 otherwise).
        if (client.destroyed || opening.signal.aborted) {
          done();
          return;
        }
        untrack();
        toHttp();
      });
  }

  /**
   * Client → app: request heads checked one by one, bodies counted through. `untouched` says
   * whether only the first request has gone up and nothing else has arrived from the client;
   * `detach` stops forwarding (the client's bytes stay unread).
   */
  private forward(
    client: Socket,
    upstream: Socket,
    first: Buffer,
    target: TunnelTarget,
    done: () => void,
  ): { untouched: () => boolean; detach: () => void } {
    let buf: Buffer = first;
    let body: number | 'rest' = 0;
    let checking = false;
    let heads = 0;
    let more = false;
    const pump = async (): Promise<void> => {
      while (buf.length > 0 && !checking) {
        if (body === 'rest') {
          if (!upstream.write(buf)) client.pause();
          buf = Buffer.alloc(0);
          return;
        }
        if (body > 0) {
          const part = buf.subarray(0, body);
          body -= part.length;
          buf = buf.subarray(part.length);
          if (!upstream.write(part)) client.pause();
          continue;
        }
        const end = buf.indexOf(HEAD_END);
        if (end < 0) {
          if (buf.length >= MAX_HEAD_BYTES) done();
          return;
        }
        const head = parseHead(buf.subarray(0, end));
        const length = head === null ? null : bodyLength(head);
        if (head === null || length === null) {
          done();
          return;
        }
        checking = true;
        client.pause();
        const forwarded = await target.check(head).catch(() => null);
        checking = false;
        if (forwarded === null) {
          done();
          return;
        }
        target.onTraffic();
        heads++;
        buf = buf.subarray(end + HEAD_END.length);
        body = length;
        if (!upstream.write(forwarded)) await new Promise((r) => upstream.once('drain', r));
        client.resume();
      }
    };
    const run = (): void => {
      pump().catch(done);
    };
    const onData = (chunk: Buffer): void => {
      more = true;
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      // What arrives while a head is being checked waits here, within bounds.
      if (checking && buf.length > MAX_HEAD_BYTES) client.pause();
      if (!checking) run();
    };
    const onUpstreamDrain = (): void => {
      if (!checking) client.resume();
    };
    client.on('data', onData);
    upstream.on('drain', onUpstreamDrain);
    run();
    client.resume();
    return {
      untouched: () => heads === 1 && !more && !checking && buf.length === 0,
      detach: () => {
        client.off('data', onData);
        upstream.off('drain', onUpstreamDrain);
        client.pause();
      },
    };
  }
}

/** A request the HTTP path may send again when the app dropped it unanswered. */
function mayResend(first: Buffer): boolean {
  const end = first.indexOf(HEAD_END);
  const head = end < 0 ? null : parseHead(first.subarray(0, end));
  return (
    head !== null &&
    (head.method === 'GET' || head.method === 'HEAD') &&
    bodyLength(head) === 0 &&
    end + HEAD_END.length === first.length
  );
}

/** A checked head, re-serialized: the lines given, then the blank line. */
export function serializeHead(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}
