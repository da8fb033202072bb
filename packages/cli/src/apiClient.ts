import { Readable } from 'node:stream';
import type { RouteContract } from '@paddock/shared';
import type { Transport } from '@paddock/sdk';
import type { Connection } from './connection.js';

/**
 * The older commands' client: a method and a path in, a `Response` out, over the SDK's
 * Transport (the same token, error codes and retries as the rest of the CLI). New code calls
 * `transport.call(ROUTES.x.y, …)` instead, typed by the route's contract.
 */
export class ApiClient {
  constructor(
    readonly conn: Connection,
    private readonly transport: Transport,
  ) {}

  request(
    method: string,
    path: string,
    init: { json?: unknown; body?: Buffer | Readable; contentType?: string; accept?: string } = {},
  ): Promise<Response> {
    // A path already filled in: a contract with no parameters to substitute.
    const route = { method, url: path, schema: {} } as unknown as RouteContract;
    const body =
      init.body instanceof Readable
        ? (Readable.toWeb(init.body) as unknown as ReadableStream<Uint8Array>)
        : init.body;
    return this.transport.send(route, {
      ...(init.json !== undefined ? { json: init.json as never } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(init.contentType ? { contentType: init.contentType } : {}),
      ...(init.accept ? { accept: init.accept } : {}),
    });
  }

  async json<T>(method: string, path: string, json?: unknown): Promise<T> {
    const res = await this.request(method, path, json === undefined ? {} : { json });
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}
