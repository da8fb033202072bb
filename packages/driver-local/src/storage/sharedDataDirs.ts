import fs from 'node:fs';
import path from 'node:path';
import { PaddockError } from '@paddock/shared';
import { mustRun, type HostTools } from '../host/hostCommands.js';

/** The set-group-id bit: on a directory, what is made inside takes the directory's group. */
const S_ISGID = 0o2000;

/** rwx for the group on everything (X: execute only where someone had it), and by default below. */
function aclEntries(gid: number): string {
  return `g:${gid}:rwX,m:rwX,d:g:${gid}:rwx,d:m:rwx`;
}

/** One preparation per directory at a time, so a second boot waits instead of walking it too. */
const preparing = new Map<string, Promise<void>>();

/**
 * Prepared = the top directory is root's, with the data group and setgid, all set last. Root's,
 * so no sandbox can clear the marker (chmod is the owner's) and have root walk the tree again
 * while that sandbox runs and could swap a directory for a symlink mid-walk.
 */
export function isPrepared(dir: string, gid: number): boolean {
  const st = fs.lstatSync(dir);
  return st.isDirectory() && st.uid === 0 && st.gid === gid && (st.mode & S_ISGID) !== 0;
}

/**
 * Make a data directory shared by the data group `gid` (jail/sandboxUser.ts's DATA_GID), once
 * (a stat when it already is): every directory below gets the group and setgid, and every
 * entry an ACL giving the group rwx, with
 * default ACLs so whatever anyone (a sandbox with any umask, or the daemon as root) creates
 * later inherits the same access. Runs as root before any sandbox with this mount starts;
 * symlinks are never followed (lstat, lchown, setfacl -P).
 */
export async function prepareDataDir(tools: HostTools, dir: string, gid: number): Promise<void> {
  if (isPrepared(dir, gid)) return;
  const running = preparing.get(dir);
  if (running !== undefined) return running;
  const work = (async () => {
    if (isPrepared(dir, gid)) return;
    await shareBelow(dir, gid);
    try {
      await mustRun(tools.setfacl, ['-R', '-P', '-m', aclEntries(gid), '--', dir], 600_000);
    } catch (err) {
      throw new PaddockError(
        'driver_error',
        `cannot share data directory ${dir} with the sandboxes' group (does its file system take POSIX ACLs?): ${String(err)}`,
      );
    }
    // The marker last: an interrupted preparation is done again from the start.
    fs.lchownSync(dir, 0, gid);
    fs.chmodSync(dir, (fs.statSync(dir).mode & 0o7777) | S_ISGID);
  })();
  preparing.set(dir, work);
  try {
    await work;
  } finally {
    preparing.delete(dir);
  }
}

/** Group and setgid for everything below `dir` (not `dir` itself: that is the marker). */
async function shareBelow(dir: string, gid: number): Promise<void> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    const st = await fs.promises.lstat(p);
    await fs.promises.lchown(p, -1, gid);
    if (st.isDirectory()) {
      await fs.promises.chmod(p, (st.mode & 0o7777) | S_ISGID);
      await shareBelow(p, gid);
    }
  }
}
