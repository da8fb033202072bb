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

  async processes(id: string): Promise<number[]> {
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

  async freeze(id: string, timeoutMs = 5_000): Promise<boolean> {
    const dir = this.dir(id);
    const freezeFile = path.join(dir, 'cgroup.freeze');
    if (!this.cg.exists(freezeFile)) return false;
    await this.cg.write(freezeFile, '1');
    // cgroup.events says `frozen 1` once every task has stopped.
    const events = path.join(dir, 'cgroup.events');
    if (await waitForFreeze(() => readKeyed(this.cg.readNow(events), 'frozen') === 1, timeoutMs)) {
      return true;
    }
    await this.cg.write(freezeFile, '0');
    throw new PaddockError('driver_error', `sandbox ${id} did not freeze within ${timeoutMs} ms`);
  }

  async thaw(id: string): Promise<void> {
    const freezeFile = path.join(this.dir(id), 'cgroup.freeze');
    if (this.cg.exists(freezeFile)) await this.cg.write(freezeFile, '0');
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
