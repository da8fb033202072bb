import fs from 'node:fs';
import { Readable } from 'node:stream';
import { sha256Of } from './contentHash.js';
import type { ObjectIndex } from './objectIndex.js';
import { readRange } from './syncedFiles.js';

/**
 * Reading stored objects. Each read looks the object up and opens its file in one synchronous
 * step (ObjectIndex.openObject), so a sweep cannot move or remove it in between.
 */

/** An object's bytes in memory, checked against its hash (manifests, small files). */
export async function readObject(index: ObjectIndex, sha256: string): Promise<Buffer> {
  const { fd, start, size } = index.openObject(sha256);
  let data: Buffer;
  try {
    data = await readRange(fd, start, size);
  } finally {
    fs.closeSync(fd);
  }
  if (sha256Of(data) !== sha256) {
    throw new Error(`stored object ${sha256} is damaged`);
  }
  return data;
}

/** An object's bytes as a stream (exports). A small one is read whole and checked first. */
export function objectStream(index: ObjectIndex, sha256: string): Readable {
  if (index.isPacked(sha256)) {
    const read = readObject(index, sha256);
    read.catch(() => undefined); // a stream destroyed unread must not leave it unhandled
    return Readable.from(
      (async function* () {
        yield await read;
      })(),
    );
  }
  const { fd, start, size } = index.openObject(sha256);
  if (size === 0) {
    fs.closeSync(fd);
    return Readable.from([]);
  }
  return fs.createReadStream('', { fd, start, end: start + size - 1, autoClose: true });
}

/** A new file at `dest` (which must not exist) holding the object's bytes, mode 0600. */
export async function copyObjectTo(
  index: ObjectIndex,
  sha256: string,
  dest: string,
): Promise<void> {
  if (!index.isPacked(sha256)) {
    // A large object: the kernel copies it without passing it through here.
    await fs.promises.copyFile(index.loosePath(sha256), dest, fs.constants.COPYFILE_EXCL);
    return;
  }
  await fs.promises.writeFile(dest, await readObject(index, sha256), { flag: 'wx', mode: 0o600 });
}
