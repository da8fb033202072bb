import type { FileWatchFrame } from '@paddock/shared';
import { ROUTES } from './routeTable.js';
import { eventFrames } from './eventStream.js';
import type { ReplyOf } from './routeTypes.js';
import type { RawBody, Transport } from './transport.js';

type Signal = { signal?: AbortSignal };

/** The files of one sandbox's workspace. Paths are relative, or absolute under /workspace. */
export class Files {
  constructor(
    private readonly transport: Transport,
    readonly sandboxId: string,
  ) {}

  private get id() {
    return { id: this.sandboxId };
  }

  /** A file's bytes. */
  async read(path: string, options: Signal = {}): Promise<Uint8Array> {
    const res = await this.readResponse(path, options);
    return new Uint8Array(await res.arrayBuffer());
  }

  /** A file as UTF-8 text. */
  async readText(path: string, options: Signal = {}): Promise<string> {
    return (await this.readResponse(path, options)).text();
  }

  /** A file as a stream of bytes, never held whole in memory. */
  async readStream(path: string, options: Signal = {}): Promise<ReadableStream<Uint8Array>> {
    const res = await this.readResponse(path, options);
    return res.body ?? new Blob([]).stream();
  }

  private readResponse(path: string, options: Signal): Promise<Response> {
    return this.transport.send(ROUTES.files.read, {
      params: this.id,
      query: { path },
      signal: options.signal,
    });
  }

  /**
   * Writes a file (parents are made): text, bytes, a Blob, or a stream that is sent as it is read.
   * `mode` is octal text, e.g. `'0755'`.
   */
  write(path: string, data: RawBody, options: Signal & { mode?: string } = {}) {
    return this.transport
      .send(ROUTES.files.write, {
        params: this.id,
        query: { path, ...(options.mode !== undefined ? { mode: options.mode } : {}) },
        body: data,
        signal: options.signal,
      })
      .then((res) => res.json() as Promise<ReplyOf<typeof ROUTES.files.write>>);
  }

  /** A directory's entries, to a depth (symlinks are reported, never followed). */
  list(path = '.', options: Signal & { depth?: number } = {}) {
    return this.transport.call(ROUTES.files.list, {
      params: this.id,
      query: { path, ...(options.depth !== undefined ? { depth: options.depth } : {}) },
      signal: options.signal,
    });
  }

  /** A path's type, size, mode and time (a symlink is described, not followed). */
  stat(path: string, options: Signal = {}) {
    return this.transport.call(ROUTES.files.stat, {
      params: this.id,
      query: { path },
      signal: options.signal,
    });
  }

  /** True when the path exists. */
  async exists(path: string, options: Signal = {}): Promise<boolean> {
    try {
      await this.stat(path, options);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'file_not_found') return false;
      throw err;
    }
  }

  /** Makes a directory (`parents`: its missing parents too, and no error if it exists). */
  mkdir(path: string, options: Signal & { parents?: boolean } = {}) {
    return this.transport.call(ROUTES.files.mkdir, {
      params: this.id,
      body: { path, ...(options.parents !== undefined ? { parents: options.parents } : {}) },
      signal: options.signal,
    });
  }

  /** Moves or renames; `overwrite` replaces an existing target. */
  move(from: string, to: string, options: Signal & { overwrite?: boolean } = {}) {
    return this.transport.call(ROUTES.files.move, {
      params: this.id,
      body: {
        from,
        to,
        ...(options.overwrite !== undefined ? { overwrite: options.overwrite } : {}),
      },
      signal: options.signal,
    });
  }

  /** Removes a file, or a directory (`recursive` for a non-empty one). */
  async remove(path: string, options: Signal & { recursive?: boolean } = {}): Promise<void> {
    await this.transport.call(ROUTES.files.delete, {
      params: this.id,
      query: { path, ...(options.recursive !== undefined ? { recursive: options.recursive } : {}) },
      signal: options.signal,
    });
  }

  /**
   * Follows changes under a directory: `ready` once watching, then `created`, `changed`,
   * `removed`, and `overflow` when changes came too fast to list one by one, and a last `error`
   * {code, message} when the watch ends on its own (`daemon_stopping`: the daemon is stopping).
   * Stop with the signal, or by breaking out of the loop.
   */
  async *watch(
    path = '.',
    options: Signal & { recursive?: boolean; includeIgnored?: boolean } = {},
  ): AsyncGenerator<FileWatchFrame> {
    const res = await this.transport.send(ROUTES.files.watch, {
      params: this.id,
      query: {
        path,
        ...(options.recursive !== undefined ? { recursive: options.recursive } : {}),
        ...(options.includeIgnored !== undefined
          ? { include_ignored: options.includeIgnored }
          : {}),
      },
      accept: 'text/event-stream',
      signal: options.signal,
    });
    yield* eventFrames<FileWatchFrame>(res, options.signal, { errorFrames: 'yield' });
  }

  /** A directory of the workspace as a tar stream. */
  async downloadArchive(path = '.', options: Signal = {}): Promise<ReadableStream<Uint8Array>> {
    const res = await this.transport.send(ROUTES.files.pullArchive, {
      params: this.id,
      query: { path },
      signal: options.signal,
    });
    return res.body ?? new Blob([]).stream();
  }

  /** Unpacks a tar or tar.gz stream into a directory of the workspace. */
  async uploadArchive(path: string, archive: RawBody, options: Signal = {}) {
    const res = await this.transport.send(ROUTES.files.pushArchive, {
      params: this.id,
      query: { path },
      body: archive,
      contentType: 'application/x-tar',
      signal: options.signal,
    });
    return (await res.json()) as ReplyOf<typeof ROUTES.files.pushArchive>;
  }
}
