import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, rename, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { PaddockError } from '@paddock/shared';
import {
  at,
  errnoOf,
  isMissing,
  openDirAt,
  openDirs,
  openRoot,
  self,
  unavailable,
} from './confinedDirectory.js';
import { TooLarge } from './errors.js';
import { comparePaths, isFilePath } from './paths.js';

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Names of files being written; walks skip them. */
export const TEMP_PREFIX = '.paddock-put-';
/** Directories deeper than this are not walked (each level holds a descriptor open). */
const MAX_DEPTH = 256;

/** A regular file found by a walk. */
export interface WalkedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/** A regular file opened for reading, and its stat then. */
export interface OpenedFile {
  handle: FileHandle;
  stats: Stats;
}

/**
 * A directory tree an untrusted sandbox may write into at the same time (bound in read-write),
 * while this process runs as root. Every operation stays inside `root`: each directory is
 * opened component by component without following links, each final call goes through the
 * opened parent (see confinedDirectory.ts), links and special files count as absent, and a
 * FIFO is never opened. A directory once opened cannot leave the tree meanwhile: the sandbox
 * sees the tree only through its bind mount, and a rename across mounts fails.
 */
export class ConfinedTree {
  constructor(readonly root: string) {}

  /** The regular file's stat (never following a link), or null. */
  async stat(path: string): Promise<Stats | null> {
    const { parent, name } = split(path);
    const dir = await openDirs(this.root, parent, false);
    if (!dir) return null;
    try {
      return await lstatFile(dir, name);
    } finally {
      await dir.close();
    }
  }

  /** The regular file opened for reading, or null (a link, a FIFO, a directory count as none). */
  async openFile(path: string): Promise<OpenedFile | null> {
    const { parent, name } = split(path);
    const dir = await openDirs(this.root, parent, false);
    if (!dir) return null;
    try {
      // lstat first so a FIFO or a device is not even opened when it is there from the start;
      // fstat after, for one swapped in between (O_NONBLOCK keeps that open from blocking).
      if (!(await lstatFile(dir, name))) return null;
      let handle: FileHandle;
      try {
        handle = await open(at(dir, name), READ_FLAGS);
      } catch (err) {
        if (isMissing(err) || errnoOf(err) === 'ENXIO') return null;
        throw unavailable(err);
      }
      const stats = await handle.stat();
      if (!stats.isFile()) {
        await handle.close();
        return null;
      }
      return { handle, stats };
    } finally {
      await dir.close();
    }
  }

  /**
   * Writes `source` to a new file beside the target (O_EXCL, never through a link), reading one
   * chunk at a time as each is written, then renames it over the target: readers see the old
   * file or the new one. Past `maxBytes` it stops with `TooLarge` and keeps nothing. Makes the
   * missing parent directories. Errors of `source` come out as they are.
   */
  async write(path: string, source: Readable, maxBytes?: number): Promise<Stats> {
    const { parent, name } = split(path);
    const dir = (await openDirs(this.root, parent, true)) as FileHandle;
    try {
      const temp = TEMP_PREFIX + randomBytes(12).toString('hex');
      let file: FileHandle;
      try {
        file = await open(at(dir, temp), CREATE_FLAGS, 0o666);
      } catch (err) {
        throw unavailable(err);
      }
      let kept = false;
      try {
        let written = 0;
        for await (const chunk of source) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
          written += bytes.length;
          if (maxBytes !== undefined && written > maxBytes) throw new TooLarge(maxBytes);
          await writeAll(file, bytes);
        }
        const stats = await settle(file);
        // A missing temp file here was removed by the sandbox: a failure, not an absence.
        await renameInDir(at(dir, temp), at(dir, name)).catch((err: unknown) => {
          throw isMissing(err) ? unavailable(err) : err;
        });
        kept = true;
        return stats;
      } finally {
        await file.close().catch(() => {});
        if (!kept) await unlink(at(dir, temp)).catch(() => {});
      }
    } finally {
      await dir.close();
    }
  }

  /** Removes the regular file; false when there is none (a link or a directory is left alone). */
  async remove(path: string): Promise<boolean> {
    const { parent, name } = split(path);
    const dir = await openDirs(this.root, parent, false);
    if (!dir) return false;
    try {
      if (!(await lstatFile(dir, name))) return false;
      try {
        await unlink(at(dir, name));
        return true;
      } catch (err) {
        if (isMissing(err)) return false;
        throw unavailable(err);
      }
    } finally {
      await dir.close();
    }
  }

  /** Renames a regular file over `to`, making `to`'s parents; false when `from` is none. */
  async move(from: string, to: string): Promise<boolean> {
    const source = split(from);
    const fromDir = await openDirs(this.root, source.parent, false);
    if (!fromDir) return false;
    try {
      if (!(await lstatFile(fromDir, source.name))) return false;
      if (from === to) return true;
      const target = split(to);
      const toDir = (await openDirs(this.root, target.parent, true)) as FileHandle;
      try {
        await renameInDir(at(fromDir, source.name), at(toDir, target.name));
        return true;
      } catch (err) {
        if (isMissing(err)) return false;
        throw err;
      } finally {
        await toDir.close();
      }
    } finally {
      await fromDir.close();
    }
  }

  /**
   * Regular files below the directory `prefix` ('' for all) in path order (UTF-8 bytes, as S3
   * lists), after `cursor` when given. Links, special files, names no caller could address and
   * files being written are skipped. With `anyName` every regular file counts (usage).
   */
  async *walk(
    prefix: string,
    cursor?: string,
    options: { anyName?: boolean } = {},
  ): AsyncGenerator<WalkedFile> {
    const dir = await openDirs(this.root, prefix === '' ? [] : prefix.split('/'), false);
    if (!dir) return;
    try {
      yield* walkDirectory(dir, prefix, cursor, options.anyName === true, 0);
    } finally {
      await dir.close();
    }
  }

  /** Removes the tree, root included, never following a link. */
  async removeTree(): Promise<void> {
    const dir = await openRoot(this.root, false);
    if (!dir) return;
    try {
      await removeContents(dir);
    } finally {
      await dir.close();
    }
    await rmdir(this.root).catch((err: unknown) => {
      if (errnoOf(err) !== 'ENOENT') throw unavailable(err);
    });
  }
}

