import { PaddockError } from '@paddock/shared';
import type { FileEntry } from './backend.js';

export function entryOf(path: string, size: number, mtimeMs: number): FileEntry {
  return { path, size, modified_at: new Date(Math.floor(mtimeMs)).toISOString() };
}

export function checkLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new PaddockError('bad_request', 'limit must be a positive integer');
  }
  return limit;
}

/** A range within the file, its end clamped to the last byte (as HTTP does); else 416. */
export function satisfiable(
  range: { start: number; end: number },
  size: number,
): { start: number; end: number } {
  const { start, end } = range;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end < start ||
    start >= size
  ) {
    throw new PaddockError('range_not_satisfiable', `the file has ${size} bytes`, { size });
  }
  return { start, end: Math.min(end, size - 1) };
}
