import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentClient } from '@paddock/guest-agent';
import { isJailRunning, teardownSandbox } from '../jail/launcher.js';
import type { SandboxRecord } from '../jail/sandboxFiles.js';
import type { DriverParts } from './driverParts.js';

/** Stop a sandbox: the agent first (grace period), then whatever is left; the image stays. */
export async function stopNow(d: DriverParts, id: string, graceMs: number): Promise<void> {
  const record = d.jail.files.read(id);
  if (record === null) return;
  if (await isJailRunning(d.jail, record)) await shutdownAgent(d, id, graceMs);
  await teardownSandbox(d.jail, id, record.boot);
  if (record.boot !== null) recordStopped(d, record);
  // Again (the caller dropped them first): one made while the sandbox was stopping entered the
  // namespace now gone.
  d.doors.drop(id);
}

/** Leave nothing behind: processes, mounts, loop device, cgroups, files, uid claim. */
export async function destroyNow(d: DriverParts, id: string): Promise<void> {
  const { files } = d.jail;
  d.doors.drop(id);
  d.pool?.forget(id);
  const record = files.read(id);
  await teardownSandbox(d.jail, id, record?.boot ?? null);
  await detachOffline(d, id);
  await d.jail.disk.remove(files.imageFile(id), files.paths(id).workspaceDir);
  files.removeStateDir(id);
  await d.jail.runtime.unmount(id);
  for (const claim of d.uids.claimsOf(files.dataDir)) {
    if (claim.sandbox_id === id) {
      d.uids.release(claim.uid, { data_dir: files.dataDir, sandbox_id: id });
    }
  }
}

/** Unmount the image of a stopped sandbox that withWorkspace mounted, if it is mounted. */
export async function detachOffline(d: DriverParts, id: string): Promise<void> {
  const mountPoint = d.jail.files.offlineWorkspaceDir(id);
  if (!fs.existsSync(mountPoint)) return;
  await d.jail.disk.unmount(d.jail.files.imageFile(id), mountPoint);
  fs.rmdirSync(mountPoint);
}

/** The record of a sandbox torn down: no boot process, stopped now. */
export function recordStopped(d: DriverParts, record: SandboxRecord): void {
  d.jail.files.write({ ...record, boot: null, stopped_at: new Date().toISOString() });
}

/** Ask the agent to stop its children and exit; whatever is left is killed by the caller. */
async function shutdownAgent(d: DriverParts, id: string, graceMs: number): Promise<void> {
  const client = new AgentClient({ transport: 'unix', socketPath: d.jail.files.socketPath(id) });
  try {
    await Promise.race([client.shutdown(graceMs), sleep(2_000)]);
    const deadline = Date.now() + graceMs + 2_000;
    while ((await d.jail.cgroups.processes(id)).length > 0 && Date.now() < deadline)
      await sleep(25);
  } catch (err) {
    d.log.warn({ err, sandbox_id: id }, 'graceful shutdown failed; killing the sandbox');
  } finally {
    client.close();
  }
}
