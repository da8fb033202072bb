import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { PaddockError } from '@paddock/shared';
import tar from 'tar-stream';
import type { ContentStore } from './contentStore.js';
import type { Lease } from './lease.js';
import { ContentTooLarge } from './objectWriter.js';
import {
  byPath,
  checkManifest,
  invalid,
  MAX_MANIFEST_PATH_BYTES,
  pathProblem,
  permissionBits,
  symlinkTargetProblem,
  type SnapshotEntry,
  type SnapshotManifest,
} from './snapshotManifest.js';

/** A comment on the archive's root entry that starts with this carries its metadata (JSON). */
const METADATA_PREFIX = 'paddock-snapshot-metadata/1 ';
/** The most metadata an archive may carry (a pax header of the root entry). */
export const MAX_ARCHIVE_METADATA_BYTES = 1024 * 1024;

/**
 * A snapshot as a plain tar: directories, regular files and symlinks with their modes and
 * mtimes (to the second, as ustar keeps them), paths relative to the workspace root. Streams;
 * nothing is held in memory.
 *
 * `metadata` (JSON, opaque here: the daemon's record of the snapshot) travels as the pax
 * `comment` of a first `./` entry: tar tools extract the archive as before and ignore it, and
 * importers that know nothing of it skip the root entry, as they always have.
 */
