/** The host working on a sandbox's files: its workspace, and the run dir its credentials go to. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PaddockError, type HostWorkspace } from '@paddock/shared';
import { isMountPoint } from '../host/mountTable.js';
import { isJailRunning, teardownSandbox } from '../jail/launcher.js';
import type { DriverParts } from './driverParts.js';
import { recordStopped } from './teardown.js';

/**
 * Hand a sandbox's workspace to the host: a running one's in place, frozen while `fn` runs
 * (when the host has a freezer); a stopped one's image mounted offline in its state dir.
 */
export async function withWorkspace<T>(
  d: DriverParts,
  id: string,
  fn: (workspace: HostWorkspace) => Promise<T>,
): Promise<T> {
  const { files, cgroups } = d.jail;
  const record = files.mustRead(id);
  const owner = { uid: record.uid, gid: record.gid };
  if (await isJailRunning(d.jail, record)) {
    const frozen = await cgroups.freeze(id);
    try {
      return await fn({ ...owner, root: files.paths(id).workspaceDir, quiesced: frozen, frozen });
    } finally {
      if (frozen) await cgroups.thaw(id);
    }
  }
  // Not running, but maybe not torn down yet (its agent just died): finish that first, or
  // the image would be mounted twice, two ext4 instances on one file.
  if (record.boot !== null || isMountPoint(files.paths(id).workspaceDir)) {
    await teardownSandbox(d.jail, id, record.boot);
    recordStopped(d, record);
  }
  const image = files.imageFile(id);
  const mountPoint = files.offlineWorkspaceDir(id);
  await d.jail.disk.mount(image, mountPoint, false);
  try {
    return await fn({ ...owner, root: mountPoint, quiesced: true, frozen: false });
  } finally {
    await d.jail.disk.unmount(image, mountPoint);
    fs.rmdirSync(mountPoint);
  }
}

/** A credential file at /run/paddock/<name> inside, readable only by the sandbox uid. */
export async function writeRunFile(
  d: DriverParts,
  id: string,
  name: string,
  content: string,
): Promise<void> {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) {
    throw new PaddockError('driver_error', `invalid run file name "${name}"`);
  }
  const record = d.jail.files.mustRead(id);
  if (!(await isJailRunning(d.jail, record))) {
    throw new PaddockError('driver_error', `sandbox ${id} is not running`);
  }
  // The run dir belongs to the sandbox's user, who may plant links in it: a fresh random name
  // made with O_EXCL|O_NOFOLLOW, then a rename over the target (which replaces a link, never
  // follows it).
  const dir = d.jail.files.paths(id).runDir;
  const tmp = path.join(dir, `.${name}.${crypto.randomBytes(8).toString('hex')}`);
  const fd = fs.openSync(
    tmp,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    0o400,
  );
  try {
    fs.writeSync(fd, content);
    fs.fchownSync(fd, record.uid, record.gid);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, name));
}
