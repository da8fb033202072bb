import type { Readable } from 'node:stream';
import { ExecStreamParser, type ErrorBody, type ExecStreamFrame } from '@paddock/shared';
import type { Connection } from './connection.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The error envelope's `details`, when it has them. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A thin /v1 client for the CLI; the typed SDK will grow out of the same schemas later. */
export class ApiClient {
  constructor(readonly conn: Connection) {}

  async request(
    method: string,
    path: string,
    init: { json?: unknown; body?: Buffer | Readable; contentType?: string; accept?: string } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.conn.token}` };
    let body: RequestInit['body'];
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.body !== undefined) {
      headers['content-type'] = init.contentType ?? 'application/octet-stream';
      body = init.body as unknown as RequestInit['body'];
    }
    if (init.accept) headers.accept = init.accept;
    const res = await fetch(`${this.conn.url}${path}`, {
      method,
      headers,
      body,
      ...(init.body && !Buffer.isBuffer(init.body) ? { duplex: 'half' } : {}),
    } as RequestInit);
    if (!res.ok) {
      let code = 'http_error';
      let message = `${res.status} ${res.statusText}`;
      let details: unknown;
      try {
        const err = (await res.json()) as ErrorBody;
        code = err.error.code;
        message = err.error.message;
        details = err.error.details;
      } catch {
        // not our envelope; keep the status line
      }
      throw new ApiError(res.status, code, message, details);
    }
    return res;
  }

  async json<T>(method: string, path: string, json?: unknown): Promise<T> {
    const res = await this.request(method, path, json === undefined ? {} : { json });
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}

/** Reads an exec stream response into typed frames, with the parser the agent's client uses. */
export async function* execFrames(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ExecStreamFrame> {
  const decoder = new TextDecoder();
  const parser = new ExecStreamParser();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    yield* parser.push(decoder.decode(chunk, { stream: true }));
  }
  yield* parser.push(decoder.decode());
}
