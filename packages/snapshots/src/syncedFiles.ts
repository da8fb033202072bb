import fs from 'node:fs';

/**
 * Every byte of `buffers`, or an error. A write can be cut short without failing (a full disk:
 * libuv returns the partial count and drops the error), so what is left is written again, which
 * then fails with the real reason.
 */
export async function writeAll(
  fd: fs.promises.FileHandle,
  buffers: readonly Buffer[],
): Promise<void> {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  let done = (await fd.writev(buffers as Buffer[])).bytesWritten;
  if (done === total) return;
  let skip = done;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    let at = skip;
    skip = 0;
    while (at < b.length) {
      const { bytesWritten } = await fd.write(b, at, b.length - at);
      if (bytesWritten === 0) throw new Error(`short write: ${done} of ${total} bytes`);
      at += bytesWritten;
      done += bytesWritten;
    }
  }
}

/** Makes a directory's entries (renames into it) durable. */
export async function syncDir(dir: string): Promise<void> {
  const fd = await fs.promises.open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
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
