import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PaddockError } from '@paddock/shared';
import type {
  FileEntry,
  FilestoreBackend,
  FilestoreLocation,
  FilestoreUsage,
  ListOptions,
  ListPage,
  OpenedObject,
} from './backend.js';
import { ByteLimit } from './byteLimit.js';
import { checkLimit } from './entries.js';
import { FilestoreUnavailable, TooLarge, errorName } from './errors.js';
import {
  checkCursor,
  checkFilePath,
  checkListPrefix,
  checkLocationKey,
  isFilePath,
} from './paths.js';

export interface S3BackendOptions {
  /** An S3-compatible server's URL; AWS's own endpoint for the region when absent. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Keys start with `<prefix>/`; the whole bucket when empty. */
  prefix?: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** `bucket` as the first path segment rather than a host name (most S3-compatible servers). */
  forcePathStyle?: boolean;
}

const PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once: memory held by one put is about (QUEUE_SIZE + 1) × PART_SIZE. */
const QUEUE_SIZE = 2;
/** CopyObject's limit; larger objects are copied by streaming them through. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;
const MISSING = new Set(['NoSuchKey', 'NotFound']);

/**
 * Filestores in S3-compatible object storage: the file at `path` is the object
 * `<prefix>/<location.key>/<path>`. Streams both ways (multipart upload with bounded parts).
 * Errors other than a missing key are `FilestoreUnavailable` with the S3 error's name alone:
 * no message, so no URL, signature or credential leaves here.
 */
export class S3Backend implements FilestoreBackend {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3BackendOptions) {
    this.client = new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      region: options.region,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle ?? false,
      // Checksums only where S3 requires them: many S3-compatible servers reject the newer
      // default (trailing CRC32 on every upload).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  }

  async list(loc: FilestoreLocation, options: ListOptions): Promise<ListPage> {
    const prefix = checkListPrefix(options.prefix);
    const cursor = checkCursor(options.cursor);
    const limit = checkLimit(options.limit);
    const base = this.baseOf(loc);
    const items: FileEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.send((c) =>
        c.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix === '' ? base : `${base}${prefix}/`,
            ...(token ? { ContinuationToken: token } : cursor ? { StartAfter: base + cursor } : {}),
            MaxKeys: Math.min(1000, limit + 1 - items.length),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        const path = (object.Key ?? '').slice(base.length);
        // "Directory" markers (`a/`) and names no caller could address are passed over.
        if (!isFilePath(path)) continue;
        items.push(entryOfObject(path, object));
        if (items.length > limit) break;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token && items.length <= limit);
    const more = items.length > limit;
    if (more) items.length = limit;
    return { items, next_cursor: more ? (items.at(-1)?.path ?? null) : null };
  }

