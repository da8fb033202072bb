import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaddockError } from '@paddock/shared';
import {
  cpuQuota,
  CPU_PERIOD_US,
  killPid,
  mib,
  nodeCgroupFs,
  readKeyed,
  readNumber,
  readProcs,
  waitForFreeze,
  removeGroupDir,
  type CgroupFs,
} from './cgroupFs.js';
import type { CgroupLimits, CgroupStats, SandboxCgroups } from './sandboxCgroups.js';

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
    return [...new Set(this.procsFiles(id).flatMap((file) => readProcs(this.cg, file)))];
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

  private freezerState(id: string): string | null {
    if (this.h.freezer === null) return null;
    const file = path.join(this.group(this.h.freezer, id), 'freezer.state');
    return this.cg.exists(file) ? file : null;
  }

  async freeze(id: string, timeoutMs = 5_000): Promise<boolean> {
    const stateFile = this.freezerState(id);
    if (stateFile === null) return false;
    await this.cg.write(stateFile, 'FROZEN');
    if (await this.waitFrozen(stateFile, timeoutMs)) return true;
    await this.cg.write(stateFile, 'THAWED');
    throw new PaddockError('driver_error', `sandbox ${id} did not freeze within ${timeoutMs} ms`);
  }

  async thaw(id: string): Promise<void> {
    const stateFile = this.freezerState(id);
    if (stateFile !== null) await this.cg.write(stateFile, 'THAWED');
  }

  async killAll(id: string, timeoutMs = 10_000): Promise<void> {
    const stateFile = this.freezerState(id);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let pids = await this.processes(id);
      if (pids.length === 0) return;
      if (Date.now() > deadline) {
        throw new PaddockError('driver_error', `cgroups of ${id} still have processes after kill`);
      }
      if (stateFile !== null) {
        // Frozen tasks cannot fork, so the list we read is the whole group; thawing delivers the kills.
        await this.cg.write(stateFile, 'FROZEN');
        await this.waitFrozen(stateFile, 500);
        pids = await this.processes(id);
      }
      for (const pid of pids) killPid(pid);
      if (stateFile !== null) await this.cg.write(stateFile, 'THAWED');
      await sleep(20);
    }
  }

  /** FREEZING turns FROZEN once every task has stopped; a task stuck in the kernel delays it. */
  private waitFrozen(stateFile: string, timeoutMs: number): Promise<boolean> {
    return waitForFreeze(() => this.cg.readNow(stateFile).trim() === 'FROZEN', timeoutMs);
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
