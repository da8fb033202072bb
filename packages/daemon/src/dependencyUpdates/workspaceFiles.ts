import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HostWorkspace } from '@paddock/shared';

/**
 * A top-level file of a workspace, read and replaced by the host (as root) while the driver
 * holds the workspace still (`withWorkspace`). The workspace is the sandbox's: a symlink or a
 * FIFO planted at the name is never followed or opened, and what is written belongs to the
 * sandbox's user.
 */
const MAX_BYTES = 32 * 1024 * 1024;

/** The file's bytes; null when it is absent, not a regular file, or larger than 32 MiB. */
export function readWorkspaceFile(ws: HostWorkspace, name: string): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(
      path.join(ws.root, name),
      fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
    );
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_BYTES) return null;
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces the file atomically (a new file renamed over the name, which replaces a link). */
export function replaceWorkspaceFile(ws: HostWorkspace, name: string, content: Buffer): void {
  const tmp = path.join(ws.root, `.${name}.paddock-${crypto.randomBytes(8).toString('hex')}`);
  const fd = fs.openSync(
    tmp,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    0o644,
  );
  try {
    try {
      fs.writeFileSync(fd, content);
      fs.fchownSync(fd, ws.uid, ws.gid);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(ws.root, name));
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Whether the workspace has a git repository of its own (its checkpoints). */
export function hasRepository(ws: HostWorkspace): boolean {
  return (
    fs.lstatSync(path.join(ws.root, '.git'), { throwIfNoEntry: false })?.isDirectory() === true
  );
}
