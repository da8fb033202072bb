import fs from 'node:fs';
import path from 'node:path';
import { PaddockError } from '@paddock/shared';
import { nodeCgroupFs, type CgroupFs } from './cgroupFs.js';
import { parseCgroupMounts } from './cgroupMounts.js';
import { CgroupV1 } from './cgroupV1.js';
import { CgroupV2 } from './cgroupV2.js';
import type { SandboxCgroups } from './sandboxCgroups.js';

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
