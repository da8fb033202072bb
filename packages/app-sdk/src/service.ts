// The service client: a service app's backend, in its Paddock sandbox, calls the broker over
// HTTP with its sandbox token. Node only.
import { readFile } from 'node:fs/promises';
import { errorFromEnvelope, PaddockError } from './errors.js';
import { createSurface, type AppSurface, type BrokerCall } from './surface.js';

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

  const call = (async (method: string, params: unknown) => {
    const token = (await readFile(tokenFile, 'utf8')).trim();
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new PaddockError('timeout', `No answer within ${timeoutMs} ms`);
      }
      throw new PaddockError('network', `Cannot reach ${endpoint}: ${String(error)}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      throw (
        errorFromEnvelope(body, response.status) ??
        new PaddockError(
          `http_${response.status}`,
          `The broker answered ${response.status}`,
          undefined,
          response.status,
        )
      );
    }
    if (typeof body !== 'object' || body === null || !('result' in body)) {
      throw new PaddockError('bad_response', 'The broker sent an answer without a result');
    }
    return (body as { result: unknown }).result;
  }) as BrokerCall;

  return createSurface(call);
}

export { PaddockError } from './errors.js';
export type { AppSurface, BrokerCall } from './surface.js';
