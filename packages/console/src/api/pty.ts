// A terminal in a sandbox over `GET /v1/sandboxes/{id}/pty`: binary messages are the terminal's
// bytes both ways, text messages JSON control messages (resize, signal, eof in; exit, error out).
// Same origin, so the session cookie and the console's Origin go with the handshake.
import type { PtyOutput, PtySignal } from '@paddock/shared/browser';
import { PTY_LIMITS } from '@paddock/shared/browser';
import { DAEMON_STOPPING, DAEMON_STOPPING_TEXT } from '../lib/daemonStopping.js';
import { ApiError, apiPath, requestEmpty } from './client.js';

export interface PtyHandlers {
  /** The socket is open: the shell runs. */
  open(): void;
  /** Bytes the terminal wrote (UTF-8 as the shell wrote it; a character may span two calls). */
  data(bytes: Uint8Array): void;
  /** The shell exited (code 128+n: a signal ended it). */
  exit(code: number | null, signal: string | null): void;
  /** It could not open, or it was lost; the socket is closed or closing. */
  error(error: ApiError): void;
}

export interface PtySize {
  cols: number;
  rows: number;
}

/** Keeps a size within what the API accepts. */
export function clampSize({ cols, rows }: PtySize): PtySize {
  const within = (v: number, max: number): number => Math.max(1, Math.min(max, Math.floor(v)));
  return { cols: within(cols, PTY_LIMITS.maxCols), rows: within(rows, PTY_LIMITS.maxRows) };
}

function socketUrl(sandboxId: string, size: PtySize): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const { cols, rows } = clampSize(size);
  return `${scheme}//${location.host}${apiPath`/v1/sandboxes/${sandboxId}/pty`}?cols=${cols}&rows=${rows}`;
}

/**
 * Why a handshake was refused. A browser cannot read the HTTP answer to a refused upgrade, so
 * the same route is asked without one: it answers the refusal the upgrade got (429 at the cap,
 * 409 when the sandbox is not running, …) or 400 when it would be let through now.
 */
async function whyRefused(sandboxId: string): Promise<ApiError> {
  try {
    await requestEmpty('GET', apiPath`/v1/sandboxes/${sandboxId}/pty`);
  } catch (err) {
    if (err instanceof ApiError && err.code !== 'bad_request') return err;
  }
  return new ApiError(0, 'network', 'The terminal could not connect to paddockd. Try again.');
}

function stoppingError(): ApiError {
  return new ApiError(0, DAEMON_STOPPING, DAEMON_STOPPING_TEXT);
}

export class PtyConnection {
  private readonly ws: WebSocket;
  private readonly encoder = new TextEncoder();
  private opened = false;
  private ended = false;

  constructor(
    private readonly sandboxId: string,
    size: PtySize,
    private readonly on: PtyHandlers,
  ) {
    this.ws = new WebSocket(socketUrl(sandboxId, size));
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => {
      this.opened = true;
      this.on.open();
    };
    this.ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data !== 'string') {
        this.on.data(new Uint8Array(event.data));
        return;
      }
      const msg = JSON.parse(event.data) as PtyOutput;
      this.ended = true;
      if (msg.type === 'exit') this.on.exit(msg.code, msg.signal);
      else if (msg.code === DAEMON_STOPPING) this.on.error(stoppingError());
      else this.on.error(new ApiError(0, msg.code, msg.message));
    };
    this.ws.onclose = (event) => {
      if (this.ended) return;
      this.ended = true;
      if (!this.opened) {
        void whyRefused(this.sandboxId).then((e) => this.on.error(e));
        return;
      }
      // 1001, "going away": paddockd is stopping (its message may not have come first).
      if (event.code === 1001) {
        this.on.error(stoppingError());
        return;
      }
      this.on.error(
        new ApiError(
          0,
          'network',
          `The connection to the terminal was lost (${event.code}${event.reason ? `: ${event.reason}` : ''}); its shell has ended.`,
        ),
      );
    };
  }

  /** Sends what was typed or pasted, as UTF-8. */
  input(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(this.encoder.encode(text));
  }

  /** Sends bytes as they are (xterm's binary input: mouse reports, one byte per character). */
  bytes(bytes: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes);
  }

  resize(size: PtySize): void {
    this.control({ type: 'resize', ...clampSize(size) });
  }

  signal(signal: PtySignal): void {
    this.control({ type: 'signal', signal });
  }

  /** The end of input, as a pipe's end. */
  eof(): void {
    this.control({ type: 'eof' });
  }

  /** Hangs the terminal up (its shell gets SIGHUP). */
  close(): void {
    this.ended = true;
    this.ws.close();
  }

  private control(msg: object): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }
}
