import fs from 'node:fs';
import path from 'node:path';
import { PaddockError } from '@paddock/shared';
import { nodeCgroupFs, type CgroupFs } from './cgroupFs.js';
import { parseCgroupMounts } from './cgroupMounts.js';
import { CgroupV1 } from './cgroupV1.js';
import { CgroupV2 } from './cgroupV2.js';

/** The limits cgroups enforce; disk is the workspace image's job. */
export interface CgroupLimits {
  memory_mb: number;
  pids: number;
  cpus: number;
}

export interface CgroupStats {
  oomKills: number;
  memoryBytes: number | null;
  pids: number | null;
}

/**
 * One sandbox's control groups, on either cgroup version. Groups live under a parent named for
 * the daemon's data dir, so several daemons on one host never touch each other's groups.
 */
export interface SandboxCgroups {
  readonly version: 'v1' | 'v2';
  describe(): Record<string, string | number | boolean>;
  /** Create the sandbox's group(s); existing ones are kept. */
  create(id: string): Promise<void>;
  exists(id: string): boolean;
  /** Apply limits; works on a live group. */
  setLimits(id: string, limits: CgroupLimits): Promise<void>;
  /** The `cgroup.procs` files the sandbox's first process writes itself into. */
  procsFiles(id: string): string[];
  processes(id: string): Promise<number[]>;
  stats(id: string): Promise<CgroupStats>;
  /**
   * Stop every process in the group where it stands (the cgroup freezer), so nothing in the
   * sandbox changes while the host reads or writes its workspace. False when this host has no
   * freezer for the group; throws when the group does not settle frozen in time (thawed again).
   */
  freeze(id: string, timeoutMs?: number): Promise<boolean>;
  thaw(id: string): Promise<void>;
  /** SIGKILL everything in the group and wait until it is empty. */
  killAll(id: string, timeoutMs?: number): Promise<void>;
  /** Remove the (empty) group; missing groups are fine. */
  remove(id: string): Promise<void>;
  /** Remove the per-data-dir parent if nothing is left in it. */
  removeParent(): Promise<void>;
}

/**
 * Pick the cgroup version the host can actually enforce limits with: v2 when /sys/fs/cgroup is a
 * pure unified mount delegating memory and pids, else v1 with memory, pids and cpu hierarchies.
 */
export async function detectCgroups(
  parentName: string,
  mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8'),
  cg: CgroupFs = nodeCgroupFs,
): Promise<SandboxCgroups> {
  const mounts = parseCgroupMounts(mountinfo);
  const problems: string[] = [];

  const unified = mounts.find((m) => m.fsType === 'cgroup2' && m.mountPoint === '/sys/fs/cgroup');
  if (unified === undefined) {
    problems.push('cgroup v2 is not mounted at /sys/fs/cgroup');
  } else {
    const controllersFile = path.join(unified.mountPoint, 'cgroup.controllers');
    const available = cg.exists(controllersFile)
      ? (await cg.read(controllersFile)).trim().split(/\s+/)
      : [];
    const missing = ['memory', 'pids'].filter((c) => !available.includes(c));
    if (missing.length === 0) return new CgroupV2(unified.mountPoint, parentName, cg, available);
    problems.push(`cgroup v2 at /sys/fs/cgroup lacks the ${missing.join(' and ')} controller(s)`);
  }

  const v1 = (controller: string) =>
    mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller))?.mountPoint;
  const memory = v1('memory');
  const pids = v1('pids');
  const cpu = v1('cpu');
  if (memory !== undefined && pids !== undefined && cpu !== undefined) {
    return new CgroupV1({ memory, pids, cpu, freezer: v1('freezer') ?? null }, parentName, cg);
  }
  const missingV1 = [
    memory === undefined ? 'memory' : null,
    pids === undefined ? 'pids' : null,
    cpu === undefined ? 'cpu' : null,
  ].filter((x) => x !== null);
  problems.push(`cgroup v1 has no ${missingV1.join(', ')} hierarchy mounted`);
  throw new PaddockError(
    'driver_error',
    `no usable cgroups for sandbox limits: ${problems.join('; ')}`,
  );
}
