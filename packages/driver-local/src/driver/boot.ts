import { AgentClient } from '@paddock/guest-agent';
import {
  PaddockError,
  type DataMount,
  type SandboxLimits,
  type SandboxRuntime,
  type SandboxSpec,
  type WorkspaceMount,
} from '@paddock/shared';
import { bootSandbox, isJailRunning } from '../jail/launcher.js';
import type { SandboxRecord } from '../jail/sandboxFiles.js';
import { checkMounts } from '../jail/workspaceMounts.js';
import { checkDataMounts } from '../jail/dataMounts.js';
import { assertDiskBudget } from '../storage/diskBudget.js';
import type { DriverParts } from './driverParts.js';
import { destroyNow } from './teardown.js';

/**
 * A new sandbox, booted cold: state dir, uid, record, disk admission, image, boot. Whatever
 * fails on the way is removed again.
 */
export async function createSandbox(
  d: DriverParts,
  id: string,
  limits: SandboxLimits,
  pooled: boolean,
  mounts: WorkspaceMount[] = [],
  dataMounts: DataMount[] = [],
): Promise<void> {
  const { files } = d.jail;
  try {
    files.createStateDir(id);
  } catch (err) {
    throw new PaddockError('driver_error', `cannot create sandbox dir for ${id}: ${String(err)}`);
  }
  try {
    const uid = d.uids.allocate({ data_dir: files.dataDir, sandbox_id: id });
    const now = new Date().toISOString();
    const record = files.write({
      version: 1,
      id,
      uid,
      gid: uid,
      limits: { ...limits },
      pooled,
      claimed: !pooled,
      boot: null,
      mounts,
      ...(dataMounts.length > 0 ? { dataMounts } : {}),
      created_at: now,
      updated_at: now,
      started_at: null,
      stopped_at: null,
    });
    // Admission and the image's creation in one tick (no await between them), so concurrent
    // creates cannot all be admitted against the same free space. Refusals are
    // insufficient_storage; the catch below removes what was made so far.
    assertDiskBudget(
      files.dataDir,
      files.ids().map((other) => files.imageFile(other)),
      limits.disk_mb * 1024 * 1024,
    );
    await d.jail.disk.create(files.imageFile(id), limits.disk_mb, uid, uid);
    await bootJail(d, record, true);
  } catch (err) {
    await destroyNow(d, id).catch((e: unknown) =>
      d.log.error({ err: e, sandbox_id: id }, 'cleanup after a failed create failed'),
    );
    throw err;
  }
}

/** Start a stopped sandbox again, or apply new limits to a running one; disk_mb never changes. */
export async function startNow(
  d: DriverParts,
  id: string,
  spec: SandboxSpec,
): Promise<SandboxRuntime> {
  const mounts = checkMounts(spec.mounts);
  const dataMounts = checkDataMounts(spec.dataMounts);
  const previous = d.jail.files.mustRead(id);
  const record = { ...previous, mounts };
  const limits = { ...spec.limits, disk_mb: record.limits.disk_mb };
  if (spec.limits.disk_mb !== record.limits.disk_mb) {
    d.log.warn(
      { sandbox_id: id, disk_mb: record.limits.disk_mb, requested: spec.limits.disk_mb },
      'workspace images are not resized; keeping the existing size',
    );
  }
  if (await isJailRunning(d.jail, record)) {
    // A running jail keeps the data mounts it booted with: the record says what is mounted.
    if (!sameDataMounts(previous.dataMounts ?? [], dataMounts)) {
      d.log.warn({ sandbox_id: id }, 'data mounts change at the next boot, not while running');
    }
    await d.jail.cgroups.setLimits(id, limits);
    d.jail.files.write({ ...record, limits });
  } else {
    await bootJail(d, withDataMounts({ ...record, limits }, dataMounts), false);
  }
  return { id, pooled: record.pooled };
}

/** The record with exactly these data mounts (the field absent when there are none). */
function withDataMounts(record: SandboxRecord, dataMounts: DataMount[]): SandboxRecord {
  const { dataMounts: _previous, ...rest } = record;
  return dataMounts.length > 0 ? { ...rest, dataMounts } : rest;
}

function sameDataMounts(a: DataMount[], b: DataMount[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Boot the jail of a record and keep the record in step (the boot process, then started_at). */
async function bootJail(d: DriverParts, record: SandboxRecord, fresh: boolean): Promise<void> {
  const { files } = d.jail;
  // A connector from an earlier boot would enter that boot's namespace, not this one's.
  d.doors.drop(record.id);
  let current = record;
  try {
    const boot = await bootSandbox(d.jail, record, fresh, (b) => {
      current = files.write({ ...record, boot: b });
      // The egress listener while the agent starts, so before the caller hears the sandbox
      // runs (and before anything in it runs but the agent); serveEgress hands it over.
      d.doors.prepareEgress(record.id);
    });
    files.write({ ...current, boot, started_at: new Date().toISOString(), stopped_at: null });
  } catch (err) {
    files.write({ ...current, boot: null });
    d.doors.drop(record.id);
    throw err;
  }
}

/**
 * One throwaway exec in a fresh pool member compiles the agent's exec path, so the claimer's
 * first exec is not the one that pays for V8's lazy compilation.
 */
export async function warmUp(d: DriverParts, id: string): Promise<void> {
  const client = new AgentClient({ transport: 'unix', socketPath: d.jail.files.socketPath(id) });
  try {
    await client.exec({ argv: ['true'], timeout_ms: 5_000 });
  } catch (err) {
    d.log.warn({ err, sandbox_id: id }, 'warm pool: warm-up exec failed');
  } finally {
    client.close();
  }
}

/** Turn a pool member into the caller's sandbox: its limits, and claimed in state.json. */
export async function claimMember(
  d: DriverParts,
  id: string,
  limits: SandboxLimits,
): Promise<SandboxRuntime> {
  const record = d.jail.files.mustRead(id);
  if (!(await isJailRunning(d.jail, record))) throw new Error('pool member is not running');
  const next = { ...limits, disk_mb: record.limits.disk_mb };
  // Most creates ask for the defaults the member already has; cgroup writes are not free.
  if (!sameLimits(next, record.limits)) await d.jail.cgroups.setLimits(id, next);
  d.jail.files.write({ ...record, limits: next, claimed: true });
  return { id, pooled: true };
}

function sameLimits(a: SandboxLimits, b: SandboxLimits): boolean {
  return (
    a.memory_mb === b.memory_mb && a.pids === b.pids && a.cpus === b.cpus && a.disk_mb === b.disk_mb
  );
}