export function exportArchive(
  manifest: SnapshotManifest,
  store: ContentStore,
  metadata?: unknown,
): Readable {
  const pack = tar.pack();
  const write = async () => {
    if (metadata !== undefined) {
      const comment = METADATA_PREFIX + JSON.stringify(metadata);
      if (Buffer.byteLength(comment) > MAX_ARCHIVE_METADATA_BYTES) {
        throw new Error('the snapshot metadata is too large for its archive');
      }
      pack.entry({ name: './', type: 'directory', mode: 0o755, pax: { comment } });
    }
    for (const e of manifest.entries) {
      const mtime = new Date(e.mtime_ms);
      if (e.type === 'dir') {
        pack.entry({ name: `${e.path}/`, type: 'directory', mode: e.mode, mtime });
      } else if (e.type === 'symlink') {
        pack.entry({ name: e.path, type: 'symlink', linkname: e.target, mode: 0o777, mtime });
      } else {
        await new Promise<void>((resolve, reject) => {
          const source = store.objectStream(e.sha256);
          const sink = pack.entry(
            { name: e.path, type: 'file', size: e.size, mode: e.mode, mtime },
            (err) => {
              // pipe() leaves the source open when the sink goes (a client that hung up).
              if (err) source.destroy();
              return err ? reject(err) : resolve();
            },
          );
          // The sink's errors reach the callback above; without a listener, pipe() rethrows them.
          sink.on('error', () => undefined);
          source.on('error', reject).pipe(sink);
        });
      }
    }
    pack.finalize();
  };
  write().catch((err: unknown) => pack.destroy(err as Error));
  // A Node stream for Fastify and pipeline(); tar-stream's own is a streamx stream.
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

export interface ImportLimits {
  maxBytes: number;
  maxEntries: number;
}

export interface ImportResult {
  manifest: SnapshotManifest;
  files: number;
  bytes: number;
  written: number;
  /** What the archive's root entry carried (parsed JSON, unchecked), or null: older archives. */
  metadata: unknown;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Reads an untrusted tar (or tar.gz) into the content store and returns its manifest. Refused,
 * as `invalid_archive`: absolute paths, `..` segments, hard links, device files, FIFOs,
 * duplicate entries, or more than the limits allow. Directories a tar leaves implicit are added.
 */
export async function importArchive(
  input: AsyncIterable<Buffer>,
  store: ContentStore,
  lease: Lease,
  limits: ImportLimits,
): Promise<ImportResult> {
  const extract = tar.extract();
  const source = await sniffGzip(input);
  if (source.empty) throw invalid('the archive is empty');
  // The tar stream itself is bounded (after gunzip, so a gzip bomb stops early): the content
  // limit plus headers and padding for every entry allowed.
  const tarLimit = limits.maxBytes + (limits.maxEntries + 16) * 1536;
  const stages: NodeJS.ReadWriteStream[] = [
    ...(source.gzip ? [zlib.createGunzip()] : []),
    byteLimit(tarLimit, () => invalid(`the archive is larger than ${tarLimit} bytes`)),
  ];
  const feeding = pipeline([source.stream, ...stages, extract]).catch((err: unknown) => {
    extract.destroy(err as Error);
  });
  const entries = new Map<string, SnapshotEntry>();
  let files = 0;
  let bytes = 0;
  let written = 0;
  let pathBytes = 0;
  let metadata: unknown = null;
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const name = normalizeName(h.name);
      if (name === null) {
        metadata ??= rootMetadata(h.pax);
        entry.resume();
        continue;
      }
      const problem = pathProblem(name);
      if (problem !== null) throw invalid(problem, h.name);
      if (entries.has(name)) throw invalid('duplicate entry', name);
      pathBytes += Buffer.byteLength(name);
      if (entries.size >= limits.maxEntries || pathBytes > MAX_MANIFEST_PATH_BYTES) {
        throw invalid(`more than ${limits.maxEntries} entries or too many path bytes`);
      }
      const mtime_ms = h.mtime ? h.mtime.getTime() : Date.now();
      if (h.type === 'directory') {
        entries.set(name, {
          path: name,
          type: 'dir',
          mode: permissionBits(h.mode ?? 0o755),
          mtime_ms,
        });
        entry.resume();
      } else if (h.type === 'symlink') {
        const problem = symlinkTargetProblem(h.linkname);
        if (problem !== null) throw invalid(problem, name);
        entries.set(name, { path: name, type: 'symlink', target: h.linkname!, mtime_ms });
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        let stored;
        try {
          stored = await store.putStream(
            lease,
            entry as AsyncIterable<Buffer>,
            limits.maxBytes - bytes,
          );
        } catch (err) {
          if (err instanceof ContentTooLarge) {
            throw invalid(`the archive holds more than ${limits.maxBytes} bytes`, name);
          }
          throw err;
        }
        bytes += stored.size;
        written += stored.written;
        files++;
        entries.set(name, {
          path: name,
          type: 'file',
          mode: permissionBits(h.mode ?? 0o644),
          mtime_ms,
          size: stored.size,
          sha256: stored.sha256,
        });
      } else {
        throw invalid(`entries of type ${h.type ?? 'unknown'} are not accepted`, name);
      }
    }
  } catch (err) {
    extract.destroy();
    await feeding;
    // Host trouble (ENOSPC, EIO) stays what it is; anything else the parser hit is the archive's.
    if (err instanceof PaddockError || isSystemError(err)) throw err;
    throw invalid(
      `not a readable tar archive: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  await feeding;
  addImplicitDirs(entries, limits.maxEntries);
  const manifest = checkManifest({ version: 1, entries: [...entries.values()].sort(byPath) });
  return { manifest, files, bytes, written, metadata };
}

/** The metadata a root entry's pax comment carries; null when it carries none. */
function rootMetadata(pax: unknown): unknown {
  const comment = (pax as { comment?: unknown } | null | undefined)?.comment;
  if (typeof comment !== 'string' || !comment.startsWith(METADATA_PREFIX)) return null;
  if (Buffer.byteLength(comment) > MAX_ARCHIVE_METADATA_BYTES) {
    throw invalid('the archive metadata is too large');
  }
  try {
    return JSON.parse(comment.slice(METADATA_PREFIX.length)) as unknown;
  } catch {
    throw invalid('the archive metadata is not JSON');
  }
}

/** `./a/b/` → `a/b`; the root entry itself (`.`, `./`) → null. */
function normalizeName(raw: string): string | null {
  let name = raw;
  while (name.startsWith('./')) name = name.slice(2);
  while (name.endsWith('/')) name = name.slice(0, -1);
  return name === '' || name === '.' ? null : name;
}

/** Directories a tar leaves implicit, counted against the same entry limit as the rest. */
function addImplicitDirs(entries: Map<string, SnapshotEntry>, maxEntries: number): void {
  for (const p of [...entries.keys()]) {
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      const dir = p.slice(0, i);
      if (entries.has(dir)) continue;
      if (entries.size >= maxEntries) throw invalid(`more than ${maxEntries} entries`);
      entries.set(dir, { path: dir, type: 'dir', mode: 0o755, mtime_ms: Date.now() });
    }
  }
}

/** Passes bytes through until `max`, then fails the pipeline with `tooMany()`. */
function byteLimit(max: number, tooMany: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) done(tooMany());
      else done(null, chunk);
    },
  });
}

async function sniffGzip(
  input: AsyncIterable<Buffer>,
): Promise<{ stream: Readable; gzip: boolean; empty: boolean }> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const gzip = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  async function* rest() {
    if (head.length > 0) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { stream: Readable.from(rest()), gzip, empty: head.length === 0 };
}

function isSystemError(err: unknown): boolean {
  return (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).errno === 'number' &&
    typeof (err as NodeJS.ErrnoException).syscall === 'string'
  );
}
