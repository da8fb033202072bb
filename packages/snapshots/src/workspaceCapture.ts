import fs from 'node:fs';
import path from 'node:path';
import type { ContentStore } from './contentStore.js';
import type { Lease } from './lease.js';
import { ContentTooLarge } from './objectWriter.js';
import { HashCache } from './hashCache.js';
import { inParallel } from './inParallel.js';
import {
  MAX_MANIFEST_PATH_BYTES,
  byPath,
  pathProblem,
  permissionBits,
  symlinkTargetProblem,
  type SnapshotEntry,
  type SnapshotManifest,
} from './snapshotManifest.js';

export interface CaptureOptions {
  /** The workspace root on the host; nothing may change it during the capture (frozen). */
  root: string;
  store: ContentStore;
  lease: Lease;
  /** Directory or file names left out wherever they appear (node_modules, .next, ...). */
  excludedNames: ReadonlySet<string>;
  /** The capture fails past this many bytes of file content. */
  maxBytes: number;
  maxEntries: number;
  /** Hashes from earlier captures of this workspace: unchanged files are not read again. */
  cache?: HashCache;
}

export interface CaptureResult {
  manifest: SnapshotManifest;
  files: number;
  /** Bytes of file content the snapshot describes. */
  bytes: number;
  /** Bytes this capture had to write: content no earlier snapshot had stored. */
  written: number;
  /** Sockets, FIFOs and device nodes: not content, so not captured. */
  skipped: string[];
}

export class CaptureLimitError extends Error {}

/** Files up to this size are read whole; larger ones are streamed through the hash. */
const WHOLE_READ_BYTES = 4 * 1024 * 1024;
/** Enough parallel reads to keep the disk busy without holding many buffers at once. */
const PARALLEL_READS = 8;
/** Entries walked between turns of the event loop. */
const WALK_BATCH = 2_000;
/** Files up to this size are read with synchronous calls; files stored between turns. */
const SMALL_READ_BYTES = 256 * 1024;
const YIELD_EVERY = 256;
const YIELD_BYTES = 16 * 1024 * 1024;

/**
 * Walks the workspace without following a single symlink, storing each regular file's bytes in
 * the content store, and returns the manifest. Reads as root, so it opens every file with
 * O_NOFOLLOW and checks what it opened is still a regular file.
 */
