import type { BrokerMethod, BrokerParams, BrokerResult, StoredFile } from '@paddock/shared';
import { base64ToBytes, bytesToBase64 } from './base64.js';

/** One call to the broker: the method's params and result are its schemas' types. */
export type BrokerCall = <M extends BrokerMethod>(
  method: M,
  params: BrokerParams<M>,
) => Promise<BrokerResult<M>>;

type Without<T, K extends string> = Omit<T, K>;

/** What `files.upload` takes: any size up to the app's quota. */
export type UploadContent = Blob | Uint8Array | string | ReadableStream<Uint8Array>;

/**
 * How files travel whole, past one call's 8 MiB: each transport streams them its own way (the
 * web client hands Blobs to the desktop, the service client streams HTTP).
 */
export interface FileStreams {
  upload(
    path: string,
    content: UploadContent,
    options?: { mime?: string; signal?: AbortSignal },
  ): Promise<StoredFile>;
  download(path: string, options?: { signal?: AbortSignal }): Promise<Response>;
}

/**
 * What an app can do, the same for both transports: the web client (over the desktop's port)
 * and the service client (over HTTP) each supply `call` and get the rest from here.
 */
export interface AppSurface {
  call: BrokerCall;
  kv: {
    get(key: string): Promise<BrokerResult<'app.kv.get'>>;
    set(key: string, value: unknown): Promise<BrokerResult<'app.kv.set'>>;
    delete(key: string): Promise<BrokerResult<'app.kv.delete'>>;
    list(options?: BrokerParams<'app.kv.list'>): Promise<BrokerResult<'app.kv.list'>>;
  };
  table: {
    insert(table: string, doc: Record<string, unknown>): Promise<BrokerResult<'app.table.insert'>>;
    get(table: string, id: string): Promise<BrokerResult<'app.table.get'>>;
    query(
      table: string,
      options?: Without<BrokerParams<'app.table.query'>, 'table'>,
    ): Promise<BrokerResult<'app.table.query'>>;
    update(
      table: string,
      id: string,
      doc: Record<string, unknown>,
    ): Promise<BrokerResult<'app.table.update'>>;
    delete(table: string, id: string): Promise<BrokerResult<'app.table.delete'>>;
  };
  files: {
    read(path: string): Promise<BrokerResult<'app.files.read'>>;
    /** The file's bytes, decoded. */
    readBytes(path: string): Promise<Uint8Array>;
    /** The file as UTF-8 text. */
    readText(path: string): Promise<string>;
    write(
      path: string,
      content: string | Uint8Array,
      mime?: string,
    ): Promise<BrokerResult<'app.files.write'>>;
    list(options?: BrokerParams<'app.files.list'>): Promise<BrokerResult<'app.files.list'>>;
    delete(path: string): Promise<BrokerResult<'app.files.delete'>>;
    /** Writes a file of any size up to the app's quota, streamed (not held as base64). */
    upload: FileStreams['upload'];
    /** A file as a `Response` whose body streams: `.body`, `.blob()`, `.text()`. */
    download: FileStreams['download'];
  };
  /** A notification in the user's desktop. */
  notify(title: string, body?: string): Promise<BrokerResult<'app.notify'>>;
  /** A model call the broker makes with the install's key (the app never sees it). */
  llm: {
    complete(params: BrokerParams<'app.llm.complete'>): Promise<BrokerResult<'app.llm.complete'>>;
  };
  /** Agent tasks in the user's build apps, followed by reading their log on. */
  agent: {
    start(params: BrokerParams<'app.agent.start'>): Promise<BrokerResult<'app.agent.start'>>;
    read(taskId: string, after?: number): Promise<BrokerResult<'app.agent.read'>>;
  };
}

export function createSurface(call: BrokerCall, streams: FileStreams): AppSurface {
  const readBytes = async (path: string) =>
    base64ToBytes((await call('app.files.read', { path })).content_base64);
  return {
    call,
    kv: {
      get: (key) => call('app.kv.get', { key }),
      set: (key, value) => call('app.kv.set', { key, value }),
      delete: (key) => call('app.kv.delete', { key }),
      list: (options = {}) => call('app.kv.list', options),
    },
    table: {
      insert: (table, doc) => call('app.table.insert', { table, doc }),
      get: (table, id) => call('app.table.get', { table, id }),
      query: (table, options = {}) => call('app.table.query', { ...options, table }),
      update: (table, id, doc) => call('app.table.update', { table, id, doc }),
      delete: (table, id) => call('app.table.delete', { table, id }),
    },
    files: {
      read: (path) => call('app.files.read', { path }),
      readBytes,
      readText: async (path) => new TextDecoder().decode(await readBytes(path)),
      write: (path, content, mime) => {
        const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
        const params: BrokerParams<'app.files.write'> = {
          path,
          content_base64: bytesToBase64(bytes),
        };
        if (mime !== undefined) params.mime = mime;
        return call('app.files.write', params);
      },
      list: (options = {}) => call('app.files.list', options),
      delete: (path) => call('app.files.delete', { path }),
      upload: (path, content, options = {}) => {
        // A Blob that knows its type says it, unless the caller names one.
        const typed = content instanceof Blob && content.type !== '' ? content.type : undefined;
        const mime = options.mime ?? typed;
        return streams.upload(path, content, mime === undefined ? options : { ...options, mime });
      },
      download: (path, options) => streams.download(path, options),
    },
    notify: (title, body) => call('app.notify', body === undefined ? { title } : { title, body }),
    llm: { complete: (params) => call('app.llm.complete', params) },
    agent: {
      start: (params) => call('app.agent.start', params),
      read: (taskId, after) =>
        call(
          'app.agent.read',
          after === undefined ? { task_id: taskId } : { task_id: taskId, after },
        ),
    },
  };
}
