import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ArchiveEntryCheck } from './archiveEntries.js';
import type { ContentStore } from './contentStore.js';
import type { Lease } from './lease.js';
import { ContentTooLarge } from './objectWriter.js';
import {
  byPath,
  checkManifest,
  invalid,
  type SnapshotEntry,
  type SnapshotManifest,
} from './snapshotManifest.js';
import { readUntrustedTar } from './untrustedTar.js';

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
      // An explicit mtime (tar-stream's default is now): the same snapshot exports the same bytes.
      const mtime = new Date(manifest.entries.reduce((m, e) => Math.max(m, e.mtime_ms), 0));
      pack.entry({ name: './', type: 'directory', mode: 0o755, mtime, pax: { comment } });
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

/** How an archive becomes a snapshot beyond the rules every import keeps. */
export interface ImportOptions {
  /**
   * When every entry lives under one top-level directory (as GitHub's archives and most zips
   * of a project folder do), that directory becomes the root: `repo-main/src/a.ts` → `src/a.ts`.
   */
  stripSingleRoot?: boolean;
  /**
   * Leaves a path out (and everything under it) when this returns true; it is asked with the
   * path as it will be stored (after `stripSingleRoot`), for every directory on the way too.
   * Excluded files are never stored, so a project uploaded with its `node_modules` costs
   * nothing but the reading.
   */
  exclude?: (path: string) => boolean;
  /** `refuse`: a symlink pointing out of the archive is `invalid_archive`. Default `keep`. */
  linksOut?: 'keep' | 'refuse';
}

export interface ImportResult {
  manifest: SnapshotManifest;
  files: number;
  bytes: number;
  written: number;
  /** What the archive's root entry carried (parsed JSON, unchecked), or null: older archives. */
  metadata: unknown;
}

/**
 * Reads an untrusted tar (or tar.gz) into the content store and returns its manifest. Refused,
 * as `invalid_archive` (see ArchiveEntryCheck): absolute paths, `..` segments, hard links,
 * device files, FIFOs, duplicate entries, entries through a symlink, or more than the limits
 * allow. Directories a tar leaves implicit are added.
 */
export async function importArchive(
  input: AsyncIterable<Buffer>,
  store: ContentStore,
  lease: Lease,
  limits: ImportLimits,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const check = new ArchiveEntryCheck({
    maxEntries: limits.maxEntries,
    linksOut: options.linksOut ?? 'keep',
  });
  const root = new SingleRoot(options.stripSingleRoot ?? false);
  const excluded = exclusion(options.exclude);
  const entries = new Map<string, SnapshotEntry>();
  /** Files and links left out while the archive still looked single-rooted: raw paths. */
  const skipped: string[] = [];
  let files = 0;
  let bytes = 0;
  let written = 0;
  let metadata: unknown = null;
  for await (const { header, entry, body } of readUntrustedTar(input, limits, check)) {
    if (entry === null) {
      metadata ??= rootMetadata(header.pax);
      continue;
    }
    root.see(entry.path, entry.type);
    if (entry.type !== 'dir' && excluded(root.strip(entry.path))) {
      skipped.push(entry.path);
      continue;
    }
    if (entry.type !== 'file') {
      entries.set(entry.path, entry);
      continue;
    }
    let stored;
    try {
      stored = await store.putStream(lease, body, limits.maxBytes - bytes);
    } catch (err) {
      if (err instanceof ContentTooLarge) {
        throw invalid(`the archive holds more than ${limits.maxBytes} bytes`, entry.path);
      }
      throw err;
    }
    bytes += stored.size;
    written += stored.written;
    files++;
    const { size: _declared, ...rest } = entry;
    entries.set(entry.path, { ...rest, size: stored.size, sha256: stored.sha256 });
  }
  for (const dir of check.impliedDirs()) {
    entries.set(dir, { path: dir, type: 'dir', mode: 0o755, mtime_ms: Date.now() });
  }
  // Exclusion was decided while the root was still a guess; a guess that failed is checked again.
  for (const p of skipped) {
    if (!excluded(root.strip(p))) {
      throw invalid('what the archive leaves out depends on its root directory', p);
    }
  }
  const kept: SnapshotEntry[] = [];
  for (const e of entries.values()) {
    const p = root.strip(e.path);
    if (p === '' || excluded(p)) continue;
    kept.push({ ...e, path: p });
  }
  const manifest = checkManifest({ version: 1, entries: kept.sort(byPath) });
  return { manifest, files, bytes, written, metadata };
}

/**
 * The one top-level directory every entry lives under, as far as the archive has shown: a guess
 * while it streams, settled at its end. With stripping off, paths stay as they are.
 */
class SingleRoot {
  private top: string | null | undefined;
  private isDir = false;

  constructor(enabled: boolean) {
    this.top = enabled ? undefined : null;
  }

  see(p: string, type: 'dir' | 'file' | 'symlink'): void {
    if (this.top === null) return;
    const slash = p.indexOf('/');
    const first = slash < 0 ? p : p.slice(0, slash);
    if (this.top === undefined) this.top = first;
    else if (this.top !== first) this.top = null;
    if (this.top !== null && (slash > 0 || type === 'dir')) this.isDir = true;
    if (this.top !== null && slash < 0 && type !== 'dir') this.top = null;
  }

  /** The path without the root directory ('' for the root itself). */
  strip(p: string): string {
    if (this.top === null || this.top === undefined || !this.isDir) return p;
    return p === this.top ? '' : p.slice(this.top.length + 1);
  }
}

/** `exclude` asked of a path and each directory above it; the answers are remembered. */
function exclusion(exclude: ((path: string) => boolean) | undefined): (p: string) => boolean {
  if (!exclude) return () => false;
  const answers = new Map<string, boolean>();
  const ask = (p: string): boolean => {
    let answer = answers.get(p);
    if (answer === undefined) {
      answer = exclude(p);
      answers.set(p, answer);
    }
    return answer;
  };
  return (p) => {
    if (p === '') return false;
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      if (ask(p.slice(0, i))) return true;
    }
    return ask(p);
  };
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
