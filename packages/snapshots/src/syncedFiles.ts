import fs from 'node:fs';

/**
 * A file of up to this many bytes is written with synchronous calls: the page cache takes it at
 * once, for less than a trip through libuv's thread pool. Syncs, which wait for the disk, always
 * go to the thread pool.
 */
const SYNC_WRITE_BYTES = 1024 * 1024;

const writev = (fd: number, buffers: Buffer[]) =>
  new Promise<number>((resolve, reject) =>
    fs.writev(fd, buffers, (err, n) => (err ? reject(err) : resolve(n))),
  );
const fdatasync = (fd: number) =>
  new Promise<void>((resolve, reject) =>
    fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())),
  );
const fsync = (fd: number) =>
  new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));

/**
 * Every byte of `buffers`, or an error. A write can be cut short without failing (a full disk:
 * libuv returns the partial count and drops the error), so what is left is written again, which
 * then fails with the real reason. `sync` only for a whole file of at most SYNC_WRITE_BYTES:
 * chunks of a long stream go through the thread pool, since once the kernel's dirty-page limit
 * is reached a write() sleeps.
 */
export async function writeAll(
  fd: number,
  buffers: readonly Buffer[],
  sync = false,
): Promise<void> {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  const write = sync ? fs.writevSync : writev;
  let done = 0;
  let rest = buffers.filter((b) => b.length > 0);
  while (rest.length > 0) {
    const n = await write(fd, rest);
    if (n === 0) throw new Error(`short write: ${done} of ${total} bytes`);
    done += n;
    rest = unwritten(rest, n);
  }
}

/** What is left of `buffers` once their first `n` bytes are written. */
function unwritten(buffers: Buffer[], n: number): Buffer[] {
  let skip = n;
  const rest: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}

/**
 * A new file `tmp` (0600) holding `buffers`; with `durable`, its data is on disk before this
 * returns. On failure nothing is left. The caller renames it into place; a durable file's dir is
 * then synced, a file written without it is made durable later with syncFile (see
 * ContentStore.sync).
 */
export async function writeNew(
  tmp: string,
  buffers: readonly Buffer[],
  durable: boolean,
): Promise<void> {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  let failure: unknown = null;
  try {
    await writeAll(fd, buffers, total <= SYNC_WRITE_BYTES);
    if (durable) await fdatasync(fd);
  } catch (err) {
    failure = err;
  }
  try {
    fs.closeSync(fd);
  } catch (err) {
    failure ??= err;
  }
  if (failure !== null) {
    fs.rmSync(tmp, { force: true });
    throw failure;
  }
}

/** A file that could not be opened to sync it (too many open files, say): nothing was lost yet. */
export class CannotOpen extends Error {}

/**
 * Puts a file's data on disk; a file that is gone (a sweep moved its objects) is skipped. A
 * failed open is a CannotOpen; any other error is the sync's own.
 */
export async function syncFile(file: string): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CannotOpen(`cannot open ${file} to sync it: ${String(err)}`);
  }
  try {
    await fdatasync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a directory's entries (renames into it) durable. A failed open is a CannotOpen. */
export async function syncDir(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (err) {
    throw new CannotOpen(`cannot open ${dir} to sync it: ${String(err)}`);
  }
  try {
    await fsync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** `size` bytes at `start` of an open file, or an error if the file is shorter. */
export async function readRange(fd: number, start: number, size: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(size);
  let done = 0;
  while (done < size) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(fd, data, done, size - done, start + done, (err, bytesRead) =>
        err ? reject(err) : resolve(bytesRead),
      ),
    );
    if (n === 0) throw new Error('the file is shorter than its index says');
    done += n;
  }
  return data;
}
