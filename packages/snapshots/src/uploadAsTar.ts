import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PaddockError } from '@paddock/shared';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { invalid, permissionBits } from './snapshotManifest.js';
import { byteLimit, isSystemError, peek } from './untrustedTar.js';

export interface UploadLimits {
  /** Uncompressed file bytes in all (and the most a zip upload may be, compressed). */
  maxBytes: number;
  maxEntries: number;
  /** Uncompressed over compressed, per entry and for the whole zip, above `ratioFloorBytes`. */
  maxRatio?: number;
  /** The ratio is held only against entries (and zips) larger than this: a small file of zeros is no bomb. */
  ratioFloorBytes?: number;
  /** Where a zip is spooled to be read (its central directory is at its end); default the OS's. */
  spoolDir?: string;
}

const ZIP_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Zips made on Unix carry its mode in the high half of the external attributes. */
const MADE_ON_UNIX = 3;
const MAX_LINK_BYTES = 4095;

/**
 * An uploaded project as a tar stream, whatever it came as: a tar or tar.gz passes through
 * untouched (importArchive reads both); a zip (known by its first bytes, never by a content
 * type) is spooled to a temporary file, read with yauzl and re-emitted as tar entries: files
 * with their Unix modes, directories, and symlinks (from Unix-mode external attributes).
 * Anything else in a zip, and zip bombs (a ratio past `maxRatio`, sizes that differ from what
 * the zip declares, more than `maxBytes` or `maxEntries`), fail the returned stream with
 * `invalid_archive`. The tar's own entries still go through importArchive's checks. A zip's
 * spool file goes when the returned stream closes: a caller that stops reading early (a refused
 * import) destroys it.
 */
export async function uploadAsTar(
  body: AsyncIterable<Buffer>,
  limits: UploadLimits,
): Promise<Readable> {
  const { head, stream } = await peek(body, 4);
  if (!ZIP_MAGIC.some((magic) => head.subarray(0, 4).equals(magic))) return stream;
  const dir = await mkdtemp(path.join(limits.spoolDir ?? os.tmpdir(), 'paddock-zip-'));
  const cleanUp = () => void rm(dir, { recursive: true, force: true });
  try {
    const file = path.join(dir, 'upload.zip');
    await pipeline(
      stream,
      byteLimit(limits.maxBytes, () => invalid(`the zip is larger than ${limits.maxBytes} bytes`)),
      fs.createWriteStream(file, { mode: 0o600 }),
    );
    const zip = await openZip(file);
    const pack = tar.pack();
    const out = Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
    out.once('close', () => {
      zip.close();
      cleanUp();
    });
    zipEntries(zip, pack, { maxRatio: 100, ratioFloorBytes: 1024 * 1024, ...limits }).then(
      () => pack.finalize(),
      (err: unknown) => pack.destroy(asArchiveError(err)),
    );
    return out;
  } catch (err) {
    cleanUp();
    throw asArchiveError(err);
  }
}

/** Each zip entry as a tar entry, checked for bombs before and while its bytes are read. */
async function zipEntries(
  zip: yauzl.ZipFile,
  pack: tar.Pack,
  limits: Required<Omit<UploadLimits, 'spoolDir'>>,
): Promise<void> {
  if (zip.entryCount > limits.maxEntries) {
    throw invalid(`the zip has more than ${limits.maxEntries} entries`);
  }
  let declared = 0;
  let compressed = 0;
  for (let entry = await nextEntry(zip); entry !== null; entry = await nextEntry(zip)) {
    const name = entry.fileName;
    declared += entry.uncompressedSize;
    compressed += entry.compressedSize;
    if (declared > limits.maxBytes) {
      throw invalid(`the zip holds more than ${limits.maxBytes} bytes`, name);
    }
    const tooDense = (size: number, packed: number) =>
      size > limits.ratioFloorBytes && size > packed * limits.maxRatio;
    if (tooDense(entry.uncompressedSize, entry.compressedSize) || tooDense(declared, compressed)) {
      throw invalid(`compressed more than ${limits.maxRatio} to 1 (a zip bomb?)`, name);
    }
    const unixMode =
      entry.versionMadeBy >> 8 === MADE_ON_UNIX ? entry.externalFileAttributes >>> 16 : 0;
    const type = unixMode & S_IFMT;
    const isDir = name.endsWith('/');
    const mtime = entry.getLastModDate();
    if (type === S_IFDIR || (type === 0 && isDir)) {
      pack.entry({
        name,
        type: 'directory',
        mode: unixMode ? permissionBits(unixMode) : 0o755,
        mtime,
      });
    } else if (type === S_IFLNK && !isDir) {
      if (entry.uncompressedSize > MAX_LINK_BYTES) throw invalid('symlink target too long', name);
      const target = (await readWhole(zip, entry)).toString('utf8');
      pack.entry({ name, type: 'symlink', linkname: target, mode: 0o777, mtime });
    } else if ((type === S_IFREG || type === 0) && !isDir) {
      const source = await zip.openReadStreamPromise(entry);
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry(
          {
            name,
            type: 'file',
            size: entry!.uncompressedSize,
            mode: unixMode ? permissionBits(unixMode) : 0o644,
            mtime,
          },
          (err) => {
            if (err) source.destroy();
            return err ? reject(err) : resolve();
          },
        );
        sink.on('error', () => undefined);
        source.on('error', reject).pipe(sink);
      });
    } else {
      throw invalid('only files, directories and symlinks are accepted in a zip', name);
    }
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true },
      (err, zip) => (err || !zip ? reject(err ?? new Error('no zip')) : resolve(zip)),
    );
  });
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: yauzl.Entry) => (cleanup(), resolve(e));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (err: Error) => (cleanup(), reject(err));
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

async function readWhole(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** yauzl's and zlib's complaints are the upload's fault; the host's own failures stay theirs. */
function asArchiveError(err: unknown): Error {
  if (err instanceof PaddockError || isSystemError(err)) return err as Error;
  const message = err instanceof Error ? err.message : String(err);
  if (/too many bytes|too few bytes/.test(message)) {
    return invalid(`an entry's size differs from what the zip declares (${message})`);
  }
  return invalid(`not a readable zip: ${message}`);
}
