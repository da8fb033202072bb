/**
 * What the benchmarks need to look at a sandbox from the host (as root): its processes, its
 * agent socket, and a load generator run inside its network namespace.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * bench/httpLoad.ts with `args`, on the host or inside the namespace of `nsPid`. Asynchronous,
 * so servers in the calling process (a benchmark's upstreams) keep answering meanwhile.
 */
export function load(args: string[], nsPid?: number): Promise<Record<string, number>> {
  const argv = ['--import', 'tsx', path.join(ROOT, 'bench/httpLoad.ts'), ...args];
  const child = nsPid
    ? spawn('nsenter', [`--net=/proc/${nsPid}/ns/net`, process.execPath, ...argv], { cwd: ROOT })
    : spawn(process.execPath, argv, { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`load generator failed: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>);
    });
  });
}

/** The pinned agent socket of a sandbox (root-only), as the daemon connects to it. */
export function agentSocket(sandboxId: string): string {
  const found = spawnSync('find', ['/run/paddock', '-maxdepth', '3', '-name', 'agent.sock']);
  const path_ = found.stdout
    .toString()
    .split('\n')
    .find((p) => p.includes(`/${sandboxId}/`));
  if (!path_) throw new Error(`no agent socket for ${sandboxId}`);
  return path_;
}

/**
 * A host pid in the sandbox's network namespace, for entering it: a process of its cgroup whose
 * namespace is not ours (the boot shell joins the cgroup before bubblewrap unshares).
 */
export function pidInSandbox(sandboxId: string): number {
  const ours = fs.readlinkSync('/proc/self/ns/net');
  const found = spawnSync('find', [
    '/sys/fs/cgroup',
    '-maxdepth',
    '5',
    '-type',
    'd',
    '-name',
    sandboxId,
  ]);
  for (const dir of found.stdout.toString().trim().split('\n')) {
    if (dir === '') continue;
    for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim().split('\n')) {
      const ns = fs.readlinkSync(`/proc/${pid}/ns/net`, { encoding: 'utf8' });
      if (pid !== '' && ns !== ours) return Number(pid);
    }
  }
  throw new Error(`no process found for ${sandboxId}`);
}
