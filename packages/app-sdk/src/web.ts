// The web client: an app's page in a desktop window talks to Paddock over a MessagePort the
// console hands it. Runs in the browser; imports nothing from Node.
import { PaddockError } from './errors.js';
import type { StoredFile } from '@paddock/shared';
import {
  HELLO,
  PARENT_ORIGIN_KEY,
  PORT,
  type DownloadResult,
  type PortRequest,
  type PortResponse,
} from './protocol.js';
import {
  createSurface,
  type AppSurface,
  type BrokerCall,
  type FileStreams,
  type UploadContent,
} from './surface.js';

/** A request before it has an id (`Omit` spread over each kind of request). */
type Outgoing = PortRequest extends infer R
  ? R extends PortRequest
    ? Omit<R, 'id'>
    : never
  : never;

/** The parts of a MessagePort the client uses (the DOM's and Node's both fit). */
export interface PortLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

interface HandshakeEvent {
  data: unknown;
  origin: string;
  source: unknown;
  ports: readonly PortLike[];
}

/** The parts of `window` the handshake uses; tests pass their own. */
export interface WindowLike {
  location: { hash: string };
  parent: { postMessage(message: unknown, targetOrigin: string): void };
  addEventListener(type: 'message', listener: (event: HandshakeEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: HandshakeEvent) => void): void;
}

export interface ConnectOptions {
  /** How long a call waits for its answer (default 30 s). */
  timeoutMs?: number;
  /** How long to wait for the desktop to hand over the port (default 10 s). */
  connectTimeoutMs?: number;
  /** The window to connect from (default: this page's). */
  window?: WindowLike;
}

export interface WebClient extends AppSurface {
  /**
   * Asks the user for an optional permission (a dialog in the desktop). Resolves true when it
   * is held, false when the user declines (or declined before: they are not asked again).
   */
  requestPermission(capability: string): Promise<boolean>;
  /** Stops talking to the desktop; calls still waiting fail with `disconnected`. */
  close(): void;
}

/** The console's origin, from the fragment the desktop put in the window's URL. */
export function parentOrigin(hash: string): string {
  const value = new URLSearchParams(hash.replace(/^#/, '')).get(PARENT_ORIGIN_KEY);
  let origin: string | null = null;
  try {
    if (value) {
      const url = new URL(value);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value) {
        origin = url.origin;
      }
    }
  } catch {
    origin = null;
  }
  if (!origin) {
    throw new PaddockError(
      'not_in_desktop',
      `This page is not in a Paddock desktop window (no ${PARENT_ORIGIN_KEY} in its URL)`,
    );
  }
  return origin;
}

function defaultWindow(): WindowLike {
  const g = globalThis as unknown as { window?: WindowLike };
  if (!g.window) throw new PaddockError('not_in_desktop', 'connect() runs in a browser window');
  return g.window;
}

/** Waits for the console's answer to the hello: a message from `parent`, from its origin. */
function receivePort(win: WindowLike, origin: string, timeoutMs: number): Promise<PortLike> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      win.removeEventListener('message', onMessage);
      reject(new PaddockError('not_in_desktop', 'The desktop did not answer'));
    }, timeoutMs);
    function onMessage(event: HandshakeEvent): void {
      const data = event.data as { type?: unknown } | null;
      if (event.source !== win.parent || event.origin !== origin) return;
      if (data?.type !== PORT || event.ports.length !== 1) return;
      clearTimeout(timer);
      win.removeEventListener('message', onMessage);
      resolve(event.ports[0]!);
    }
    win.addEventListener('message', onMessage);
    // The console's origin, exactly: a page that is not the desktop gets nothing.
    win.parent.postMessage({ type: HELLO }, origin);
  });
}

/** A whole file crosses the desktop in one request: it may take longer than a call. */
const FILE_TIMEOUT_MS = 10 * 60_000;

async function blobOf(content: UploadContent): Promise<Blob> {
  if (content instanceof Blob) return content;
  if (typeof content === 'string' || content instanceof Uint8Array) return new Blob([content]);
  return new Response(content).blob();
}

/** A client over an already handed-over port (what connect() does after the handshake). */
export function clientOverPort(port: PortLike, timeoutMs = 30_000): WebClient {
  let nextId = 1;
  let closed = false;
  const waiting = new Map<
    number,
    {
      resolve: (value: unknown) => void;
      reject: (e: Error) => void;
      timer: ReturnType<typeof setTimeout>;
    }
  >();

  port.onmessage = (event) => {
    const data = event.data as Partial<PortResponse> | null;
    if (typeof data?.id !== 'number') return;
    const entry = waiting.get(data.id);
    if (!entry) return;
    waiting.delete(data.id);
    clearTimeout(entry.timer);
    if (data.ok === true) entry.resolve(data.result);
    else {
      const err = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } })
        .error;
      entry.reject(
        new PaddockError(
          typeof err?.code === 'string' ? err.code : 'bad_response',
          typeof err?.message === 'string' ? err.message : 'The desktop sent an unreadable answer',
          err?.details,
        ),
      );
    }
  };

  /** A request and its answer; a file's may take longer than a call (`wait`), or be aborted. */
  function send(request: Outgoing, wait = timeoutMs, signal?: AbortSignal): Promise<unknown> {
    if (closed) return Promise.reject(new PaddockError('disconnected', 'The client is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const give = (error: Error) => {
        waiting.delete(id);
        clearTimeout(timer);
        reject(error);
      };
      const timer = setTimeout(
        () => give(new PaddockError('timeout', `No answer within ${wait} ms`)),
        wait,
      );
      signal?.addEventListener('abort', () => give(signal.reason as Error), { once: true });
      waiting.set(id, { resolve, reject, timer });
      port.postMessage({ ...request, id });
    });
  }

  const call: BrokerCall = (method, params) =>
    send({ type: 'call', method, params }) as ReturnType<BrokerCall>;

  const streams: FileStreams = {
    async upload(path, content, options = {}) {
      const blob = await blobOf(content);
      const request: Outgoing = { type: 'upload', path, blob };
      if (options.mime !== undefined) request.mime = options.mime;
      return (await send(request, FILE_TIMEOUT_MS, options.signal)) as StoredFile;
    },
    async download(path, options = {}) {
      const result = (await send(
        { type: 'download', path },
        FILE_TIMEOUT_MS,
        options.signal,
      )) as DownloadResult;
      return new Response(result.blob, {
        headers: { 'content-type': result.mime, 'content-length': String(result.size) },
      });
    },
  };

  return {
    ...createSurface(call, streams),
    async requestPermission(capability) {
      const result = (await send({ type: 'permission', capability })) as { granted?: unknown };
      return result?.granted === true;
    },
    close() {
      closed = true;
      port.onmessage = null;
      port.close();
      for (const [id, entry] of waiting) {
        clearTimeout(entry.timer);
        entry.reject(new PaddockError('disconnected', 'The client was closed'));
        waiting.delete(id);
      }
    },
  };
}

/**
 * Connects this window to the desktop: asks `parent` (at the console's origin, never "*") for
 * a port, then talks over it. Rejects with `not_in_desktop` outside a desktop window.
 */
export async function connect(options: ConnectOptions = {}): Promise<WebClient> {
  const win = options.window ?? defaultWindow();
  const origin = parentOrigin(win.location.hash);
  if ((win.parent as unknown) === win) {
    throw new PaddockError('not_in_desktop', 'This page is not framed by the desktop');
  }
  const port = await receivePort(win, origin, options.connectTimeoutMs ?? 10_000);
  return clientOverPort(port, options.timeoutMs);
}
