import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaddockError } from '@paddock/shared';

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
  /** SIGKILL everything in the group and wait until it is empty. */
  killAll(id: string, timeoutMs?: number): Promise<void>;
  /** Remove the (empty) group; missing groups are fine. */
  remove(id: string): Promise<void>;
  /** Remove the per-data-dir parent if nothing is left in it. */
  removeParent(): Promise<void>;
}

/** File operations on a cgroup file system; injectable so the v2 code can be tested on a fake tree. */
export interface CgroupFs {
  read(file: string): Promise<string>;
  write(file: string, data: string): Promise<void>;
  mkdir(dir: string): Promise<void>;
  rmdir(dir: string): Promise<void>;
  exists(file: string): boolean;
}

export const nodeCgroupFs: CgroupFs = {
  read: (file) => fs.promises.readFile(file, 'utf8'),
  // One write() per value: cgroupfs parses each write on its own.
  write: (file, data) => fs.promises.writeFile(file, data, { flag: 'w' }),
  mkdir: async (dir) => {
    await fs.promises.mkdir(dir, { recursive: true });
  },
  rmdir: (dir) => fs.promises.rmdir(dir),
  exists: (file) => fs.existsSync(file),
};

const CPU_PERIOD_US = 100_000;

function cpuQuota(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
}

function mib(mb: number): number {
  return mb * 1024 * 1024;
}

/** `key value` lines (memory.events, memory.oom_control) to a number, 0 when absent. */
export function readKeyed(text: string, key: string): number {
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k === key && v !== undefined) return Number(v);
  }
  return 0;
}

function parsePids(text: string): number[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if (errno(err) !== 'ESRCH') throw err;
  }
}

async function readNumber(cg: CgroupFs, file: string): Promise<number | null> {
  try {
    const n = Number((await cg.read(file)).trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

async function readProcs(cg: CgroupFs, file: string): Promise<number[]> {
  try {
    return parsePids(await cg.read(file));
  } catch (err) {
    if (errno(err) === 'ENOENT') return [];
    throw err;
  }
}

/** rmdir that tolerates a missing group and waits out the kernel's last exit bookkeeping. */
async function removeGroupDir(cg: CgroupFs, dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await cg.rmdir(dir);
      return;
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) {
        throw new PaddockError('driver_error', `cannot remove cgroup ${dir}: ${String(err)}`);
      }
      await sleep(20);
    }
  }
}

/** cgroup v2: one unified tree; the parent delegates memory, pids and cpu to each sandbox. */
export class CgroupV2 implements SandboxCgroups {
  readonly version = 'v2' as const;
  private readonly parentDir: string;
  private readonly controllers: string[];

  constructor(
    private readonly mountPoint: string,
    parentName: string,
    private readonly cg: CgroupFs = nodeCgroupFs,
    available: string[] = ['memory', 'pids', 'cpu'],
  ) {
    this.parentDir = path.join(mountPoint, parentName);
    this.controllers = ['memory', 'pids', 'cpu'].filter((c) => available.includes(c));
  }

  describe(): Record<string, string | number | boolean> {
    return { cgroup_root: this.parentDir, cgroup_controllers: this.controllers.join(',') };
  }

  dir(id: string): string {
    return path.join(this.parentDir, id);
  }

  async create(id: string): Promise<void> {
    // Controllers must be enabled top-down for the sandbox's group to get the interface files.
    await this.enableControllers(this.mountPoint);
    await this.cg.mkdir(this.parentDir);
    await this.enableControllers(this.parentDir);
    await this.cg.mkdir(this.dir(id));
  }

  private async enableControllers(dir: string): Promise<void> {
    const file = path.join(dir, 'cgroup.subtree_control');
    const enabled = (await this.cg.read(file)).trim().split(/\s+/);
    const missing = this.controllers.filter((c) => !enabled.includes(c));
    if (missing.length === 0) return;
    try {
      await this.cg.write(file, missing.map((c) => `+${c}`).join(' '));
    } catch (err) {
      throw new PaddockError(
        'driver_error',
        `cannot enable cgroup controllers ${missing.join(', ')} in ${dir}: ${String(err)} ` +
          '(a cgroup v2 group that holds processes cannot delegate controllers; run the daemon in a leaf group)',
      );
    }
  }

