import { PTY_LIMITS, type PtyOutput } from '@paddock/shared/browser';
import { ROUTES } from './routeTable.js';
import { PaddockError } from './errors.js';
import { queryString, routePath, type Transport } from './transport.js';

export interface PtyOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  /** An absolute path to the shell (default: /bin/bash, else /bin/sh). */
  shell?: string;
  /** Terminal bytes as the shell writes them (a character may span two chunks). */
  onData?: (data: Uint8Array) => void;
}

export interface PtyExit {
  code: number | null;
  signal: string | null;
}

/** The part of the WebSocket API the terminal uses: the platform's, or the `ws` package's. */
interface Socket {
  binaryType: string;
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number): void;
  addEventListener(
    type: string,
    listener: (event: { data?: unknown; code?: number; reason?: string }) => void,
  ): void;
}
type SocketClass = new (url: string, options: { headers: Record<string, string> }) => Socket;

/**
 * The `ws` package where the platform's WebSocket cannot send an Authorization header (Node
 * 20, 21); loaded only when a terminal opens. Bun's and Deno's WebSocket take headers.
 */
async function socketClass(): Promise<SocketClass> {
  const runtime = globalThis as {
    process?: { versions?: { node?: string } };
    Bun?: unknown;
    Deno?: unknown;
    WebSocket?: unknown;
  };
  if (runtime.process?.versions?.node && !runtime.Bun && !runtime.Deno) {
    try {
      const name = 'ws';
      return ((await import(name)) as { default: SocketClass }).default;
    } catch {
      throw new PaddockError(
        'unsupported',
        'a terminal on Node needs the "ws" package: npm install ws',
      );
    }
  }
  if (typeof runtime.WebSocket !== 'function') {
    throw new PaddockError('unsupported', 'this runtime has no WebSocket');
  }
  return runtime.WebSocket as SocketClass;
}

/** How the terminal's WebSocket closed; 1001 with `daemon_stopping`: the daemon is stopping. */
export interface PtyClose {
  code: number | null;
  reason: string;
}

/** An interactive terminal in a sandbox: bytes in and out, resize, signals, its exit. */
export class PtySession {
  /**
   * Resolves when the shell has exited. When the terminal was lost it rejects with a
   * PaddockError: the daemon's reason (`sandbox_not_running`, `daemon_stopping`, …) as its
   * code, and `details.close` the WebSocket's close code and reason.
   */
  readonly exited: Promise<PtyExit>;
  private readonly encoder = new TextEncoder();

  private constructor(
    private readonly socket: Socket,
    onData: ((data: Uint8Array) => void) | undefined,
  ) {
    let exit: PtyExit | null = null;
    let failure: { code: string; message: string } | null = null;
    this.exited = new Promise<PtyExit>((resolve, reject) => {
      socket.addEventListener('message', (event) => {
        const data = event.data;
        if (typeof data === 'string') {
          const msg = JSON.parse(data) as PtyOutput;
          if (msg.type === 'exit') exit = { code: msg.code, signal: msg.signal };
          else failure = msg;
        } else {
          onData?.(new Uint8Array(data as ArrayBuffer));
        }
      });
      socket.addEventListener('close', (event) => {
        if (exit) return resolve(exit);
        const close: PtyClose = { code: event.code ?? null, reason: event.reason ?? '' };
        // Without an error message first, the close's reason (the daemon sends a code) says why.
        const why = failure ?? {
          code: /^[a-z_]+$/.test(close.reason) ? close.reason : 'stream_error',
          message: `the terminal closed without an exit (${close.code ?? 'no code'})`,
        };
        reject(new PaddockError(why.code, why.message, 0, { close }));
      });
    });
    // Nobody may be waiting on `exited` yet; an unobserved rejection must not end the process.
    this.exited.catch(() => undefined);
  }

  static async open(transport: Transport, sandboxId: string, options: PtyOptions = {}) {
    const route = ROUTES.pty.open;
    const query = {
      cols: options.cols ?? PTY_LIMITS.defaultCols,
      rows: options.rows ?? PTY_LIMITS.defaultRows,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.shell !== undefined ? { shell: options.shell } : {}),
    };
    const url =
      transport.url.replace(/^http/, 'ws') +
      routePath(route.url, { id: sandboxId }) +
      queryString(query);
    const Ws = await socketClass();
    const socket = new Ws(url, { headers: transport.authHeaders() });
    socket.binaryType = 'arraybuffer';
    const session = new PtySession(socket, options.onData);
    const opened = await new Promise<boolean>((resolve) => {
      socket.addEventListener('open', () => resolve(true));
      socket.addEventListener('error', () => resolve(false));
    });
    if (opened) return session;
    // A refused handshake says nothing to a WebSocket client; the same URL without an upgrade
    // answers with the reason (the route runs its checks and answers 400 if they pass).
    await transport.send(route, { params: { id: sandboxId }, query });
    throw new PaddockError('stream_error', 'the terminal could not be opened');
  }

  /** Sends input: text (as UTF-8) or bytes; Ctrl-C is `'\x03'`. */
  write(data: string | Uint8Array): void {
    this.socket.send(typeof data === 'string' ? this.encoder.encode(data) : data);
  }

  resize(cols: number, rows: number): void {
    this.socket.send(JSON.stringify({ type: 'resize', cols, rows }));
  }

  /** A signal to the foreground process group. */
  kill(signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL' | 'SIGHUP' | 'SIGQUIT' = 'SIGINT'): void {
    this.socket.send(JSON.stringify({ type: 'signal', signal }));
  }

  /** The end of input, as a pipe ends. */
  end(): void {
    this.socket.send(JSON.stringify({ type: 'eof' }));
  }

  /** Hangs up: the terminal's session gets SIGHUP. */
  close(): void {
    this.socket.close(1000);
  }
}
