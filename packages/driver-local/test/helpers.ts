import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AGENT_BUNDLE_PATH, AgentClient } from '@paddock/guest-agent';
import type { ExecResult, SandboxLimits } from '@paddock/shared';
import { LocalDriver, type LocalDriverOptions } from '../src/index.js';

/** Ids shaped like the daemon's: `sb` + 26 lowercase characters. */
export function newId(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  let id = 'sb';
  for (const b of crypto.randomBytes(26)) id += alphabet[b % 32];
  return id;
}

export const SMALL: SandboxLimits = { memory_mb: 256, pids: 128, cpus: 1, disk_mb: 64 };

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A temp data dir and a driver on it; `cleanup` destroys every sandbox and removes the dir. */
export async function openTestDriver(
  overrides: Partial<LocalDriverOptions> = {},
): Promise<{ driver: LocalDriver; dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir =
    overrides.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-driver-test-'));
  let driver: LocalDriver;
  try {
    driver = await LocalDriver.open({
      dataDir,
      agentBundlePath: AGENT_BUNDLE_PATH,
      warmPoolSize: 0,
      sweepAtStart: false,
      newId,
      log: quiet,
      ...overrides,
    });
  } catch (err) {
    if (overrides.dataDir === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const cleanup = async () => {
    await destroyAll(driver);
    await driver.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { driver, dataDir, cleanup };
}

/** Destroy every sandbox dir of a driver, listed or not (pool members included). */
export async function destroyAll(driver: LocalDriver): Promise<void> {
  const dir = path.join(String(driver.describe().details.data_dir), 'sandboxes');
  const ids = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  for (const id of ids) await driver.destroy(id).catch(() => undefined);
}

export async function exec(
  driver: LocalDriver,
  id: string,
  command: string,
  timeoutMs = 30_000,
): Promise<ExecResult> {
  const client = new AgentClient(driver.agentEndpoint(id));
  try {
    return await client.exec({ command, timeout_ms: timeoutMs });
  } finally {
    client.close();
  }
}

export interface StateJson {
  id: string;
  uid: number;
  gid: number;
  pooled: boolean;
  claimed: boolean;
  boot: { pid: number; start_time: string } | null;
}

export function readState(dataDir: string, id: string): StateJson {
  const real = fs.realpathSync(dataDir);
  return JSON.parse(
    fs.readFileSync(path.join(real, 'sandboxes', id, 'state.json'), 'utf8'),
  ) as StateJson;
}

/** Every trace a sandbox can leave on the host, for "destroy leaves nothing" checks. */
export function hostTraces(driver: LocalDriver, id: string): string[] {
  const details = driver.describe().details;
  const traces: string[] = [];
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  if (mounts.includes(id)) traces.push('mount');
  const cgroupParent = path.basename(String(details.cgroup_root));
  for (const hierarchy of ['memory', 'pids', 'cpu', 'freezer']) {
    if (fs.existsSync(path.join('/sys/fs/cgroup', hierarchy, cgroupParent, id)))
      traces.push(`cgroup ${hierarchy}`);
  }
  if (fs.existsSync(path.join(String(details.data_dir), 'sandboxes', id))) traces.push('state dir');
  if (fs.existsSync(path.join(String(details.runtime_dir), id))) traces.push('runtime dir');
  const claimDir = String(details.uid_claim_dir);
  for (const name of fs.readdirSync(claimDir)) {
    if (fs.readFileSync(path.join(claimDir, name), 'utf8').includes(id))
      traces.push(`uid claim ${name}`);
  }
  return traces;
}

/** Loop devices whose backing file is under `dir` (from /sys, so deleted files count too). */
export function loopDevicesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync('/sys/block')) {
    if (!name.startsWith('loop')) continue;
    try {
      const backing = fs.readFileSync(`/sys/block/${name}/loop/backing_file`, 'utf8').trim();
      if (backing.startsWith(dir)) out.push(`${name}: ${backing}`);
    } catch {
      // not attached
    }
  }
  return out;
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGKILL, unless it is gone already (killing a sandbox's first process ends the others). */
export function killIfThere(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
