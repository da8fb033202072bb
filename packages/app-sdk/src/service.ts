// The service client: a service app's backend, in its Paddock sandbox, calls the broker over
// HTTP with its sandbox token. Node only.
import { readFile } from 'node:fs/promises';
import { errorFromEnvelope, PaddockError } from './errors.js';
import type { StoredFile } from '@paddock/shared';
import { createSurface, type AppSurface, type BrokerCall, type FileStreams } from './surface.js';

export interface ServiceClientOptions {
  /** The API's base URL (default: PADDOCK_API_URL, which Paddock sets in the sandbox). */
  apiUrl?: string;
  /**
   * The file holding the sandbox token (default: PADDOCK_TOKEN_FILE). Read again on every
   * call: the token rotates, and the file always holds the current one.
   */
  tokenFile?: string;
  /** How long a call waits for its answer (default 30 s). */
  timeoutMs?: number;
}

export type ServiceClient = AppSurface;

function required(value: string | undefined, name: string): string {
  if (!value) {
    throw new PaddockError('not_configured', `${name} is not set: is this running in Paddock?`);
  }
  return value;
}

export function serviceClient(options: ServiceClientOptions = {}): ServiceClient {
  const apiUrl = required(options.apiUrl ?? process.env.PADDOCK_API_URL, 'PADDOCK_API_URL');
  const tokenFile = required(
    options.tokenFile ?? process.env.PADDOCK_TOKEN_FILE,
    'PADDOCK_TOKEN_FILE',
  );
  const endpoint = new URL('/v1/broker/call', apiUrl).toString();
  const timeoutMs = options.timeoutMs ?? 30_000;

  /** One request as the app: the token read now, a network failure as a PaddockError. */
  const send = async (url: string, init: RequestInit & { duplex?: 'half' }) => {
    const token = (await readFile(tokenFile, 'utf8')).trim();
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    try {
      return await fetch(url, { ...init, headers });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new PaddockError('timeout', `No answer within ${timeoutMs} ms`);
      }
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw new PaddockError('network', `Cannot reach ${url}: ${String(error)}`);
    }
  };

  const call = (async (method: string, params: unknown) => {
    const response = await send(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = parseBody(await response.text());
    if (!response.ok) throw errorOf(response, body);
    if (typeof body !== 'object' || body === null || !('result' in body)) {
      throw new PaddockError('bad_response', 'The broker sent an answer without a result');
    }
    return (body as { result: unknown }).result;
  }) as BrokerCall;

  const fileUrl = (path: string, mime?: string) => {
    const url = new URL('/v1/broker/files', apiUrl);
    url.searchParams.set('path', path);
    if (mime !== undefined) url.searchParams.set('mime', mime);
    return url.toString();
  };

  // Whole files stream both ways with no timeout of their own (a large file takes its time);
  // pass a signal to bound them.
  const streams: FileStreams = {
    async upload(path, content, opts = {}) {
      const response = await send(fileUrl(path, opts.mime), {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', accept: 'application/json' },
        body: typeof content === 'string' ? new TextEncoder().encode(content) : content,
        ...(content instanceof ReadableStream ? { duplex: 'half' as const } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const body = parseBody(await response.text());
      if (!response.ok) throw errorOf(response, body);
      return body as StoredFile;
    },
    async download(path, opts = {}) {
      const response = await send(fileUrl(path), {
        method: 'GET',
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (!response.ok) throw errorOf(response, parseBody(await response.text()));
      return response;
    },
  };

  return createSurface(call, streams);
}

export { PaddockError } from './errors.js';
export type { AppSurface, BrokerCall } from './surface.js';

function parseBody(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function errorOf(response: Response, body: unknown): PaddockError {
  return (
    errorFromEnvelope(body, response.status) ??
    new PaddockError(
      `http_${response.status}`,
      `The broker answered ${response.status}`,
      undefined,
      response.status,
    )
  );
}
