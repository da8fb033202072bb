import type { Readable } from 'node:stream';

/**
 * Where one filestore's files live in a backend: a directory below the backend's root (local)
 * or a key prefix below the bucket's prefix (S3). The daemon makes it from the owner and the
 * filestore's id, never from anything a request names, so no caller can point at another
 * owner's files. One or more path segments of `[A-Za-z0-9_-]`.
 */
export interface FilestoreLocation {
  readonly key: string;
}

/** One file of a filestore. Directories are implied by paths, as in object storage. */
export interface FileEntry {
  /** Relative, `/`-separated, no `.` or `..` segment, no leading or trailing `/`. */
  path: string;
  size: number;
  modified_at: string;
  /**
   * An opaque tag of this version of the content when the backend has one (S3's ETag): sync
   * compares it to tell the copy it made from a newer write. Absent for the local backend.
   */
  etag?: string;
}

export interface ListOptions {
  /** Only files below this directory (a relative path); all files when absent. */
  prefix?: string;
  /** The `next_cursor` of the previous page. */
  cursor?: string;
  limit: number;
}

/** Files in path order (byte order of the UTF-8 path, as S3 lists them). */
export interface ListPage {
  items: FileEntry[];
  next_cursor: string | null;
}

/** A file opened for reading: its entry, and its bytes (a range when asked) as a stream. */
export interface OpenedObject {
  entry: FileEntry;
  stream: Readable;
}

/** What a filestore holds in all (quotas and `GET /v1/filestores/{id}`). */
export interface FilestoreUsage {
  bytes: number;
  files: number;
}

/**
 * One storage backend of filestores. Every method streams: no whole object is held in memory.
 * Paths are checked by the caller with `checkFilePath` (and again here: a backend never reads
 * or writes outside its location). Errors a caller can act on are `PaddockError`s
 * (`file_not_found`, `invalid_path`, `quota_exceeded` through `TooLarge`); anything else from
 * the backend is `FilestoreUnavailable`.
 */
export interface FilestoreBackend {
  readonly kind: 'local' | 's3';
  list(loc: FilestoreLocation, options: ListOptions): Promise<ListPage>;
  /** The file's entry, or null when there is none. */
  stat(loc: FilestoreLocation, path: string): Promise<FileEntry | null>;
  /** The file opened for reading (bytes `start`..`end` inclusive when asked), or null. */
  get(
    loc: FilestoreLocation,
    path: string,
    range?: { start: number; end: number },
  ): Promise<OpenedObject | null>;
  /**
   * Writes `source` as the file at `path`, replacing any: readers see the old file or the new
   * one, never a part. Past `maxBytes` it stops, keeps nothing and rejects with `TooLarge`.
   */
  put(
    loc: FilestoreLocation,
    path: string,
    source: Readable,
    options?: { maxBytes?: number },
  ): Promise<FileEntry>;
  /** False when there was no such file. */
  delete(loc: FilestoreLocation, path: string): Promise<boolean>;
  /** Moves a file, replacing `to`; false when `from` does not exist. */
  move(loc: FilestoreLocation, from: string, to: string): Promise<boolean>;
  usage(loc: FilestoreLocation): Promise<FilestoreUsage>;
  /** Every file of the location (a filestore's delete). */
  removeAll(loc: FilestoreLocation): Promise<void>;
  /** Releases connections; the backend is not used after. */
  close(): void;
}
