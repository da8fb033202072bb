import { PaddockError } from '@paddock/shared';

/** Error codes that mean the disk under the data dir has no room (errno, or SQLite's own). */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** Whether a short error name (an errno code, a backend's reason) means "the disk is full". */
export function isStorageFullCode(code: unknown): boolean {
  return typeof code === 'string' && FULL_CODES.has(code);
}

/** Whether the error, or one it wraps, says the data disk is full. */
export function isStorageFull(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (isStorageFullCode((e as NodeJS.ErrnoException).code)) return true;
  }
  return false;
}

/**
 * The one answer to a write the full disk refused. The write is whole or absent (files are
 * written beside their place and renamed; SQLite rolls the transaction back), and the daemon
 * writes again by itself once space returns.
 */
export function storageFullError(): PaddockError {
  return new PaddockError(
    'insufficient_storage',
    'the data disk is full: the write was not made; free space and try again',
  );
}
