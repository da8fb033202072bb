import { PaddockError } from '@paddock/shared';
import type { FileEntry, FilestoreBackend, FilestoreLocation } from './backend.js';
import { ConfinedTree } from './confinedTree.js';

/*
 * A filestore shown to a sandbox as a host directory, copied at sync points (ADR 0034): the
 * daemon downloads the store into a new directory before the sandbox starts, and uploads what
 * changed at stop and at an explicit sync. The directory is the sandbox's to write, so it is
 * read through the same ConfinedTree as the local backend.
 */

/** One file as the last sync left it: its copy in the directory, and the store's version. */
export interface SyncedFile {
  path: string;
  /** The directory copy's size and mtime just after the sync wrote or read it. */
  size: number;
  mtimeMs: number;
  /** The store's version of it: `etag` when the backend has one, else `modified_at` and size. */
  modified_at: string;
  etag?: string;
}

/** What a directory and its store agreed on at the last sync (JSON, for the daemon to keep). */
export interface SyncBaseline {
  files: SyncedFile[];
}

export interface SyncUpResult {
  uploaded: number;
  deleted: number;
  /** Bytes uploaded. */
  bytes: number;
  baseline: SyncBaseline;
}

const PAGE = 1000;

/**
 * Copies every file of the store into `dir` (new and empty) and returns the baseline. A file
 * the tree cannot hold (a path that is also another file's directory, as object storage
 * allows) is left out: it stays in the store untouched, and is not in the baseline.
 */
export async function syncDown(
  backend: FilestoreBackend,
  loc: FilestoreLocation,
  dir: string,
): Promise<SyncBaseline> {
  const tree = new ConfinedTree(dir);
  const files: SyncedFile[] = [];
  let cursor: string | undefined;
  do {
    const page = await backend.list(loc, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const listed of page.items) {
      const opened = await backend.get(loc, listed.path);
      if (!opened) continue;
      try {
        const stats = await tree.write(listed.path, opened.stream);
        files.push(synced(listed.path, stats.size, stats.mtimeMs, opened.entry));
      } catch (err) {
        opened.stream.destroy();
        if (err instanceof PaddockError && unplaceable(err)) continue;
        throw err;
      }
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return { files };
}

/**
 * Writes back what changed in `dir` since `baseline`: uploads files that are new or whose size
 * or mtime differ (last writer wins), and deletes from the store the baseline's files that are
 * gone from `dir`, but only while the store still holds the baseline's version, so a newer
 * write from elsewhere is never deleted. Links and special files in `dir` are not files, and
 * names no path check accepts stay local.
 */
export async function syncUp(
  backend: FilestoreBackend,
  loc: FilestoreLocation,
  dir: string,
  baseline: SyncBaseline,
): Promise<SyncUpResult> {
  const tree = new ConfinedTree(dir);
  const before = new Map(baseline.files.map((file) => [file.path, file]));
  const files: SyncedFile[] = [];
  const present = new Set<string>();
  let uploaded = 0;
  let bytes = 0;
  for await (const file of tree.walk('')) {
    present.add(file.path);
    const known = before.get(file.path);
    if (known && known.size === file.size && known.mtimeMs === file.mtimeMs) {
      files.push(known);
      continue;
    }
    const opened = await tree.openFile(file.path);
    if (!opened) continue;
    // The stream closes the file. The stat taken at open is what the next sync compares with:
    // a write during the upload changes the mtime, so it goes up next time.
    const stream = opened.handle.createReadStream();
    const entry = await backend.put(loc, file.path, stream);
    files.push(synced(file.path, opened.stats.size, opened.stats.mtimeMs, entry));
    uploaded += 1;
    bytes += entry.size;
  }
  let deleted = 0;
  for (const known of before.values()) {
    if (present.has(known.path)) continue;
    const current = await backend.stat(loc, known.path);
    if (current && sameVersion(current, known) && (await backend.delete(loc, known.path))) {
      deleted += 1;
    }
  }
  return { uploaded, deleted, bytes, baseline: { files } };
}

function synced(path: string, size: number, mtimeMs: number, store: FileEntry): SyncedFile {
  return {
    path,
    size,
    mtimeMs,
    modified_at: store.modified_at,
    ...(store.etag ? { etag: store.etag } : {}),
  };
}

function sameVersion(current: FileEntry, known: SyncedFile): boolean {
  if (current.etag && known.etag) return current.etag === known.etag;
  return current.modified_at === known.modified_at && current.size === known.size;
}

function unplaceable(err: PaddockError): boolean {
  return err.code === 'invalid_path' || err.code === 'is_a_directory';
}
