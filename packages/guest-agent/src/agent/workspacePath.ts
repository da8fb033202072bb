import { lstat, mkdir, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AGENT_LIMITS, GUEST_WORKSPACE, PaddockError } from '@paddock/shared';
import { errnoCode, fsError } from './fsErrors.js';

/*
 * Path checks here keep API callers inside the workspace and away from files that run code.
 * They are not a privilege boundary: the agent runs with the sandbox's own privileges, so a
 * process inside the sandbox racing a check (swapping a directory for a symlink) gains nothing
 * it could not already do with exec.
 */

/** Any path component with one of these names is refused for writes: they run code when read. */
const DENIED_NAMES = new Set([
  '.bashrc',
  '.bash_profile',
  '.bash_login',
  '.bash_logout',
  '.zshrc',
  '.zprofile',
  '.zshenv',
  '.zlogin',
  '.profile',
  '.gitconfig',
  '.gitmodules',
  '.mcp.json',
]);

/** Nothing may be written in (or as) a directory with one of these names: editor, agent and cloud config. */
const DENIED_DIRS = new Set([
  '.claude',
  '.claude-code',
  '.codex',
  '.opencode',
  '.vscode',
  '.idea',
  '.ssh',
  '.aws',
  '.gcp',
  '.kube',
]);

/** Two-component directories denied at any depth: `.git/hooks` and `.local/bin`. */
const DENIED_PAIRS: readonly (readonly [string, string])[] = [
  ['.git', 'hooks'],
  ['.local', 'bin'],
];

/**
 * Denied only directly under the workspace root. HOME is the workspace, so the root's `bin/` is
 * `~/bin`, which many shell profiles put on PATH (the agent's own children get a fixed PATH, but
 * a login shell, an editor or a coding agent run by someone else may not). `src/bin/` is fine.
 */
const DENIED_AT_ROOT = new Set(['bin']);

/**
 * Whether a workspace-relative path is on the mandatory write deny list. Names compare
 * case-insensitively because a workspace may be synced to a case-insensitive filesystem.
 * A path is denied if any of its prefixes is, so checking a full path covers its parents.
 */
export function isDeniedPath(relPath: string): boolean {
  const parts = relPath
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .map((p) => p.toLowerCase());
  if (parts.length > 0 && DENIED_AT_ROOT.has(parts[0] as string)) return true;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (DENIED_NAMES.has(part) || DENIED_DIRS.has(part)) return true;
    if (i > 0 && DENIED_PAIRS.some(([dir, sub]) => parts[i - 1] === dir && part === sub))
      return true;
  }
  return false;
}

/**
 * For moving the directory `srcReal`: refuses (`path_denied`) if anything inside it would be on
 * the deny list once the directory is named by each of `destRels`, so `PUT g/hooks/x` followed
 * by a move of `g` to `.git` cannot plant a hook. The walk does not follow symlinks (a link is
 * judged by its own name, which is what the move places) and stops beyond
 * `AGENT_LIMITS.listEntries` entries (`bad_request`): a tree that large is moved with exec.
 */
export async function assertTreeMayMove(
  srcReal: string,
  srcRel: string,
  destRels: readonly string[],
): Promise<void> {
  const limit = AGENT_LIMITS.listEntries;
  const pending: string[] = [''];
  let seen = 0;
  while (pending.length > 0) {
    const sub = pending.pop() as string;
    let entries;
    try {
      entries = await readdir(sub === '' ? srcReal : path.join(srcReal, sub), {
        withFileTypes: true,
      });
    } catch (err) {
      // Removed while we walk: nothing there to land anywhere.
      if (sub !== '' && errnoCode(err) === 'ENOENT') continue;
      throw fsError(err, sub === '' ? srcRel : `${srcRel}/${sub}`);
    }
    for (const entry of entries) {
      if (++seen > limit) {
        throw new PaddockError(
          'bad_request',
          `${srcRel} has more than ${limit} entries, too many to check against the deny list; move it with exec`,
        );
      }
      const inner = sub === '' ? entry.name : `${sub}/${entry.name}`;
      for (const dest of destRels) {
        if (isDeniedPath(`${dest}/${inner}`)) {
          throw new PaddockError(
            'path_denied',
            `moving ${srcRel} would write ${dest}/${inner}, which is not allowed`,
          );
        }
      }
      if (entry.isDirectory()) pending.push(inner);
    }
  }
}

const MAX_SYMLINK_HOPS = 40;

function invalid(message: string): PaddockError {
  return new PaddockError('invalid_path', message);
}

/** A path the client named, checked and resolved on disk. */
export interface ResolvedPath {
  /** Normalised and workspace-relative, `.` for the root: what responses show. */
  rel: string;
  /** Where the operation happens on disk. */
  real: string;
}

export class Workspace {
  /** The workspace as configured; children see it as HOME. */
  readonly root: string;
  /** Its realpath, computed once: every containment check compares against it. */
  readonly realRoot: string;

  private constructor(root: string, realRoot: string) {
    this.root = root;
    this.realRoot = realRoot;
  }

  static async open(dir: string): Promise<Workspace> {
    const root = path.resolve(dir);
    await mkdir(root, { recursive: true });
    return new Workspace(root, await realpath(root));
  }