  exists(id: string): boolean {
    return this.cg.exists(this.dir(id));
  }

  async setLimits(id: string, limits: CgroupLimits): Promise<void> {
    const dir = this.dir(id);
    await this.cg.write(path.join(dir, 'memory.max'), String(mib(limits.memory_mb)));
    // No swap: the memory limit is the whole budget.
    if (this.cg.exists(path.join(dir, 'memory.swap.max'))) {
      await this.cg.write(path.join(dir, 'memory.swap.max'), '0');
    }
    await this.cg.write(path.join(dir, 'pids.max'), String(limits.pids));
    if (this.controllers.includes('cpu')) {
      await this.cg.write(path.join(dir, 'cpu.max'), `${cpuQuota(limits.cpus)} ${CPU_PERIOD_US}`);
    }
  }

  procsFiles(id: string): string[] {
    return [path.join(this.dir(id), 'cgroup.procs')];
  }

  processes(id: string): Promise<number[]> {
    return readProcs(this.cg, path.join(this.dir(id), 'cgroup.procs'));
  }

  async stats(id: string): Promise<CgroupStats> {
    const dir = this.dir(id);
    let oomKills = 0;
    try {
      oomKills = readKeyed(await this.cg.read(path.join(dir, 'memory.events')), 'oom_kill');
    } catch {
      // no group: nothing counted
    }
    return {
      oomKills,
      memoryBytes: await readNumber(this.cg, path.join(dir, 'memory.current')),
      pids: await readNumber(this.cg, path.join(dir, 'pids.current')),
    };
  }

  async killAll(id: string, timeoutMs = 10_000): Promise<void> {
    const dir = this.dir(id);
    if (!this.cg.exists(dir)) return;
    const killFile = path.join(dir, 'cgroup.kill');
    const freezeFile = path.join(dir, 'cgroup.freeze');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pids = await this.processes(id);
      if (pids.length === 0) return;
      if (Date.now() > deadline) {
        throw new PaddockError('driver_error', `cgroup ${dir} still has processes after kill`);
      }
      if (this.cg.exists(killFile)) {
        // Linux 5.14+: the kernel kills the whole group atomically, forks included.
        await this.cg.write(killFile, '1');
      } else {
        // Older kernels: freeze so nothing forks while we kill, then thaw to let SIGKILL land.
        const canFreeze = this.cg.exists(freezeFile);
        if (canFreeze) await this.cg.write(freezeFile, '1');
        for (const pid of pids) killPid(pid);
        if (canFreeze) await this.cg.write(freezeFile, '0');
      }
      await sleep(20);
    }
  }

  async remove(id: string): Promise<void> {
    await removeGroupDir(this.cg, this.dir(id));
  }

  async removeParent(): Promise<void> {
    await this.cg.rmdir(this.parentDir).catch(() => undefined);
  }
}

/** Mount points of the v1 hierarchies the driver uses (one mount may carry several). */
export interface V1Hierarchies {
  memory: string;
  pids: string;
  cpu: string;
  freezer: string | null;
}

/** cgroup v1: a group per hierarchy (memory, pids, cpu, and freezer for a clean kill). */
export class CgroupV1 implements SandboxCgroups {
  readonly version = 'v1' as const;
  private readonly memsw: boolean;

  constructor(
    private readonly h: V1Hierarchies,
    private readonly parentName: string,
    private readonly cg: CgroupFs = nodeCgroupFs,
  ) {
    this.memsw = cg.exists(path.join(h.memory, 'memory.memsw.limit_in_bytes'));
  }

  describe(): Record<string, string | number | boolean> {
    return {
      cgroup_root: path.join(this.h.memory, this.parentName),
      cgroup_controllers: 'memory,pids,cpu',
      cgroup_freezer: this.h.freezer !== null,
      cgroup_memsw: this.memsw,
    };
  }

  private group(hierarchy: string, id: string): string {
    return path.join(hierarchy, this.parentName, id);
  }

  /** Distinct group dirs (a co-mounted `cpu,cpuacct` or `memory,pids` is one dir). */
  private dirs(id: string): string[] {
    const mounts = [this.h.memory, this.h.pids, this.h.cpu];
    if (this.h.freezer !== null) mounts.push(this.h.freezer);
    return [...new Set(mounts)].map((m) => this.group(m, id));
  }

