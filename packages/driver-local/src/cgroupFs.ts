/**
 * Plumbing shared by the cgroup v1 and v2 code: file access (injectable, so v2 can be tested on
 * a fake tree) and the small read/kill/remove helpers both use.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaddockError } from '@paddock/shared';

/** File operations on a cgroup file system; injectable so the v2 code can be tested on a fake tree. */
export interface CgroupFs {
  read(file: string): Promise<string>;
  /** A read on the calling thread, for files the kernel answers at once (`cgroup.procs`). */
  readNow(file: string): string;
  write(file: string, data: string): Promise<void>;
  mkdir(dir: string): Promise<void>;
  rmdir(dir: string): Promise<void>;
  exists(file: string): boolean;
}

/**
 * Writes are synchronous: cgroupfs handles a control-file write in microseconds, and a trip
 * through libuv's thread pool costs a hundred or more while a sandbox frozen for a snapshot
 * waits. (Lowering a memory limit below usage makes the kernel reclaim before the write returns;
 * that is a rare limits change, and bounded.) So are reads of process lists. Other reads stay on the
 * thread pool: waiting for a group to freeze is a loop of reads, and meanwhile the daemon must
 * leave the CPU to the freezing tasks.
 */
export const nodeCgroupFs: CgroupFs = {
  read: (file) => fs.promises.readFile(file, 'utf8'),
  readNow: (file) => fs.readFileSync(file, 'utf8'),
  // One write() per value: cgroupfs parses each write on its own.
  write: async (file, data) => fs.writeFileSync(file, data, { flag: 'w' }),
  mkdir: async (dir) => {
    await fs.promises.mkdir(dir, { recursive: true });
  },
  rmdir: (dir) => fs.promises.rmdir(dir),
  exists: (file) => fs.existsSync(file),
};

export const CPU_PERIOD_US = 100_000;

export function cpuQuota(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
}

export function mib(mb: number): number {
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

export function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if (errno(err) !== 'ESRCH') throw err;
  }
}

export async function readNumber(cg: CgroupFs, file: string): Promise<number | null> {
  try {
    const n = Number((await cg.read(file)).trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

export function readProcs(cg: CgroupFs, file: string): number[] {
  try {
    return parsePids(cg.readNow(file));
  } catch (err) {
    if (errno(err) === 'ENOENT') return [];
    throw err;
  }
}

/** rmdir that tolerates a missing group and waits out the kernel's last exit bookkeeping. */
export async function removeGroupDir(cg: CgroupFs, dir: string): Promise<void> {
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

/**
 * Between two looks at a freezing group: a group of a few idle processes freezes within a
 * fraction of a millisecond, and the sandbox waits frozen for every millisecond spent here, so
 * look again at once for the first few milliseconds, then every 2 ms.
 */
export async function freezePause(elapsedMs: number): Promise<void> {
  if (elapsedMs < 5) await new Promise((resolve) => setImmediate(resolve));
  else await sleep(2);
}