  /** Whether a real (symlink-free) absolute path lies inside the workspace. */
  contains(real: string): boolean {
    return (
      real === this.realRoot ||
      real.startsWith(this.realRoot.endsWith('/') ? this.realRoot : `${this.realRoot}/`)
    );
  }

  relativeOf(real: string): string {
    return path.relative(this.realRoot, real) || '.';
  }

  /**
   * Validates a client path lexically and returns it workspace-relative. Absolute paths are
   * accepted under the configured root, its realpath, and `/workspace` (the name the public API
   * documents, whatever the driver mounted).
   */
  toRelative(clientPath: unknown): string {
    if (typeof clientPath !== 'string' || clientPath === '') throw invalid('the path is empty');
    if (clientPath.includes('\0')) throw invalid('the path contains a NUL byte');
    if (clientPath.length > 4096) throw invalid('the path is too long');
    const norm = path.posix.normalize(clientPath);
    let rel: string | undefined;
    if (path.posix.isAbsolute(norm)) {
      for (const base of [this.root, this.realRoot, GUEST_WORKSPACE]) {
        if (norm === base || norm === `${base}/`) rel = '.';
        else if (norm.startsWith(`${base}/`)) rel = norm.slice(base.length + 1);
        if (rel !== undefined) break;
      }
      if (rel === undefined) throw invalid(`the path is outside the workspace: ${clientPath}`);
    } else {
      rel = norm;
    }
    rel = rel.replace(/\/+$/, '') || '.';
    if (rel === '..' || rel.startsWith('../'))
      throw invalid(`the path escapes the workspace: ${clientPath}`);
    return rel;
  }

  private lexical(rel: string): string {
    return rel === '.' ? this.realRoot : path.join(this.realRoot, rel);
  }

  private check(real: string, rel: string): string {
    if (!this.contains(real)) throw invalid(`the path resolves outside the workspace: ${rel}`);
    return real;
  }

  /**
   * Resolves every symlink that exists along `abs` (an absolute path under the real root) and
   * appends the part that does not exist yet. Unlike realpath it tolerates a missing tail, and
   * unlike a naive walk it follows a dangling symlink's text, so a write can never land
   * through a link pointing outside.
   */
  private async resolveLoose(abs: string): Promise<string> {
    const pending = path.relative(this.realRoot, abs).split('/').filter(Boolean);
    let cur = this.realRoot;
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '.') continue;
      if (part === '..') {
        cur = path.dirname(cur);
        continue;
      }
      const next = path.join(cur, part);
      let isLink: boolean;
      try {
        isLink = (await lstat(next)).isSymbolicLink();
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') return path.join(next, ...pending);
        throw fsError(err, abs);
      }
      if (!isLink) {
        cur = next;
        continue;
      }
      if (++hops > MAX_SYMLINK_HOPS) throw invalid('too many levels of symbolic links');
      const target = await readlink(next);
      if (target.startsWith('/')) cur = '/';
      pending.unshift(...target.split('/').filter(Boolean));
    }
    return cur;
  }

  /** realpath with a containment check; a missing target is 404 only if it would be inside. */
  private async realpathInside(abs: string, rel: string): Promise<string> {
    try {
      return this.check(await realpath(abs), rel);
    } catch (err) {
      if (err instanceof PaddockError) throw err;
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') this.check(await this.resolveLoose(abs), rel);
      throw fsError(err, rel);
    }
  }

  /** For reads, listings and exec's cwd: the target itself, every symlink followed. */
  async resolveRead(clientPath: unknown): Promise<ResolvedPath> {
    const rel = this.toRelative(clientPath);
    return { rel, real: await this.realpathInside(this.lexical(rel), rel) };
  }

  /** For stat, delete and move sources (lstat semantics): the parent resolved, the last component not followed. */
  async resolveNoFollow(clientPath: unknown): Promise<ResolvedPath> {
    const rel = this.toRelative(clientPath);
    if (rel === '.') return { rel, real: this.realRoot };
    const lex = this.lexical(rel);
    const parent = await this.realpathInside(path.dirname(lex), rel);
    return { rel, real: path.join(parent, path.basename(lex)) };
  }

  /**
   * For writes, mkdir and move destinations. `real` follows a final symlink (writes go through
   * it, like a shell's `>`); `entry` is the directory entry itself (a move replaces it). Both,
   * and the requested path, must be inside the workspace and off the deny list.
   */
  async resolveWrite(clientPath: unknown): Promise<ResolvedPath & { entry: string }> {
    const rel = this.toRelative(clientPath);
    if (isDeniedPath(rel))
      throw new PaddockError('path_denied', `writing to ${rel} is not allowed`);
    if (rel === '.') return { rel, real: this.realRoot, entry: this.realRoot };
    const lex = this.lexical(rel);
    const parent = this.check(await this.resolveLoose(path.dirname(lex)), rel);
    const entry = this.check(path.join(parent, path.basename(lex)), rel);
    let real = entry;
    let isLink = false;
    try {
      isLink = (await lstat(entry)).isSymbolicLink();
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fsError(err, rel);
    }
    if (isLink) real = this.check(await this.resolveLoose(entry), rel);
    for (const p of [entry, real]) {
      if (isDeniedPath(this.relativeOf(p))) {
        throw new PaddockError('path_denied', `${rel} resolves to a path that may not be written`);
      }
    }
    return { rel, real, entry };
  }
}