export async function captureWorkspace(o: CaptureOptions): Promise<CaptureResult> {
  const entries: SnapshotEntry[] = [];
  const skipped: string[] = [];
  const files: { rel: string; st: fs.BigIntStats }[] = [];
  const cache = o.cache ?? new HashCache();
  const startNs = BigInt(Date.now()) * 1_000_000n;
  let bytes = 0;
  const dirs = [''];
  // The walk uses synchronous calls: a readdir or lstat costs microseconds, a thread-pool round
  // trip costs more than the call, and the sandbox stays frozen for as long as this takes. The
  // event loop gets a turn every WALK_BATCH entries, so a huge tree never blocks the daemon.
  let walked = 0;
  let pathBytes = 0;
  while (dirs.length > 0) {
    const rel = dirs.pop()!;
    for (const raw of fs.readdirSync(path.join(o.root, rel), { encoding: 'buffer' })) {
      if (++walked % WALK_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
      const name = raw.toString('utf8');
      if (o.excludedNames.has(name)) continue;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      // A name that is not UTF-8 cannot be written back under the same bytes: reported, not kept.
      if (!Buffer.from(name, 'utf8').equals(raw) || pathProblem(childRel) !== null) {
        skipped.push(childRel);
        continue;
      }
      pathBytes += raw.length + rel.length + 1;
      if (pathBytes > MAX_MANIFEST_PATH_BYTES) {
        throw new CaptureLimitError('the workspace holds too many path bytes');
      }
      const st = fs.lstatSync(path.join(o.root, childRel), { bigint: true });
      // Rounded: a restore sets it through a float, which may land a hair below the millisecond.
      const mtime_ms = Math.round(Number(st.mtimeNs) / 1e6);
      if (st.isDirectory()) {
        entries.push({
          path: childRel,
          type: 'dir',
          mode: permissionBits(Number(st.mode)),
          mtime_ms,
        });
        dirs.push(childRel);
      } else if (st.isSymbolicLink()) {
        const target = fs.readlinkSync(path.join(o.root, childRel));
        if (symlinkTargetProblem(target) === null) {
          entries.push({ path: childRel, type: 'symlink', target, mtime_ms });
        } else {
          skipped.push(childRel);
        }
      } else if (st.isFile()) {
        bytes += Number(st.size);
        if (bytes > o.maxBytes) {
          throw new CaptureLimitError(`the workspace holds more than ${o.maxBytes} bytes`);
        }
        files.push({ rel: childRel, st });
      } else {
        skipped.push(childRel);
      }
      if (entries.length + files.length > o.maxEntries) {
        throw new CaptureLimitError(`the workspace holds more than ${o.maxEntries} entries`);
      }
    }
  }

  let written = 0;
  let handled = 0;
  let readSinceYield = 0;
  await inParallel(files, PARALLEL_READS, async ({ rel, st }) => {
    const cached = cache.lookup(rel, st);
    // Held before it is trusted: a sweep cannot take the object between this check and commit.
    const stored =
      cached !== undefined && o.store.holdExisting(o.lease, cached)
        ? { sha256: cached, size: Number(st.size), written: 0 }
        : await storeFile(o, rel, Number(st.size));
    // Cached and small files involve no real wait: give the event loop its turn now and then.
    readSinceYield += stored.written > 0 || cached === undefined ? stored.size : 0;
    if (++handled % YIELD_EVERY === 0 || readSinceYield > YIELD_BYTES) {
      readSinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    written += stored.written;
    cache.remember(rel, st, stored.sha256, startNs);
    entries.push({
      path: rel,
      type: 'file',
      mode: permissionBits(Number(st.mode)),
      mtime_ms: Math.round(Number(st.mtimeNs) / 1e6),
      size: stored.size,
      sha256: stored.sha256,
    });
  });
  cache.retainOnly(new Set(files.map((f) => f.rel)));
  entries.sort(byPath);
  return {
    manifest: { version: 1, entries },
    files: files.length,
    bytes,
    written,
    skipped: skipped.sort(),
  };
}

const NO_FOLLOW = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

async function storeFile(
  o: CaptureOptions,
  rel: string,
  sizeHint: number,
): Promise<{ sha256: string; size: number; written: number }> {
  const file = path.join(o.root, rel);
  if (sizeHint <= SMALL_READ_BYTES) {
    // Small files are read with synchronous calls: each costs less than a thread-pool trip.
    const data = readSmall(file, rel);
    if (data !== null) {
      const { sha256, written } = await o.store.putBuffer(o.lease, data);
      return { sha256, size: data.length, written };
    }
  }
  const fd = await fs.promises.open(file, NO_FOLLOW);
  try {
    const st = await fd.stat();
    if (!st.isFile()) throw new Error(`${rel} changed type during the capture`);
    if (st.size <= WHOLE_READ_BYTES) {
      // One read of the size fstat gave: the tree is frozen, so it cannot have grown.
      const data = Buffer.allocUnsafe(st.size);
      const { bytesRead } = await fd.read(data, 0, st.size, 0);
      const content = data.subarray(0, bytesRead);
      const { sha256, written } = await o.store.putBuffer(o.lease, content);
      return { sha256, size: content.length, written };
    }
    try {
      return await o.store.putStream(
        o.lease,
        fd.createReadStream({ autoClose: false }),
        o.maxBytes,
      );
    } catch (err) {
      if (err instanceof ContentTooLarge) {
        throw new CaptureLimitError(`${rel} is larger than ${o.maxBytes} bytes`);
      }
      throw err;
    }
  } finally {
    await fd.close();
  }
}

/** The whole file, or null when it turned out larger than a small read (then streamed). */
function readSmall(file: string, rel: string): Buffer | null {
  const fd = fs.openSync(file, NO_FOLLOW);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error(`${rel} changed type during the capture`);
    if (st.size > SMALL_READ_BYTES) return null;
    const data = Buffer.allocUnsafe(st.size);
    return data.subarray(0, fs.readSync(fd, data, 0, st.size, 0));
  } finally {
    fs.closeSync(fd);
  }
}
