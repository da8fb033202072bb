import { PassThrough, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type yauzl from 'yauzl';
import { ContentCheck, ContentGuard, type GuardBudget } from './contentGuard.js';
import { checkCentralEntry, EntrySet, overRatio, type CentralEntry } from './entryChecks.js';
import type { PackageLimits } from './limits.js';
import { refuse } from './refusal.js';
import { asPackageError, openZip, type OpenZip } from './zipEntries.js';

/** Entries up to this size (stored and inflated) are read whole, not streamed. */
const WHOLE_ENTRY_BYTES = 4 * 1024 * 1024;
const DEFLATED = 8;

export const MANIFEST_PATH = 'paddock-app.json';
export const SIGNATURE_PATH = 'paddock-app.sig';

/** One entry as read and checked: its declared sizes and, for a file, its content's SHA-256. */
export interface PackageEntry {
  path: string;
  type: 'file' | 'dir';
  /** Uncompressed bytes, as counted while reading. */
  size: number;
  compressedSize: number;
  /** Hex SHA-256 of a file's bytes; null for a directory. */
  sha256: string | null;
}

export interface WalkResult {
  entries: PackageEntry[];
  manifest: Buffer;
  signature: Buffer | null;
}

/** Where a file's checked bytes go (the default drains them). */
export type SinkFor = (path: string) => Promise<Writable>;
/** Where a small file's checked bytes go, whole (default: to `sinkFor`'s stream). */
export type WriteWhole = (path: string, data: Buffer) => Promise<void>;

/**
 * Reads the whole package: every central directory record checked (names, types, sizes,
 * duplicates), then every file's bytes counted and checked while they stream to `sinkFor`.
 * Refuses at the first problem, with the zip closed.
 */
export async function walkPackage(
  file: string,
  limits: PackageLimits,
  sinkFor: SinkFor = async () => drain(),
  onDir: (path: string) => Promise<void> = async () => undefined,
  writeWhole?: WriteWhole,
): Promise<WalkResult> {
  const zip = await openZip(file);
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw refuse('package_too_large', `more than ${limits.maxEntries} entries`);
    }
    const set = new EntrySet(limits);
    const entries: PackageEntry[] = [];
    let manifest: Buffer | null = null;
    let signature: Buffer | null = null;
    let total = 0;
    for (let r = await zip.next(); r !== null; r = await zip.next()) {
      const c = r.central;
      checkCentralEntry(c, limits);
      set.add(c);
      const { path } = c.name;
      if (c.name.isDir) {
        await onDir(path);
        entries.push({ path, type: 'dir', size: 0, compressedSize: 0, sha256: null });
        continue;
      }
      const budget = {
        limits,
        compressedSize: c.compressedSize,
        totalLeft: limits.maxTotalBytes - total,
        keepUpTo: keepUpTo(path, limits),
      };
      const check = await readFile(zip, r, path, budget, { sinkFor, writeWhole });
      total += check.bytes;
      if (overRatio(total, set.compressedBytes, limits)) {
        throw refuse('package_bomb', `overall compression ratio over ${limits.maxRatio}`, path);
      }
      entries.push(fileEntry(c, check));
      if (path === MANIFEST_PATH) manifest = check.content;
      if (path === SIGNATURE_PATH) signature = check.content;
    }
    if (manifest === null) {
      throw refuse('package_manifest_missing', `no ${MANIFEST_PATH} at the package root`);
    }
    return { entries, manifest, signature };
  } finally {
    zip.close();
  }
}

function keepUpTo(path: string, limits: PackageLimits): number | undefined {
  if (path === MANIFEST_PATH) return limits.maxManifestBytes;
  if (path === SIGNATURE_PATH) return limits.maxSignatureBytes;
  return undefined;
}

/**
 * One file's bytes, checked on their way to `sinkFor`. A small entry is taken whole and
 * inflated in one call, never past its declared size (most packages are many small files, and
 * a stream per entry costs more than its bytes); a large one streams.
 */
async function readFile(
  zip: OpenZip,
  r: { central: CentralEntry; entry: yauzl.Entry },
  path: string,
  budget: GuardBudget,
  out: { sinkFor: SinkFor; writeWhole: WriteWhole | undefined },
): Promise<ContentCheck> {
  const c = r.central;
  if (c.compressedSize > WHOLE_ENTRY_BYTES || c.uncompressedSize > WHOLE_ENTRY_BYTES) {
    const guard = new ContentGuard(path, budget);
    await pipeline(await zip.read(r.entry, path), guard, await out.sinkFor(path)).catch(
      (err: unknown) => {
        throw asPackageError(err, path);
      },
    );
    return guard.check;
  }
  const data = inflated(await zip.readStored(r.entry, path), c, path);
  const check = new ContentCheck(path, budget);
  check.push(data);
  check.end();
  if (out.writeWhole) {
    await out.writeWhole(path, data);
    return check;
  }
  const sink = await out.sinkFor(path);
  sink.end(data);
  await finished(sink).catch((err: unknown) => {
    throw asPackageError(err, path);
  });
  return check;
}

/** A small entry's bytes: exactly as many as declared, or a refusal. */
function inflated(stored: Buffer, c: CentralEntry, path: string): Buffer {
  let data = stored;
  if (c.compressionMethod === DEFLATED) {
    try {
      // One byte more than declared is enough to know it lies; never more is inflated.
      data = zlib.inflateRawSync(stored, { maxOutputLength: c.uncompressedSize + 1 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw refuse('package_bomb', 'more bytes than the entry declares', path);
      }
      throw refuse('package_invalid', `not a readable zip (${(err as Error).message})`, path);
    }
  }
  if (data.length > c.uncompressedSize) {
    throw refuse('package_bomb', 'more bytes than the entry declares', path);
  }
  if (data.length < c.uncompressedSize) {
    throw refuse('package_invalid', `fewer bytes than the entry declares`, path);
  }
  return data;
}

function fileEntry(c: CentralEntry, check: ContentCheck): PackageEntry {
  return {
    path: c.name.path,
    type: 'file',
    size: check.bytes,
    compressedSize: c.compressedSize,
    sha256: check.sha256,
  };
}

/** A sink that takes and forgets an entry's bytes. */
export function drain(): Writable {
  const sink = new PassThrough();
  sink.resume();
  return sink;
}
