import path from 'node:path';
import type { Header } from 'tar-stream';
import {
  MAX_MANIFEST_PATH_BYTES,
  invalid,
  pathProblem,
  permissionBits,
  symlinkTargetProblem,
} from './snapshotManifest.js';

/** One entry of an untrusted archive that passed the checks: a path safe to create. */
export type CheckedEntry =
  | { path: string; type: 'dir'; mode: number; mtime_ms: number }
  | { path: string; type: 'file'; mode: number; mtime_ms: number; size: number }
  | { path: string; type: 'symlink'; target: string; mtime_ms: number };

export interface EntryRules {
  maxEntries: number;
  /**
   * Whether a symlink may point out of the archive's root (an absolute target, or more `..`
   * than it is deep). Snapshots keep such links (a restore never writes through one); a tree
   * unpacked into a live workspace refuses them.
   */
  linksOut: 'keep' | 'refuse';
}

/**
 * The rules every untrusted tar meets, entry by entry as it streams, so a refusal comes before
 * anything is unpacked: safe relative paths, no duplicates, only directories, regular files and
 * symlinks (no hard links, devices or FIFOs), nothing through a symlink or a file of the same
 * archive, and at most `maxEntries` entries (the directories it leaves implicit count too).
 * Snapshot imports, workspace uploads and app imports all go through this one check.
 */
export class ArchiveEntryCheck {
  /** Every path seen: what it was declared as, or `implied` for a parent no entry named yet. */
  private readonly seen = new Map<string, 'dir' | 'file' | 'symlink' | 'implied'>();
  private pathBytes = 0;

  constructor(private readonly rules: EntryRules) {}

  /** Paths made so far, implied directories included. */
  get size(): number {
    return this.seen.size;
  }

  /** Directories the archive implies but never named (a tar may leave them out). */
  impliedDirs(): string[] {
    return [...this.seen].filter(([, kind]) => kind === 'implied').map(([p]) => p);
  }

  /** The entry a tar header describes, or null for the archive's root (`./`). Throws `invalid_archive`. */
  check(h: Header): CheckedEntry | null {
    const name = normalizeEntryName(h.name);
    if (name === null) return null;
    const problem = pathProblem(name);
    if (problem !== null) throw invalid(problem, h.name);
    const previous = this.seen.get(name);
    const isDir = h.type === 'directory';
    if (previous !== undefined && !(previous === 'implied' && isDir)) {
      throw invalid(
        previous === 'implied' ? 'a directory of the archive named again' : 'duplicate entry',
        name,
      );
    }
    for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
      const parent = name.slice(0, i);
      const kind = this.seen.get(parent);
      if (kind === 'symlink') throw invalid('an entry through a symlink of the archive', name);
      if (kind === 'file') throw invalid('an entry under a file of the archive', name);
      if (kind === undefined) this.add(parent, 'implied');
    }
    const mtime_ms = h.mtime ? h.mtime.getTime() : Date.now();
    if (isDir) {
      if (previous === 'implied') this.seen.set(name, 'dir');
      else this.add(name, 'dir');
      return { path: name, type: 'dir', mode: permissionBits(h.mode ?? 0o755), mtime_ms };
    }
    if (h.type === 'symlink') {
      const targetProblem = symlinkTargetProblem(h.linkname);
      if (targetProblem !== null) throw invalid(targetProblem, name);
      if (this.rules.linksOut === 'refuse' && pointsOut(name, h.linkname!)) {
        throw invalid('a symlink pointing out of the archive', name);
      }
      this.add(name, 'symlink');
      return { path: name, type: 'symlink', target: h.linkname!, mtime_ms };
    }
    if (h.type === 'file' || h.type === 'contiguous-file') {
      this.add(name, 'file');
      return {
        path: name,
        type: 'file',
        mode: permissionBits(h.mode ?? 0o644),
        mtime_ms,
        size: h.size ?? 0,
      };
    }
    throw invalid(`entries of type ${h.type ?? 'unknown'} are not accepted`, name);
  }

  private add(p: string, kind: 'dir' | 'file' | 'symlink' | 'implied'): void {
    this.pathBytes += Buffer.byteLength(p);
    if (this.seen.size >= this.rules.maxEntries || this.pathBytes > MAX_MANIFEST_PATH_BYTES) {
      throw invalid(`more than ${this.rules.maxEntries} entries or too many path bytes`);
    }
    this.seen.set(p, kind);
  }
}

/** `./a/b/` → `a/b`; the root entry itself (`.`, `./`) → null. */
export function normalizeEntryName(raw: string): string | null {
  let name = raw;
  while (name.startsWith('./')) name = name.slice(2);
  while (name.endsWith('/')) name = name.slice(0, -1);
  return name === '' || name === '.' ? null : name;
}

/** Whether a symlink at `linkPath` (relative to the root) resolves, lexically, outside the root. */
export function pointsOut(linkPath: string, target: string): boolean {
  if (target.startsWith('/')) return true;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(linkPath), target));
  return resolved === '..' || resolved.startsWith('../');
}
