import { ROUTES } from './routeTable.js';
import type { BodyOf, ReplyOf } from './routeTypes.js';
import type { RawBody, Transport } from './transport.js';

type Signal = { signal?: AbortSignal };
export type Filestore = ReplyOf<typeof ROUTES.filestores.get>;
export type FilestoreFile = ReplyOf<typeof ROUTES.filestores.stat>;
export type FilestoreBackend = ReplyOf<typeof ROUTES.filestores.createBackend>;

/**
 * Filestores: an owner's named stores of user data that outlive sandboxes. Files stream both
 * ways; a sandbox mounts them (`pd.sandboxes.create({ filestores: [...] })`) or reaches them
 * with its own token from inside (`new Paddock({ url: 'http://paddock.internal', token })`).
 */
export class Filestores {
  constructor(private readonly transport: Transport) {}

  /** On the `local` backend unless `backend` names an S3 one. */
  create(name: string, options: Signal & { backend?: string } = {}): Promise<Filestore> {
    return this.transport.call(ROUTES.filestores.create, {
      body: { name, ...(options.backend ? { backend: options.backend } : {}) },
      signal: options.signal,
    });
  }

  async list(options: Signal = {}): Promise<Filestore[]> {
    return (await this.transport.call(ROUTES.filestores.list, { signal: options.signal })).items;
  }

  /** By id or name. */
  get(idOrName: string, options: Signal = {}): Promise<Filestore> {
    return this.transport.call(ROUTES.filestores.get, {
      params: { id: idOrName },
      signal: options.signal,
    });
  }

  /** Deletes the filestore and every file in it (refused while a sandbox has it). */
  async delete(idOrName: string, options: Signal = {}): Promise<void> {
    await this.transport.call(ROUTES.filestores.delete, {
      params: { id: idOrName },
      signal: options.signal,
    });
  }

  /** Every file (or those below `prefix`), following pages. */
  async *files(
    idOrName: string,
    options: Signal & { prefix?: string; pageSize?: number } = {},
  ): AsyncGenerator<FilestoreFile> {
    let cursor: string | undefined;
    do {
      const page = await this.transport.call(ROUTES.filestores.listFiles, {
        params: { id: idOrName },
        query: {
          ...(options.prefix ? { prefix: options.prefix } : {}),
          ...(cursor ? { cursor } : {}),
          limit: options.pageSize ?? 500,
        },
        signal: options.signal,
      });
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  stat(idOrName: string, path: string, options: Signal = {}): Promise<FilestoreFile> {
    return this.transport.call(ROUTES.filestores.stat, {
      params: { id: idOrName },
      query: { path },
      signal: options.signal,
    });
  }

  /** The file's bytes as a stream (`range`: bytes `start`..`end` inclusive). */
  async read(
    idOrName: string,
    path: string,
    options: Signal & { range?: { start: number; end?: number } } = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const { range } = options;
    const res = await this.transport.send(ROUTES.filestores.read, {
      params: { id: idOrName },
      query: { path },
      ...(range ? { headers: { range: `bytes=${range.start}-${range.end ?? ''}` } } : {}),
      signal: options.signal,
    });
    return res.body ?? new Blob([]).stream();
  }

  async readText(idOrName: string, path: string, options: Signal = {}): Promise<string> {
    return new Response(await this.read(idOrName, path, options)).text();
  }

  /** Writes a file from bytes, text or a stream, replacing any at that path whole. */
  async write(
    idOrName: string,
    path: string,
    content: RawBody | string,
    options: Signal = {},
  ): Promise<FilestoreFile> {
    const res = await this.transport.send(ROUTES.filestores.write, {
      params: { id: idOrName },
      query: { path },
      body: typeof content === 'string' ? new TextEncoder().encode(content) : content,
      contentType: 'application/octet-stream',
      signal: options.signal,
    });
    return (await res.json()) as FilestoreFile;
  }

  async remove(idOrName: string, path: string, options: Signal = {}): Promise<void> {
    await this.transport.call(ROUTES.filestores.deleteFile, {
      params: { id: idOrName },
      query: { path },
      signal: options.signal,
    });
  }

  move(idOrName: string, from: string, to: string, options: Signal = {}): Promise<FilestoreFile> {
    return this.transport.call(ROUTES.filestores.move, {
      params: { id: idOrName },
      body: { from, to },
      signal: options.signal,
    });
  }

  /** Adds an S3-compatible backend (an admin key); the secret key is sealed, never returned. */
  addBackend(
    body: BodyOf<typeof ROUTES.filestores.createBackend>,
    options: Signal = {},
  ): Promise<FilestoreBackend> {
    return this.transport.call(ROUTES.filestores.createBackend, { body, signal: options.signal });
  }

  async backends(options: Signal = {}): Promise<FilestoreBackend[]> {
    return (await this.transport.call(ROUTES.filestores.listBackends, { signal: options.signal }))
      .items;
  }

  async removeBackend(name: string, options: Signal = {}): Promise<void> {
    await this.transport.call(ROUTES.filestores.deleteBackend, {
      params: { name },
      signal: options.signal,
    });
  }
}
