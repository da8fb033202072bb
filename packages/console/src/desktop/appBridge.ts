// The bridge between app windows and the broker. Each window's frame gets a MessagePort once,
// after the frame itself says hello; from then on the port is the app's identity: whatever
// comes over it is relayed as that window's app, with that window's app session, and nothing
// an app writes in a message can make it another app.
import type { APP_SESSION_HEADER as SessionHeaderName, LaunchResult } from '@paddock/shared';
import {
  BRIDGE_LIMITS,
  HELLO,
  PORT,
  type DownloadResult,
  type PortRequest,
  type PortResponse,
  type WireError,
} from '@paddock/app-sdk/protocol';
import { ApiError, requestBytes, requestJson } from '../api/client.js';
import { parsePortMessage, RateLimiter } from './portMessages.js';

/** `x-paddock-app-session`, held to shared's constant by the compiler (no run-time import). */
const APP_SESSION_HEADER: typeof SessionHeaderName = 'x-paddock-app-session';

/** One app window as the bridge sees it. */
export interface BridgedWindow {
  /** The window's iframe; only its contentWindow may say hello for it. */
  frame: HTMLIFrameElement;
  /** The app's origin (from launch): besides the opaque "null", the one hello origin accepted. */
  origin(): string | null;
  /** The window's app session; `renew` launches again for a fresh one. */
  session(renew: boolean): Promise<string>;
  /** Asks the user (or the remembered answer) whether the app may hold `capability`. */
  requestPermission(capability: string): Promise<boolean>;
  /** The frame said hello again: its page is no longer the one launched. */
  left?(): void;
}

interface Entry {
  window: BridgedWindow;
  port: MessagePort | null;
  /** Whether this launch's page has had its port. */
  greeted: boolean;
  limiter: RateLimiter;
  inFlight: number;
}

function isHello(data: unknown): boolean {
  // Exactly {type: 'paddock:hello'}: a hello that carries anything else (an app id, a port
  // request for someone else) is not the SDK's and is ignored.
  return (
    typeof data === 'object' &&
    data !== null &&
    Object.keys(data).length === 1 &&
    (data as { type?: unknown }).type === HELLO
  );
}

function wireError(error: unknown): WireError {
  if (error instanceof ApiError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return { code: 'timeout', message: `No answer within ${BRIDGE_LIMITS.callTimeoutMs} ms` };
  }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

export class AppBridge {
  private readonly entries = new Set<Entry>();
  private readonly host: Window;

  constructor(host: Window = window) {
    this.host = host;
    this.host.addEventListener('message', this.onMessage);
  }

  /** Starts bridging a window; call before its frame loads the app. Returns the detach. */
  attach(window: BridgedWindow): () => void {
    const entry: Entry = {
      window,
      port: null,
      greeted: false,
      limiter: new RateLimiter(BRIDGE_LIMITS.burst, BRIDGE_LIMITS.perSecond),
      inFlight: 0,
    };
    this.entries.add(entry);
    return () => {
      entry.port?.close();
      this.entries.delete(entry);
    };
  }

  dispose(): void {
    this.host.removeEventListener('message', this.onMessage);
    for (const entry of this.entries) entry.port?.close();
    this.entries.clear();
  }

  private readonly onMessage = (event: MessageEvent): void => {
    if (!event.source || !isHello(event.data)) return;
    // The frame is found by the message's source, never by anything the message says.
    let entry: Entry | undefined;
    for (const e of this.entries) {
      if (e.window.frame.contentWindow !== null && e.window.frame.contentWindow === event.source) {
        entry = e;
      }
    }
    if (!entry) return;
    // A sandboxed frame's origin is opaque ("null"); unsandboxed, it would be the app's own.
    if (event.origin !== 'null' && event.origin !== entry.window.origin()) return;

    // One port per launch. A second hello is a page the frame navigated to (an app may
    // navigate its own frame; no CSP can stop that): it must not get a port of its own,
    // free of the bundle's CSP. The desktop reopens the window with a new launch instead.
    if (entry.greeted) {
      entry.window.left?.();
      return;
    }
    entry.greeted = true;
    const channel = new MessageChannel();
    entry.port = channel.port1;
    const current = entry;
    channel.port1.onmessage = (message) => void this.handle(current, channel.port1, message.data);
    // The one wildcard target: the frame's origin is opaque, so it cannot be named. It is safe
    // because the target is the very window checked above (event.source, the frame's
    // contentWindow, in this same task), and the port carries no secret: it is only a way to
    // ask the console, which calls as this window's app and no other.
    (event.source as Window).postMessage({ type: PORT }, '*', [channel.port2]);
  };

  private async handle(entry: Entry, port: MessagePort, data: unknown): Promise<void> {
    const reply = (response: PortResponse) => {
      if (entry.port === port) port.postMessage(response);
    };
    const parsed = parsePortMessage(data);
    if (!parsed.ok) {
      if (parsed.id !== null) reply({ id: parsed.id, ok: false, error: parsed.error });
      return;
    }
    const { request } = parsed;
    if (entry.inFlight >= BRIDGE_LIMITS.inFlight || !entry.limiter.take()) {
      reply({
        id: request.id,
        ok: false,
        error: { code: 'rate_limited', message: 'Too many requests from this window' },
      });
      return;
    }
    entry.inFlight++;
    try {
      reply({ id: request.id, ok: true, result: await this.perform(entry.window, request) });
    } catch (error) {
      reply({ id: request.id, ok: false, error: wireError(error) });
    } finally {
      entry.inFlight--;
    }
  }

  private async perform(window: BridgedWindow, request: PortRequest): Promise<unknown> {
    if (request.type === 'permission') {
      return { granted: await window.requestPermission(request.capability) };
    }
    const headers = async (renew: boolean) => ({
      [APP_SESSION_HEADER]: await window.session(renew),
    });
    if (request.type === 'upload') {
      const query = new URLSearchParams({ path: request.path });
      if (request.mime !== undefined) query.set('mime', request.mime);
      return asApp((renew) =>
        headers(renew).then((h) =>
          requestJson('PUT', `/v1/broker/files?${query}`, { body: request.blob, headers: h }),
        ),
      );
    }
    if (request.type === 'download') {
      const query = new URLSearchParams({ path: request.path });
      const response = await asApp((renew) =>
        headers(renew).then((h) =>
          requestBytes('GET', `/v1/broker/files?${query}`, { headers: h }),
        ),
      );
      const blob = await response.blob();
      const result: DownloadResult = {
        blob,
        mime: response.headers.get('content-type') ?? 'application/octet-stream',
        size: blob.size,
      };
      return result;
    }
    const answer = await asApp((renew) =>
      headers(renew).then((h) =>
        requestJson<{ result: unknown }>('POST', '/v1/broker/call', {
          body: { method: request.method, params: request.params },
          headers: h,
          signal: AbortSignal.timeout(BRIDGE_LIMITS.callTimeoutMs),
        }),
      ),
    );
    return answer.result;
  }
}

/**
 * A request as the window's app: when its app session has outlived itself (an update, an
 * expiry: 401), the window launches again once and the request is made again.
 */
async function asApp<T>(request: (renew: boolean) => Promise<T>): Promise<T> {
  try {
    return await request(false);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
    return request(true);
  }
}

/** Whether a launch's session should be renewed before the next call. */
export function sessionStale(launch: LaunchResult, now = Date.now()): boolean {
  return Date.parse(launch.expires_at) - now < 60_000;
}
