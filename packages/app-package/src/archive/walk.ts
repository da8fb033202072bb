import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ContentGuard } from './contentGuard.js';
import { checkCentralEntry, EntrySet, overRatio, type CentralEntry } from './entryChecks.js';
import type { PackageLimits } from './limits.js';
import { refuse } from './refusal.js';
import { asPackageError, openZip } from './zipEntries.js';

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
      const guard = new ContentGuard(path, {
        limits,
        compressedSize: c.compressedSize,
        totalLeft: limits.maxTotalBytes - total,
        keepUpTo: keepUpTo(path, limits),
      });
      await pipeline(await zip.read(r.entry, path), guard, await sinkFor(path)).catch(
        (err: unknown) => {
          throw asPackageError(err, path);
        },
      );
      total += guard.bytes;
      if (overRatio(total, set.compressedBytes, limits)) {
        throw refuse('package_bomb', `overall compression ratio over ${limits.maxRatio}`, path);
      }
      entries.push(fileEntry(c, guard));
      if (path === MANIFEST_PATH) manifest = guard.content;
      if (path === SIGNATURE_PATH) signature = guard.content;
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

function fileEntry(c: CentralEntry, guard: ContentGuard): PackageEntry {
  return {
    path: c.name.path,
    type: 'file',
    size: guard.bytes,
    compressedSize: c.compressedSize,
    sha256: guard.sha256,
  };
}

/** A sink that takes and forgets an entry's bytes. */
export function drain(): Writable {
  const sink = new PassThrough();
  sink.resume();
  return sink;
}
