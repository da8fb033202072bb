import { PaddockError, REGENERABLE_DIRS } from '@paddock/shared';
import type { ContentStore } from './contentStore.js';

/**
 * A snapshot is this manifest: every path of the workspace with its type, mode and mtime, and
 * for a file the SHA-256 of its bytes (stored once in the content store). Symlinks keep their
 * target text and are never followed. Entries are sorted by path, so a directory always comes
 * before what it holds.
 */
export type SnapshotEntry =
  | { path: string; type: 'dir'; mode: number; mtime_ms: number }
  | {
      path: string;
      type: 'file';
      mode: number;
      mtime_ms: number;
      size: number;
      sha256: string;
    }
  | { path: string; type: 'symlink'; target: string; mtime_ms: number };

export interface SnapshotManifest {
  version: 1;
  entries: SnapshotEntry[];
}

/** Directories that a build or an install makes again, left out of every snapshot. */
export const DEFAULT_EXCLUDED_NAMES: readonly string[] = REGENERABLE_DIRS;

const SHA256 = /^[0-9a-f]{64}$/;
const MAX_PATH_BYTES = 4096;
const MAX_SEGMENT_BYTES = 255;

/** Permission bits only: set-id and sticky bits are never carried into a workspace. */
export function permissionBits(mode: number): number {
  return mode & 0o777;
}

export function invalid(message: string, entry?: string): PaddockError {
  return new PaddockError('invalid_archive', message, entry === undefined ? undefined : { entry });
}

/** Why `p` cannot be a workspace-relative path, or null when it can. */
export function pathProblem(p: unknown): string | null {
  if (typeof p !== 'string') return 'path is not a string';
  if (p.length === 0) return 'empty path';
  if (p.startsWith('/')) return 'absolute path';
  if (p.includes('\0')) return 'NUL in path';
  if (Buffer.byteLength(p) > MAX_PATH_BYTES) return 'path too long';
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') return 'empty or "." path segment';
    if (segment === '..') return '".." path segment';
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return 'path segment too long';
  }
  return null;
}

/** Why a symlink target cannot be kept, or null: PATH_MAX is what the kernel takes anyway. */
export function symlinkTargetProblem(target: unknown): string | null {
  if (typeof target !== 'string' || target.length === 0) return 'empty symlink target';
  if (target.includes('\0')) return 'NUL in symlink target';
  if (Buffer.byteLength(target) > MAX_PATH_BYTES - 1) return 'symlink target too long';
  return null;
}

function isMode(mode: unknown): boolean {
  return Number.isInteger(mode) && (mode as number) >= 0 && (mode as number) <= 0o777;
}

/** All paths of one snapshot together: what its manifest may hold in memory at most. */
export const MAX_MANIFEST_PATH_BYTES = 64 * 1024 * 1024;

export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * Checks a manifest from anywhere (an import, a file on disk) before anything is restored from
 * it: safe paths, sorted and unique, and every entry's parent a directory of the same manifest,
 * so a restore never writes through a symlink or into a path it did not create.
 */
export function checkManifest(manifest: SnapshotManifest): SnapshotManifest {
  if (manifest.version !== 1 || !Array.isArray(manifest.entries)) {
    throw invalid('unknown snapshot manifest version');
  }
  const dirs = new Set<string>();
  let previous: string | null = null;
  for (const e of manifest.entries) {
    const problem = pathProblem(e.path);
    if (problem !== null) throw invalid(problem, e.path);
    if (previous !== null && e.path <= previous) {
      throw invalid(e.path === previous ? 'duplicate entry' : 'entries out of order', e.path);
    }
    previous = e.path;
    const slash = e.path.lastIndexOf('/');
    if (slash > 0 && !dirs.has(e.path.slice(0, slash))) {
      throw invalid('parent is not a directory of the snapshot', e.path);
    }
    if (typeof e.mtime_ms !== 'number' || !Number.isFinite(e.mtime_ms)) {
      throw invalid('bad mtime', e.path);
    }
    if (e.type !== 'symlink' && !isMode(e.mode)) throw invalid('bad mode', e.path);
    if (e.type === 'dir') {
      dirs.add(e.path);
    } else if (e.type === 'file') {
      if (
        typeof e.sha256 !== 'string' ||
        !SHA256.test(e.sha256) ||
        !Number.isSafeInteger(e.size) ||
        e.size < 0
      ) {
        throw invalid('bad file entry', e.path);
      }
    } else if (e.type === 'symlink') {
      if (symlinkTargetProblem(e.target) !== null) throw invalid('bad symlink target', e.path);
    } else {
      throw invalid('unknown entry type', (e as { path: string }).path);
    }
  }
  return manifest;
}

/** Every content hash a manifest refers to. */
export function manifestObjects(manifest: SnapshotManifest): string[] {
  const out: string[] = [];
  for (const e of manifest.entries) if (e.type === 'file') out.push(e.sha256);
  return out;
}

/** The manifest stored under `sha256`, its bytes checked against the hash and its entries checked. */
export async function readManifest(store: ContentStore, sha256: string): Promise<SnapshotManifest> {
  const bytes = await store.readObject(sha256);
  return checkManifest(JSON.parse(bytes.toString('utf8')) as SnapshotManifest);
}
