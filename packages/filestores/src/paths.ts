import { PaddockError } from '@paddock/shared';

const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
// C0 controls and DEL: no file name a person means has one, and they break logs and headers.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The one check of a filestore file path: relative, `/`-separated, no empty, `.` or `..`
 * segment, no control character, well-formed Unicode, at most 1024 bytes of UTF-8 and 255 per
 * segment. Returns the path; throws `invalid_path`.
 */
export function checkFilePath(path: unknown): string {
  if (typeof path !== 'string' || path === '') throw invalid('a file path is required');
  checkSegments(path);
  return path;
}

/**
 * A list prefix: a directory path in the same form, or empty for the whole filestore. One
 * trailing `/` is accepted and dropped. Returns the prefix without it.
 */
export function checkListPrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === '') return '';
  if (typeof prefix !== 'string') throw invalid('a prefix is a string');
  const bare = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (bare === '') throw invalid('a prefix does not start with /');
  checkSegments(bare);
  return bare;
}

function checkSegments(path: string): void {
  if (Buffer.from(path, 'utf8').toString('utf8') !== path) {
    throw invalid('the path is not well-formed Unicode');
  }
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) {
    throw invalid(`the path is longer than ${MAX_PATH_BYTES} bytes`);
  }
  if (CONTROL.test(path)) throw invalid('the path holds a control character');
  for (const segment of path.split('/')) {
    if (segment === '') throw invalid('the path has an empty segment or a leading or trailing /');
    if (segment === '.' || segment === '..') throw invalid('the path has a . or .. segment');
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      throw invalid(`a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
}

/** Whether `path` passes `checkFilePath` (walkers skip names no caller could address). */
export function isFilePath(path: string): boolean {
  try {
    checkSegments(path);
    return path !== '';
  } catch {
    return false;
  }
}

/** A list cursor is the last path of the previous page. */
export function checkCursor(cursor: unknown): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (typeof cursor !== 'string' || !isFilePath(cursor)) {
    throw new PaddockError('bad_request', 'the cursor is not one this list returned');
  }
  return cursor;
}

/** A location key: one or more segments of `[A-Za-z0-9_-]`, made by the daemon. */
export function checkLocationKey(key: string): string[] {
  const segments = key.split('/');
  if (!segments.every((s) => /^[A-Za-z0-9_-]{1,128}$/.test(s))) {
    throw new Error(`invalid filestore location key: ${JSON.stringify(key)}`);
  }
  return segments;
}

/** Byte order of UTF-8, the order S3 lists keys in. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function invalid(message: string): PaddockError {
  return new PaddockError('invalid_path', message);
}
