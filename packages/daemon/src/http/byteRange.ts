import { PaddockError } from '@paddock/shared';

/**
 * The one byte range a `Range` header asks of a file of `size` bytes (`bytes=a-b`, `bytes=a-`,
 * `bytes=-n`), or null for the whole file (no header, or a unit other than bytes, which HTTP
 * says to ignore). Several ranges, or one outside the file, are `range_not_satisfiable`.
 */
export function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) {
    if (!header.trim().startsWith('bytes=')) return null;
    throw new PaddockError('range_not_satisfiable', 'one range of bytes at a time: bytes=a-b');
  }
  const [, first = '', last = ''] = m;
  let start: number;
  let end: number;
  if (first === '') {
    // The last `last` bytes.
    const n = Number(last);
    if (last === '' || n === 0) throw notSatisfiable(size);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) throw notSatisfiable(size);
  }
  if (start >= size || !Number.isSafeInteger(start)) throw notSatisfiable(size);
  return { start, end };
}

function notSatisfiable(size: number): PaddockError {
  return new PaddockError('range_not_satisfiable', `the file has ${size} bytes`, { size });
}
