import type { RouteContract } from '@paddock/shared';
import { sleep } from './sleep.js';
import { PaddockError, abortError, errorFrom } from './errors.js';
import type { BodyOf, CallInput, ParamsOf, QueryOf, ReplyOf } from './routeTypes.js';

export interface TransportOptions {
  /** The daemon, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /** An API token (`pdk_…`): a bearer token on every call. */
  token: string;
  /** Another `fetch` (a test double, a proxy-aware one). Default: the platform's. */
  fetch?: typeof fetch;
  /** Tries of a call that is safe to repeat (reads; any call that never reached the daemon). */
  maxRetries?: number;
}

/** A body the API takes as raw bytes (files, archives): sent as is, streamed when a stream. */
export type RawBody = Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | string;

/** A request by its route's contract: typed params, query and JSON body, or raw bytes. */
export interface SendInput<R extends RouteContract = RouteContract> {
  params?: ParamsOf<R>;
  query?: QueryOf<R>;
  json?: BodyOf<R>;
  body?: RawBody;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/** Statuses a repeated read may get past: a restarting or overloaded daemon. */
const RETRY_STATUSES = new Set([502, 503, 504]);
/** Connection errors that mean the request never reached the daemon: safe to send again. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** Connection errors that mean no answer came; safe to repeat only for reads. */
const NO_ANSWER = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT']);

/**
 * HTTP to the daemon: builds a route's URL from its contract, sends the bearer token, turns
 * error answers into `PaddockError`s with the API's stable codes, and retries only what is safe.
 */
export class Transport {
  readonly url: string;
  private readonly token: string;
  private readonly fetchImpl: typeof fetch;
  private readonly maxRetries: number;

  constructor(options: TransportOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.maxRetries = options.maxRetries ?? 2;
  }

  /** The credentials every request carries (a WebSocket sends them too). */
  authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** Calls a JSON route and returns its answer, typed by the route's contract. */
  async call<R extends RouteContract>(route: R, input: CallInput<R>): Promise<ReplyOf<R>> {
    const res = await this.send(route, {
      params: input.params,
      query: input.query,
      json: input.body,
      signal: input.signal,
    } as SendInput<R>);
    if (res.status === 204) return undefined as ReplyOf<R>;
    return (await res.json()) as ReplyOf<R>;
  }

  /** Sends a request and returns the successful `Response` unread (streams, raw bytes). */
  async send<R extends RouteContract>(route: R, input: SendInput<R> = {}): Promise<Response> {
    const url =
      this.url +
      routePath(route.url, input.params as Record<string, string> | undefined) +
      queryString(input.query as Record<string, unknown> | undefined);
    const headers: Record<string, string> = { ...this.authHeaders(), ...input.headers };
    let body: RequestInit['body'];
    if (input.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input.json);
    } else if (input.body !== undefined) {
      headers['content-type'] = input.contentType ?? 'application/octet-stream';
      body = input.body as RequestInit['body'];
    }
    if (input.accept) headers.accept = input.accept;
    const streamed = typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
    const read = route.method === 'GET';
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          method: route.method,
          headers,
          body,
          signal: input.signal,
          ...(streamed ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (err) {
        if (input.signal?.aborted) throw abortError(input.signal);
        const code = causeCode(err);
        const again = NEVER_SENT.has(code) || (read && NO_ANSWER.has(code));
        if (again && !streamed && attempt < this.maxRetries) {
          await backoff(attempt, input.signal);
          continue;
        }
        throw new PaddockError(
          'network_error',
          `${route.method} ${url}: ${code || (err as Error).message}`,
          0,
          undefined,
          { cause: err },
        );
      }
      if (res.ok) return res;
      if (read && RETRY_STATUSES.has(res.status) && attempt < this.maxRetries) {
        await res.body?.cancel();
        await backoff(attempt, input.signal);
        continue;
      }
      throw await errorFrom(res);
    }
  }
}

/** `/v1/sandboxes/:id/files` with `{id}` → `/v1/sandboxes/sb_1/files`; every parameter escaped. */
export function routePath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined)
      throw new PaddockError('bad_request', `missing path parameter "${name}"`);
    return encodeURIComponent(value);
  });
}

/** A query string from an object: undefined values are left out, arrays repeat the key. */
export function queryString(query: Record<string, unknown> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function causeCode(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return '';
}

function backoff(attempt: number, signal?: AbortSignal): Promise<void> {
  return sleep(100 * 2 ** attempt, signal);
}
