import { constants } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { PaddockError } from '@paddock/shared';
import { FilestoreUnavailable, errorName } from './errors.js';

/*
 * openat(2) through /proc: `/proc/self/fd/<fd>/<name>` resolves the magic link to the directory
 * the fd holds, whatever has been renamed or swapped since, so a name is looked up in a
 * directory already checked, never in one a path re-resolves. With O_NOFOLLOW (and the calls
 * that never follow a final link: lstat, unlink, rename, mkdir, rmdir) no symlink is followed.
 */

export const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A name inside an opened directory, as a path the kernel resolves through that directory. */
export function at(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/** The opened directory itself, as a path (readdir). */
export function self(dir: FileHandle): string {
  return `/proc/self/fd/${dir.fd}`;
}

export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Not there, or not what it must be (a link, a file where a directory was, a swap). */
export function isMissing(err: unknown): boolean {
  const code = errnoOf(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}

export function unavailable(err: unknown): FilestoreUnavailable {
  return err instanceof FilestoreUnavailable ? err : new FilestoreUnavailable(errorName(err));
}

/**
 * Opens the tree's root, a directory whose path only the daemon controls (the sandbox sees it
 * only as its mount point); created when asked. Null when missing.
 */
export async function openRoot(root: string, create: boolean): Promise<FileHandle | null> {
  try {
    return await open(root, DIR_FLAGS);
  } catch (err) {
    if (!create || errnoOf(err) !== 'ENOENT') {
      if (isMissing(err)) return null;
      throw unavailable(err);
    }
  }
  try {
    await mkdir(root, { recursive: true, mode: 0o777 });
    return await open(root, DIR_FLAGS);
  } catch (err) {
    throw unavailable(err);
  }
}

/**
 * Opens the directory `name` inside `dir`, never through a link; makes it first when asked
 * and missing. Null when it is missing (or a link, a file, a FIFO) and not to be made; a
 * non-directory in the way of a make is `invalid_path`.
 */
export async function openDirAt(
  dir: FileHandle,
  name: string,
  create: boolean,
): Promise<FileHandle | null> {
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await open(at(dir, name), DIR_FLAGS);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' && create) {
        try {
          await mkdir(at(dir, name), 0o777);
        } catch (mkdirErr) {
          // Made meanwhile by someone else: open it on the next turn.
          if (errnoOf(mkdirErr) !== 'EEXIST') throw unavailable(mkdirErr);
        }
        continue;
      }
      if (!isMissing(err)) throw unavailable(err);
      if (!create) return null;
      throw new PaddockError('invalid_path', 'a parent of the path is not a directory');
    }
  }
  throw new PaddockError('invalid_path', 'a parent of the path keeps changing');
}

/**
 * Opens the directory at `segments` below `root`, one component at a time. Null when a
 * component is missing or not a directory (unless `create`, which makes the missing ones).
 */
export async function openDirs(
  root: string,
  segments: readonly string[],
  create: boolean,
): Promise<FileHandle | null> {
  let dir = await openRoot(root, create);
  for (const segment of segments) {
    if (!dir) return null;
    const parent: FileHandle = dir;
    try {
      dir = await openDirAt(parent, segment, create);
    } finally {
      await parent.close();
    }
  }
  return dir;
}
