import fsSync, { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { PaddockError } from '@paddock/shared';
import type { PackageListing } from './inspect.js';
import { sameContent } from './sameContent.js';
import { walkPackage } from './walk.js';

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
const STAGING_MODE = 0o700;
const CREATE_FILE =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Extracts an inspected package into `stagingDir`, which must not exist yet (it is created
 * 0700; its parent must exist). Files are 0644 and directories 0755 whatever the zip says;
 * nothing is opened through a link. Every byte is checked again as it streams (caps, native
 * magic) and must hash to what `listing` holds. On any failure the staging dir is removed.
 */
export async function extractPackage(
  file: string,
  listing: PackageListing,
  stagingDir: string,
): Promise<void> {
  const root = path.resolve(stagingDir);
  try {
    await fs.mkdir(root, { mode: STAGING_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PaddockError('already_exists', `the staging directory exists: ${root}`, {
        entry: root,
      });
    }
    throw err;
  }
  try {
    await fs.chmod(root, STAGING_MODE);
    const dirs = new StagingDirs(root);
    const { entries } = await walkPackage(
      file,
      listing.limits,
      (p) => createFile(dirs, p),
      (p) => dirs.ensure(p),
      (p, data) => writeWhole(dirs, p, data),
    );
    sameContent(listing.entries, entries);
  } catch (err) {
    await fs.rm(root, { recursive: true, force: true });
    throw err;
  }
}

async function createFile(dirs: StagingDirs, entryPath: string): Promise<Writable> {
  const slash = entryPath.lastIndexOf('/');
  if (slash > 0) await dirs.ensure(entryPath.slice(0, slash));
  const handle = await fs.open(dirs.hostPath(entryPath), CREATE_FILE, FILE_MODE);
  try {
    await handle.chmod(FILE_MODE);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle.createWriteStream();
}

/**
 * A small file written in one go with blocking calls: a few system calls and no thread-pool
 * round trip per step (the cost that dominates a package of many small files). The loop is
 * given back every few files, so the daemon keeps answering meanwhile.
 */
async function writeWhole(dirs: StagingDirs, entryPath: string, data: Buffer): Promise<void> {
  const slash = entryPath.lastIndexOf('/');
  if (slash > 0) await dirs.ensure(entryPath.slice(0, slash));
  const fd = fsSync.openSync(dirs.hostPath(entryPath), CREATE_FILE, FILE_MODE);
  try {
    fsSync.fchmodSync(fd, FILE_MODE);
    for (let at = 0; at < data.length;) at += fsSync.writeSync(fd, data, at);
  } finally {
    fsSync.closeSync(fd);
  }
  if (++dirs.written % YIELD_EVERY === 0) await new Promise(setImmediate);
}

const YIELD_EVERY = 16;

/** The directories made so far inside the staging dir; each made here, 0755, never a link. */
class StagingDirs {
  private readonly made = new Set<string>();
  /** Files written whole so far. */
  written = 0;
  constructor(private readonly root: string) {}

  hostPath(entryPath: string): string {
    return path.join(this.root, ...entryPath.split('/'));
  }

  async ensure(dir: string): Promise<void> {
    const parts = dir.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (this.made.has(rel)) continue;
      const host = this.hostPath(rel);
      try {
        fsSync.mkdirSync(host, { mode: DIR_MODE });
        fsSync.chmodSync(host, DIR_MODE);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const st = fsSync.lstatSync(host);
        if (!st.isDirectory()) throw new Error(`not a directory in the staging dir: ${rel}`);
      }
      this.made.add(rel);
    }
  }
}
