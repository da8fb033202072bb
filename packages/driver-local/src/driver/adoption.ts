import { pinnedSocketProblem } from '../jail/agentSocket.js';
import { isJailRunning, teardownSandbox } from '../jail/launcher.js';
import type { DriverParts } from './driverParts.js';
import { destroyNow, detachOffline, recordStopped } from './teardown.js';

/**
 * After a daemon restart: running sandboxes are adopted as they are, dead ones are cleaned
 * (processes, mounts, cgroups) and marked stopped, stale pool members and half-created dirs
 * are removed, and uid claims of sandboxes that no longer exist are released.
 */
export async function reconcile(d: DriverParts): Promise<void> {
  const { files } = d.jail;
  for (const id of files.ids()) {
    try {
      await adoptOrClean(d, id);
    } catch (err) {
      d.log.error({ err, sandbox_id: id }, 'reconciling a sandbox failed');
    }
  }
  for (const claim of d.uids.claimsOf(files.dataDir)) {
    if (!files.exists(claim.sandbox_id)) {
      d.uids.release(claim.uid, { data_dir: files.dataDir, sandbox_id: claim.sandbox_id });
    }
  }
}

async function adoptOrClean(d: DriverParts, id: string): Promise<void> {
  const record = d.jail.files.read(id);
  // A crash during withWorkspace: the image must not stay mounted twice.
  await detachOffline(d, id);
  if (record === null || (record.pooled && !record.claimed)) {
    await destroyNow(d, id);
  } else if (await isJailRunning(d.jail, record)) {
    const problem = pinnedSocketProblem(d.jail.files.socketPath(id), record.uid);
    if (problem === null) {
      // A daemon that died inside withWorkspace left it frozen.
      await d.jail.cgroups.thaw(id);
      d.log.info({ sandbox_id: id }, 're-adopted running sandbox');
      return;
    }
    // Booted without a pinned socket (an older driver) or tampered with: the sandbox's own
    // socket path cannot be trusted now that its code has run, so stop it; a start boots it
    // again with a fresh pin.
    d.log.warn(
      { sandbox_id: id, problem },
      'running sandbox has no usable pinned agent socket; stopping it',
    );
    await teardownSandbox(d.jail, id, record.boot);
    recordStopped(d, record);
  } else {
    await teardownSandbox(d.jail, id, record.boot);
    if (record.boot !== null) recordStopped(d, record);
  }
}
