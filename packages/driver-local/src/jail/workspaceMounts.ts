import fs from 'node:fs';
import path from 'node:path';
import { PaddockError, type WorkspaceMount } from '@paddock/shared';
import type { SandboxRecord } from './sandboxFiles.js';

const MOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/**
 * Mount names are one path segment inside the workspace; sources are existing host dirs.
 * `writable` is kept only when true, so equal mount sets compare (and pool) equal.
 */
export function checkMounts(mounts: WorkspaceMount[] | undefined): WorkspaceMount[] {
  for (const m of mounts ?? []) {
    if (!MOUNT_NAME.test(m.name)) {
      throw new PaddockError('driver_error', `invalid workspace mount name "${m.name}"`);
    }
    if (
      !path.isAbsolute(m.source) ||
      !fs.statSync(m.source, { throwIfNoEntry: false })?.isDirectory()
    ) {
      throw new PaddockError(
        'driver_error',
        `workspace mount source ${m.source} is not a directory`,
      );
    }
  }
  return (mounts ?? []).map((m) =>
    m.writable === true
      ? { source: m.source, name: m.name, writable: true }
      : { source: m.source, name: m.name },
  );
}

/**
 * Each mount needs a real directory to cover (a writable one keeps its layer inside it). The workspace is the user's, so what is
 * there may be anything: a file or a symlink (which bwrap would follow) is moved aside, never
 * followed. Runs as root, so only lstat, mkdir and rename, which do not follow the last segment.
 */
export function prepareMountPoints(workspaceDir: string, record: SandboxRecord): void {
  for (const m of record.mounts ?? []) {
    const target = path.join(workspaceDir, m.name);
    const seen = fs.lstatSync(target, { throwIfNoEntry: false });
    if (seen?.isDirectory()) continue;
    if (seen !== undefined) fs.renameSync(target, `${target}.paddock-moved-${Date.now()}`);
    fs.mkdirSync(target, { mode: 0o755 });
    fs.lchownSync(target, record.uid, record.gid);
  }
}
