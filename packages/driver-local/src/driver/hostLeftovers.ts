import fs from 'node:fs';
import path from 'node:path';
import { detectCgroups } from '../cgroups/detectCgroups.js';
import type { SandboxCgroups } from '../cgroups/sandboxCgroups.js';
import { dataDirTag } from '../jail/sandboxFiles.js';
import { DEFAULT_UID_CLAIM_DIR } from '../jail/sandboxUser.js';
import { ownerAlive, readOwner } from '../host/daemonOwner.js';
import { mountPoints } from '../host/mountTable.js';

export type LeftoverKind =
  'process' | 'mount' | 'loop_device' | 'cgroup' | 'uid_claim' | 'runtime_dir';
export type LeftoverReason = 'data_dir_gone' | 'owner_not_running';

/** One piece of host state a sandbox left behind. */
export interface Leftover {
  kind: LeftoverKind;
  /** A pid, a path or a device. */
  id: string;
  data_dir: string;
  sandbox_id: string | null;
  why: LeftoverReason;
}

/** Where to look; the defaults are the driver's. */
export interface LeftoverScope {
  runtimeRoot?: string;
  uidClaimDir?: string;
  /** `gone`: only data dirs deleted (the daemon's own sweep); `gone_or_dead` adds data dirs whose owner is not running. */
  include: 'gone' | 'gone_or_dead';
}

/** The leftovers of one data dir, grouped so the sweep can remove them in a safe order. */
export interface DataDirLeftovers {
  data_dir: string;
  tag: string;
  why: LeftoverReason;
  items: Leftover[];
  cgroups: SandboxCgroups | null;
}

const TAG_PATTERN = /^[0-9a-f]{10}$/;

/**
 * Find the host state of sandboxes whose data dir is gone or whose owning daemon is not
 * running. Data dirs are learnt from the uid claims (each names its data dir) and from the
 * owner record in each runtime dir; a data dir that exists without an owner record (a daemon
 * from before owner records) is never touched, nor one whose owner is alive.
 */
export async function findLeftovers(scope: LeftoverScope): Promise<DataDirLeftovers[]> {
  const runtimeRoot = scope.runtimeRoot ?? '/run/paddock';
  const claimDir = scope.uidClaimDir ?? DEFAULT_UID_CLAIM_DIR;
  const claims = readClaims(claimDir);
  const dataDirs = new Set(claims.map((c) => c.data_dir));
  for (const tag of listDir(runtimeRoot).filter((n) => TAG_PATTERN.test(n))) {
    const owner = readOwner(path.join(runtimeRoot, tag));
    if (owner !== null && dataDirTag(owner.data_dir) === tag) dataDirs.add(owner.data_dir);
  }
  const mounts = mountPoints();
  const loops = loopBackings();
  const out: DataDirLeftovers[] = [];
  for (const dataDir of [...dataDirs].sort()) {
    const tag = dataDirTag(dataDir);
    const runtimeDir = path.join(runtimeRoot, tag);
    const owner = readOwner(runtimeDir);
    if (owner !== null && ownerAlive(owner)) continue;
    let why: LeftoverReason;
    if (!fs.existsSync(dataDir)) why = 'data_dir_gone';
    else if (owner !== null && scope.include === 'gone_or_dead') why = 'owner_not_running';
    else continue;
    const item = (kind: LeftoverKind, id: string, sandboxId: string | null = null): Leftover => ({
      kind,
      id,
      data_dir: dataDir,
      sandbox_id: sandboxId,
      why,
    });
    const items: Leftover[] = [];
    let cgroups: SandboxCgroups | null = null;
    try {
      cgroups = await detectCgroups(`paddock-${tag}`);
    } catch {
      cgroups = null;
    }
    if (cgroups !== null) {
      const root = String(cgroups.describe().cgroup_root);
      for (const id of listDir(root).filter((n) => isDir(path.join(root, n)))) {
        for (const pid of await cgroups.processes(id)) items.push(item('process', String(pid), id));
        items.push(item('cgroup', path.join(root, id), id));
      }
    }
    const under = (p: string) => p.startsWith(`${runtimeDir}/`) || p.startsWith(`${dataDir}/`);
    for (const m of mounts.filter(under).sort((a, b) => b.length - a.length)) {
      items.push(item('mount', m, sandboxIdIn(m, runtimeDir)));
    }
    for (const [dev, file] of loops)
      if (file.startsWith(`${dataDir}/`)) items.push(item('loop_device', dev));
    if (why === 'data_dir_gone') {
      for (const c of claims.filter((c) => c.data_dir === dataDir)) {
        items.push(item('uid_claim', path.join(claimDir, String(c.uid)), c.sandbox_id));
      }
    }
    if (fs.existsSync(runtimeDir)) items.push(item('runtime_dir', runtimeDir));
    if (items.length > 0) out.push({ data_dir: dataDir, tag, why, items, cgroups });
  }
  return out;
}

function sandboxIdIn(mount: string, runtimeDir: string): string | null {
  if (!mount.startsWith(`${runtimeDir}/`)) return null;
  return mount.slice(runtimeDir.length + 1).split('/')[0] ?? null;
}

interface ClaimFile {
  uid: number;
  data_dir: string;
  sandbox_id: string;
}

function readClaims(claimDir: string): ClaimFile[] {
  const out: ClaimFile[] = [];
  for (const name of listDir(claimDir)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const c = JSON.parse(fs.readFileSync(path.join(claimDir, name), 'utf8')) as ClaimFile;
      if (typeof c.data_dir === 'string' && typeof c.sandbox_id === 'string') {
        out.push({ uid: Number(name), data_dir: c.data_dir, sandbox_id: c.sandbox_id });
      }
    } catch {
      // Unreadable or half-written (a claim being made right now): not ours to judge.
    }
  }
  return out;
}

/** `/dev/loopN` → its backing file, from sysfs (a deleted file reads `<path> (deleted)`). */
function loopBackings(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of listDir('/sys/block').filter((n) => /^loop\d+$/.test(n))) {
    try {
      const file = fs.readFileSync(`/sys/block/${name}/loop/backing_file`, 'utf8').trim();
      out.push([`/dev/${name}`, file]);
    } catch {
      // Not attached.
    }
  }
  return out;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
