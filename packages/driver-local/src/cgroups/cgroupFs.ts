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
 * that is a rare limits change, and bounded.) So are reads of process lists and of a freezing
 * group's state (see waitForFreeze). Other reads stay on the thread pool.
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

/** Sleeps the calling thread: the CPU is free meanwhile, unlike a spin. */
const pauseThread = (() => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return (ms: number) => void Atomics.wait(cell, 0, 0, ms);
})();

/** How long the first, blocking looks at a freezing group may take in all. */
const BLOCKING_LOOKS_MS = 2;
/** Between two of those looks. */
const LOOK_PAUSE_MS = 0.05;

/**
 * Waits until `isFrozen()` (a synchronous read of the group's state) says yes, or `timeoutMs`.
 * A group of a few idle processes freezes within half a millisecond, and the sandbox stays
 * frozen for every moment spent here, so the first looks are synchronous, 50 µs apart, with the
 * thread asleep in between: a look through libuv's thread pool takes longer than that freeze,
 * and a spin would keep the CPU from the very tasks that must run to freeze. (The v1 freezer
 * also only turns FROZEN when its state is read.) This blocks the event loop for at most
 * BLOCKING_LOOKS_MS; a slower group is then looked at every 2 ms without blocking.
 */
export async function waitForFreeze(isFrozen: () => boolean, timeoutMs: number): Promise<boolean> {
  const started = performance.now();
  while (performance.now() - started < BLOCKING_LOOKS_MS) {
    if (isFrozen()) return true;
    pauseThread(LOOK_PAUSE_MS);
  }
  for (;;) {
    if (isFrozen()) return true;
    if (performance.now() - started > timeoutMs) return false;
    await sleep(2);
  }
}
