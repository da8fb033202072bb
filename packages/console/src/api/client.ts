// The one place that talks HTTP to paddockd. Same origin, session cookie, and the CSRF header
// the daemon requires on every cookie-authenticated request that is not a GET.
import type { ErrorBody } from '@paddock/shared';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** An error answer from the API (or `network` when paddockd could not be reached at all). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

/** The message to show for any error a request or mutation may end with. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const inner: unknown = value.error;
  return (
    typeof inner === 'object' &&
    inner !== null &&
    'code' in inner &&
    typeof inner.code === 'string' &&
    'message' in inner &&
    typeof inner.message === 'string'
  );
}

export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

interface RequestOptions {
  /** JSON, or a Blob sent as its bytes (application/octet-stream). */
  body?: unknown;
  signal?: AbortSignal;
  /** Extra headers (the desktop's bridge sends a window's app session; a stream its accept). */
  headers?: Record<string, string>;
}

async function send(method: Method, path: string, options: RequestOptions): Promise<Response> {
  const { body, signal } = options;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (method !== 'GET') headers['x-paddock-csrf'] = '1';
  // No content type without a body: the daemon refuses an empty body declared as JSON.
  const bytes = body instanceof Blob;
  if (body !== undefined) {
    headers['content-type'] = bytes ? 'application/octet-stream' : 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : bytes ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'network', 'Cannot reach paddockd. Is it running?');
  }
  if (!response.ok) {
    const parsed = parseJson(await response.text());
    if (isErrorBody(parsed)) {
      const { code, message, details } = parsed.error;
      throw new ApiError(response.status, code, message, details);
    }
    throw new ApiError(
      response.status,
      `http_${response.status}`,
      `paddockd answered ${response.status} ${response.statusText}`.trim(),
    );
  }
  return response;
}

/** A request whose answer is a JSON document of type T. */
export async function requestJson<T>(
  method: Method,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const response = await send(method, path, options);
  const parsed = parseJson(await response.text());
  if (parsed === undefined) {
    throw new ApiError(response.status, 'bad_response', 'paddockd sent an answer that is not JSON');
  }
  return parsed as T;
}

/** A request whose answer is bytes (the caller reads the body, e.g. as a Blob). */
export function requestBytes(
  method: Method,
  path: string,
  options: RequestOptions = {},
): Promise<Response> {
  return send(method, path, options);
}

/** A request answered with 204 No Content. */
export async function requestEmpty(
  method: Method,
  path: string,
  options: RequestOptions = {},
): Promise<void> {
  await send(method, path, options);
}

/** Builds `/v1/...` paths with every dynamic segment encoded. */
export function apiPath(
  strings: TemplateStringsArray,
  ...segments: Array<string | number>
): string {
  return strings.reduce(
    (path, part, index) =>
      path + part + (index < segments.length ? encodeURIComponent(String(segments[index])) : ''),
    '',
  );
}