  async create(id: string): Promise<void> {
    for (const dir of this.dirs(id)) await this.cg.mkdir(dir);
  }

  exists(id: string): boolean {
    return this.dirs(id).some((d) => this.cg.exists(d));
  }

  async setLimits(id: string, limits: CgroupLimits): Promise<void> {
    const mem = this.group(this.h.memory, id);
    const bytes = String(mib(limits.memory_mb));
    const limitFile = path.join(mem, 'memory.limit_in_bytes');
    const memswFile = path.join(mem, 'memory.memsw.limit_in_bytes');
    // memsw (memory+swap) must never be below the memory limit: raise it first, lower it last.
    const current = await readNumber(this.cg, limitFile);
    const raising = current === null || mib(limits.memory_mb) > current;
    if (this.memsw && raising) await this.cg.write(memswFile, bytes);
    await this.cg.write(limitFile, bytes);
    if (this.memsw && !raising) await this.cg.write(memswFile, bytes);

    await this.cg.write(path.join(this.group(this.h.pids, id), 'pids.max'), String(limits.pids));
    const cpu = this.group(this.h.cpu, id);
    await this.cg.write(path.join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    await this.cg.write(path.join(cpu, 'cpu.cfs_quota_us'), String(cpuQuota(limits.cpus)));
  }

  procsFiles(id: string): string[] {
    return this.dirs(id).map((d) => path.join(d, 'cgroup.procs'));
  }

  async processes(id: string): Promise<number[]> {
    const all = new Set<number>();
    for (const file of this.procsFiles(id)) {
      for (const pid of await readProcs(this.cg, file)) all.add(pid);
    }
    return [...all];
  }

  async stats(id: string): Promise<CgroupStats> {
    const mem = this.group(this.h.memory, id);
    let oomKills = 0;
    try {
      oomKills = readKeyed(await this.cg.read(path.join(mem, 'memory.oom_control')), 'oom_kill');
    } catch {
      // no group: nothing counted
    }
    return {
      oomKills,
      memoryBytes: await readNumber(this.cg, path.join(mem, 'memory.usage_in_bytes')),
      pids: await readNumber(this.cg, path.join(this.group(this.h.pids, id), 'pids.current')),
    };
  }

  async killAll(id: string, timeoutMs = 10_000): Promise<void> {
    const freezer = this.h.freezer === null ? null : this.group(this.h.freezer, id);
    const stateFile = freezer === null ? null : path.join(freezer, 'freezer.state');
    const canFreeze = stateFile !== null && this.cg.exists(stateFile);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let pids = await this.processes(id);
      if (pids.length === 0) return;
      if (Date.now() > deadline) {
        throw new PaddockError('driver_error', `cgroups of ${id} still have processes after kill`);
      }
      if (canFreeze) {
        // Frozen tasks cannot fork, so the list we read is the whole group; thawing delivers the kills.
        await this.cg.write(stateFile, 'FROZEN');
        await this.waitFrozen(stateFile, 500);
        pids = await this.processes(id);
      }
      for (const pid of pids) killPid(pid);
      if (canFreeze) await this.cg.write(stateFile, 'THAWED');
      await sleep(20);
    }
  }

  private async waitFrozen(stateFile: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.cg.read(stateFile)).trim() !== 'FROZEN' && Date.now() < deadline) {
      await sleep(5);
    }
  }

  async remove(id: string): Promise<void> {
    for (const dir of this.dirs(id)) await removeGroupDir(this.cg, dir);
  }

  async removeParent(): Promise<void> {
    const mounts = [this.h.memory, this.h.pids, this.h.cpu, this.h.freezer];
    for (const m of new Set(mounts)) {
      if (m !== null) await this.cg.rmdir(path.join(m, this.parentName)).catch(() => undefined);
    }
  }
}

interface CgroupMount {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** cgroup and cgroup2 mounts from /proc/self/mountinfo text. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountPoint = line.split(' ')[4];
    const [fsType, , superOpts] = line.slice(sep + 3).split(' ');
    if (mountPoint === undefined || (fsType !== 'cgroup' && fsType !== 'cgroup2')) continue;
    out.push({ mountPoint, fsType, superOptions: (superOpts ?? '').split(',') });
  }
  return out;
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