function split(path: string): { parent: string[]; name: string } {
  const parent = path.split('/');
  const name = parent.pop() as string;
  return { parent, name };
}

async function lstatFile(dir: FileHandle, name: string): Promise<Stats | null> {
  try {
    const stats = await lstat(at(dir, name));
    return stats.isFile() ? stats : null;
  } catch (err) {
    if (isMissing(err)) return null;
    throw unavailable(err);
  }
}

async function writeAll(file: FileHandle, bytes: Buffer): Promise<void> {
  try {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
  } catch (err) {
    throw unavailable(err);
  }
}

async function settle(file: FileHandle): Promise<Stats> {
  try {
    await file.datasync();
    return await file.stat();
  } catch (err) {
    throw unavailable(err);
  }
}

async function renameInDir(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw new PaddockError('is_a_directory', 'the target path is a directory');
    }
    if (isMissing(err)) throw err;
    throw unavailable(err);
  }
}

interface Child {
  name: string;
  path: string;
  stats: Stats;
  /** The path with a trailing `/` for a directory: siblings sort by it into full-path order. */
  key: string;
}

async function* walkDirectory(
  dir: FileHandle,
  base: string,
  cursor: string | undefined,
  anyName: boolean,
  depth: number,
): AsyncGenerator<WalkedFile> {
  const names = await namesIn(dir);
  if (names === null) return;
  const children: Child[] = [];
  for (const name of names) {
    if (name.startsWith(TEMP_PREFIX) && !anyName) continue;
    const path = base === '' ? name : `${base}/${name}`;
    if (!anyName && !isFilePath(path)) continue;
    // Wholly at or before the cursor, as a file and as a directory: no need to stat it.
    if (cursor !== undefined && passed(`${path}/`, cursor)) continue;
    let stats: Stats;
    try {
      stats = await lstat(at(dir, name));
    } catch (err) {
      if (isMissing(err)) continue;
      throw unavailable(err);
    }
    if (stats.isDirectory()) children.push({ name, path, stats, key: `${path}/` });
    else if (stats.isFile()) children.push({ name, path, stats, key: path });
  }
  children.sort((a, b) => comparePaths(a.key, b.key));
  for (const child of children) {
    if (child.stats.isFile()) {
      if (cursor !== undefined && comparePaths(child.path, cursor) <= 0) continue;
      yield { path: child.path, size: child.stats.size, mtimeMs: child.stats.mtimeMs };
      continue;
    }
    // A directory wholly at or before the cursor is passed over unopened.
    if (cursor !== undefined && passed(child.key, cursor)) continue;
    if (depth + 1 >= MAX_DEPTH) continue;
    const sub = await openDirAt(dir, child.name, false);
    if (!sub) continue;
    try {
      yield* walkDirectory(sub, child.path, cursor, anyName, depth + 1);
    } finally {
      await sub.close();
    }
  }
}

/** Whether everything under the directory key `dirKey` (`a/b/`) sorts at or before `cursor`. */
function passed(dirKey: string, cursor: string): boolean {
  return !cursor.startsWith(dirKey) && comparePaths(cursor, dirKey) > 0;
}

/** The names in an opened directory; null when it is gone. */
async function namesIn(dir: FileHandle): Promise<string[] | null> {
  try {
    return await readdir(self(dir));
  } catch (err) {
    if (isMissing(err)) return null;
    throw unavailable(err);
  }
}

async function removeContents(dir: FileHandle): Promise<void> {
  const names = await namesIn(dir);
  if (names === null) return;
  for (const name of names) {
    const path = at(dir, name);
    let stats: Stats;
    try {
      stats = await lstat(path);
    } catch (err) {
      if (isMissing(err)) continue;
      throw unavailable(err);
    }
    try {
      if (stats.isDirectory()) {
        const sub = await openDirAt(dir, name, false);
        if (sub) {
          try {
            await removeContents(sub);
          } finally {
            await sub.close();
          }
        }
        await rmdir(path);
      } else {
        await unlink(path);
      }
    } catch (err) {
      // Swapped for a link or a file meanwhile: rmdir and unlink never follow one, so remove
      // whatever now holds the name; anything else is a real failure.
      const code = errnoOf(err);
      if (code === 'ENOENT') continue;
      if (code === 'ENOTDIR') await unlink(path).catch(() => {});
      else throw unavailable(err);
    }
  }
}