  async stat(loc: FilestoreLocation, path: string): Promise<FileEntry | null> {
    checkFilePath(path);
    // HEAD answers have no body: a missing bucket is a 404 `NotFound` too, so it reads as no
    // file here; list, get and put name it.
    const head = await this.sendOrMissing((c) =>
      c.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.baseOf(loc) + path })),
    );
    if (!head) return null;
    return entry(path, head.ContentLength ?? 0, head.LastModified, head.ETag);
  }

  async get(
    loc: FilestoreLocation,
    path: string,
    range?: { start: number; end: number },
  ): Promise<OpenedObject | null> {
    checkFilePath(path);
    if (range) checkRange(range);
    const object = await this.sendOrMissing((c) =>
      c.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.baseOf(loc) + path,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      ),
    ).catch((err: unknown) => {
      if (err instanceof FilestoreUnavailable && err.reason === 'InvalidRange') {
        throw new PaddockError(
          'range_not_satisfiable',
          'the range starts past the end of the file',
        );
      }
      throw err;
    });
    if (!object) return null;
    // A ranged answer's Content-Range carries the whole object's size after the `/`.
    const total = /\/(\d+)$/.exec(object.ContentRange ?? '')?.[1];
    const size = total !== undefined ? Number(total) : (object.ContentLength ?? 0);
    return {
      entry: entry(path, size, object.LastModified, object.ETag),
      stream: object.Body as Readable,
    };
  }

  async put(
    loc: FilestoreLocation,
    path: string,
    source: Readable,
    options: { maxBytes?: number } = {},
  ): Promise<FileEntry> {
    checkFilePath(path);
    const key = this.baseOf(loc) + path;
    const counted = new ByteLimit(options.maxBytes);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counted },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    // Past maxBytes (or when the source fails) the upload is aborted: a multipart upload's
    // parts are dropped, a single PUT is never sent, the object keeps its old content.
    let streamError: unknown;
    const piping = pipeline(source, counted).catch((err: unknown) => {
      streamError = err;
      void upload.abort().catch(() => {});
    });
    try {
      await upload.done();
    } catch (err) {
      // Stop reading the source when S3 failed first: the pipeline then ends closed early or
      // aborted by the upload, which is no error of the source's.
      counted.destroy();
      await piping;
      const stream = streamError as NodeJS.ErrnoException | undefined;
      const ours = stream?.code === 'ERR_STREAM_PREMATURE_CLOSE' || stream?.name === 'AbortError';
      if (stream !== undefined && !ours) throw stream;
      if (err instanceof TooLarge) throw err;
      throw new FilestoreUnavailable(errorName(err));
    }
    await piping;
    if (streamError !== undefined) throw streamError;
    return (await this.stat(loc, path)) ?? entry(path, counted.bytes, new Date(), undefined);
  }

  async delete(loc: FilestoreLocation, path: string): Promise<boolean> {
    // S3 answers a delete of a missing key as a success: ask first, for the boolean.
    if (!(await this.stat(loc, path))) return false;
    await this.send((c) =>
      c.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.baseOf(loc) + path })),
    );
    return true;
  }

  async move(loc: FilestoreLocation, from: string, to: string): Promise<boolean> {
    checkFilePath(to);
    const source = await this.stat(loc, from);
    if (!source) return false;
    if (from === to) return true;
    const base = this.baseOf(loc);
    if (source.size <= MAX_COPY_BYTES) {
      const copied = await this.send((c) =>
        c.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: base + to,
            CopySource: [this.bucket, ...(base + from).split('/')]
              .map(encodeURIComponent)
              .join('/'),
          }),
        ),
      ).then(
        () => true,
        (err: unknown) => {
          if (err instanceof FilestoreUnavailable && err.reason === 'NotImplemented') return false;
          throw err;
        },
      );
      if (!copied) await this.copyThrough(loc, from, to);
    } else {
      await this.copyThrough(loc, from, to);
    }
    await this.send((c) =>
      c.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: base + from })),
    );
    return true;
  }

  async usage(loc: FilestoreLocation): Promise<FilestoreUsage> {
    let bytes = 0;
    let files = 0;
    for await (const object of this.objects(loc)) {
      bytes += object.Size ?? 0;
      files += 1;
    }
    return { bytes, files };
  }

  async removeAll(loc: FilestoreLocation): Promise<void> {
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const keys = batch;
      batch = [];
      await this.send((c) =>
        c.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
    };
    for await (const object of this.objects(loc)) {
      if (object.Key) batch.push(object.Key);
      if (batch.length === 1000) await flush();
    }
    await flush();
  }

  close(): void {
    this.client.destroy();
  }

  /** `<prefix>/<key>/`: every object of the location starts with it. */
  private baseOf(loc: FilestoreLocation): string {
    const key = checkLocationKey(loc.key).join('/');
    return this.prefix === '' ? `${key}/` : `${this.prefix}/${key}/`;
  }

  /** Every object under the location, whatever its name. */
  private async *objects(loc: FilestoreLocation): AsyncGenerator<_Object> {
    let token: string | undefined;
    do {
      const page = await this.send((c) =>
        c.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.baseOf(loc),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      yield* page.Contents ?? [];
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async copyThrough(loc: FilestoreLocation, from: string, to: string): Promise<void> {
    const opened = await this.get(loc, from);
    if (!opened) throw new FilestoreUnavailable('NoSuchKey');
    await this.put(loc, to, opened.stream);
  }

  /** One S3 call; its failure becomes `FilestoreUnavailable` with the error's name. */
  private async send<Output>(call: (client: S3Client) => Promise<Output>): Promise<Output> {
    try {
      return await call(this.client);
    } catch (err) {
      throw new FilestoreUnavailable(errorName(err));
    }
  }

  /** The answer, or null for a missing key. */
  private async sendOrMissing<Output>(
    call: (client: S3Client) => Promise<Output>,
  ): Promise<Output | null> {
    try {
      return await this.send(call);
    } catch (err) {
      if (err instanceof FilestoreUnavailable && MISSING.has(err.reason)) return null;
      throw err;
    }
  }
}

function entry(
  path: string,
  size: number,
  modified: Date | undefined,
  etag: string | undefined,
): FileEntry {
  return {
    path,
    size,
    modified_at: (modified ?? new Date(0)).toISOString(),
    ...(etag ? { etag } : {}),
  };
}

function entryOfObject(path: string, object: _Object): FileEntry {
  return entry(path, object.Size ?? 0, object.LastModified, object.ETag);
}

function checkRange(range: { start: number; end: number }): void {
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) {
    throw new PaddockError('range_not_satisfiable', 'the range is not start-end with start ≤ end');
  }
}
