import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { nodeCgroupFs, readKeyed, type CgroupFs } from '../src/cgroups/cgroupFs.js';
import { parseCgroupMounts } from '../src/cgroups/cgroupMounts.js';
import { detectCgroups } from '../src/cgroups/detectCgroups.js';
import type { CgroupV1 } from '../src/cgroups/cgroupV1.js';
import { CgroupV2 } from '../src/cgroups/cgroupV2.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function spawnSleeper(): ChildProcess {
  return spawn('sleep', ['60'], { stdio: 'ignore' });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * A directory tree that behaves like cgroupfs v2 where it matters: mkdir creates the interface
 * files, cgroup.procs lists only live pids, writing cgroup.kill kills them, and rmdir removes
 * the interface files with the directory (and refuses while processes are left).
 */
class FakeCgroupV2Fs implements CgroupFs {
  constructor(private readonly withKill: boolean) {}

  async read(file: string): Promise<string> {
    return this.readNow(file);
  }

  readNow(file: string): string {
    const text = fs.readFileSync(file, 'utf8');
    if (path.basename(file) !== 'cgroup.procs') return text;
    const live = text
      .split('\n')
      .filter((l) => l !== '' && alive(Number(l)))
      .join('\n');
    return live === '' ? '' : `${live}\n`;
  }

  async write(file: string, data: string): Promise<void> {
    if (path.basename(file) === 'cgroup.kill' && data === '1') {
      const procs = await this.read(path.join(path.dirname(file), 'cgroup.procs'));
      for (const pid of procs.split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    }
    await fs.promises.writeFile(file, data);
  }

  async mkdir(dir: string): Promise<void> {
    if (fs.existsSync(dir)) return;
    await fs.promises.mkdir(dir, { recursive: true });
    const files: Record<string, string> = {
      'cgroup.procs': '',
      'cgroup.subtree_control': '',
      'cgroup.freeze': '0',
      'memory.max': 'max',
      'memory.swap.max': 'max',
      'memory.current': '0',
      'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n',
      'pids.max': 'max',
      'pids.current': '0',
      'cpu.max': 'max 100000',
    };
    if (this.withKill) files['cgroup.kill'] = '';
    for (const [name, text] of Object.entries(files))
      await fs.promises.writeFile(path.join(dir, name), text);
  }

  async rmdir(dir: string): Promise<void> {
    if ((await this.read(path.join(dir, 'cgroup.procs'))).trim() !== '') {
      throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' });
    }
    for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) throw Object.assign(new Error('ENOTEMPTY'), { code: 'ENOTEMPTY' });
    }
    await fs.promises.rm(dir, { recursive: true });
  }

  exists(file: string): boolean {
    return fs.existsSync(file);
  }
}

function fakeRoot(withKill: boolean): { root: string; cg: FakeCgroupV2Fs } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-fake-cgroup2-'));
  fs.writeFileSync(
    path.join(root, 'cgroup.controllers'),
    'cpuset cpu io memory hugetlb pids rdma misc\n',
  );
  fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), 'memory\n');
  fs.writeFileSync(path.join(root, 'cgroup.procs'), '');
  return { root, cg: new FakeCgroupV2Fs(withKill) };
}

const read = (p: string) => fs.readFileSync(p, 'utf8').trim();

describe('CgroupV2 on a fake cgroupfs tree (stand-in: no cgroup v2 on this host)', () => {
  const roots: string[] = [];
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  });

  it('creates the group, delegates controllers top-down and applies limits live', async () => {
    const { root, cg } = fakeRoot(true);
    roots.push(root);
    const v2 = new CgroupV2(root, 'paddock-abc', cg);
    await v2.create('sb1');
    const group = path.join(root, 'paddock-abc', 'sb1');
    assert.ok(fs.statSync(group).isDirectory());
    // The root already had memory: only the missing controllers are enabled there.
    assert.equal(read(path.join(root, 'cgroup.subtree_control')), '+pids +cpu');
    assert.equal(
      read(path.join(root, 'paddock-abc', 'cgroup.subtree_control')),
      '+memory +pids +cpu',
    );
    assert.ok(v2.exists('sb1'));
    assert.deepEqual(v2.procsFiles('sb1'), [path.join(group, 'cgroup.procs')]);

    await v2.setLimits('sb1', { memory_mb: 128, pids: 64, cpus: 0.5 });
    assert.equal(read(path.join(group, 'memory.max')), String(128 * 1024 * 1024));
    assert.equal(read(path.join(group, 'memory.swap.max')), '0');
    assert.equal(read(path.join(group, 'pids.max')), '64');
    assert.equal(read(path.join(group, 'cpu.max')), '50000 100000');

    await v2.setLimits('sb1', { memory_mb: 512, pids: 256, cpus: 2 });
    assert.equal(read(path.join(group, 'memory.max')), String(512 * 1024 * 1024));
    assert.equal(read(path.join(group, 'pids.max')), '256');
    assert.equal(read(path.join(group, 'cpu.max')), '200000 100000');
  });

  it('reads oom kills, memory and pids from memory.events, memory.current and pids.current', async () => {
    const { root, cg } = fakeRoot(true);
    roots.push(root);
    const v2 = new CgroupV2(root, 'paddock-abc', cg);
    await v2.create('sb1');
    const group = path.join(root, 'paddock-abc', 'sb1');
    fs.writeFileSync(
      path.join(group, 'memory.events'),
      'low 0\nhigh 0\nmax 9\noom 3\noom_kill 2\n',
    );
    fs.writeFileSync(path.join(group, 'memory.current'), '4096\n');
    fs.writeFileSync(path.join(group, 'pids.current'), '7\n');
    assert.deepEqual(await v2.stats('sb1'), { oomKills: 2, memoryBytes: 4096, pids: 7 });
    assert.deepEqual(await v2.stats('nope'), { oomKills: 0, memoryBytes: null, pids: null });
  });

  for (const withKill of [true, false]) {
    it(`kills every process ${withKill ? 'with cgroup.kill' : 'by freezing and SIGKILL (no cgroup.kill)'} and removes the group`, async () => {
      const { root, cg } = fakeRoot(withKill);
      roots.push(root);
      const v2 = new CgroupV2(root, 'paddock-abc', cg);
      await v2.create('sb1');
      const group = path.join(root, 'paddock-abc', 'sb1');
      const a = spawnSleeper();
      const b = spawnSleeper();
      children.push(a, b);
      fs.writeFileSync(path.join(group, 'cgroup.procs'), `${a.pid}\n${b.pid}\n`);
      assert.deepEqual((await v2.processes('sb1')).sort(), [a.pid, b.pid].sort());
      await assert.rejects(v2.remove('sb1'), PaddockError, 'a busy group is not removed');

      await v2.killAll('sb1', 5_000);
      await Promise.all([exited(a), exited(b)]);
      assert.equal(a.signalCode, 'SIGKILL');
      assert.deepEqual(await v2.processes('sb1'), []);
      if (!withKill) assert.equal(read(path.join(group, 'cgroup.freeze')), '0', 'thawed again');

      await v2.remove('sb1');
      assert.ok(!fs.existsSync(group));
      await v2.remove('sb1'); // idempotent
      await v2.removeParent();
      assert.ok(!fs.existsSync(path.join(root, 'paddock-abc')));
    });
  }

  it('is what detectCgroups picks on a pure unified hierarchy', async () => {
    const files: Record<string, string> = {
      '/sys/fs/cgroup/cgroup.controllers': 'cpu memory pids\n',
    };
    const stub: CgroupFs = {
      ...nodeCgroupFs,
      exists: (f) => f in files,
      read: async (f) => files[f] ?? '',
    };
    const mountinfo = '30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n';
    const found = await detectCgroups('paddock-x', mountinfo, stub);
    assert.equal(found.version, 'v2');
    assert.equal(found.describe().cgroup_controllers, 'memory,pids,cpu');

    files['/sys/fs/cgroup/cgroup.controllers'] = 'cpu io\n';
    await assert.rejects(detectCgroups('paddock-x', mountinfo, stub), (err: unknown) => {
      assert.ok(err instanceof PaddockError && err.code === 'driver_error');
      assert.match(
        err.message,
        /cgroup v2 at \/sys\/fs\/cgroup lacks the memory and pids controller/,
      );
      assert.match(err.message, /cgroup v1 has no memory, pids, cpu hierarchy mounted/);
      return true;
    });
  });
});

describe('cgroup detection', () => {
  it('parses v1 and v2 mounts from mountinfo and names what is missing', async () => {
    const mountinfo = [
      '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
      '35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
    ].join('\n');
    const mounts = parseCgroupMounts(mountinfo);
    assert.equal(mounts.length, 3);
    assert.deepEqual(mounts[0], {
      mountPoint: '/sys/fs/cgroup/cpu,cpuacct',
      fsType: 'cgroup',
      superOptions: ['rw', 'cpu', 'cpuacct'],
    });
    await assert.rejects(detectCgroups('paddock-x', mountinfo), (err: unknown) => {
      assert.ok(err instanceof PaddockError && err.code === 'driver_error');
      assert.match(err.message, /cgroup v2 is not mounted at \/sys\/fs\/cgroup/);
      assert.match(err.message, /cgroup v1 has no pids hierarchy mounted/);
      return true;
    });
    assert.equal(readKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 5\n', 'oom_kill'), 5);
  });
});

describe('CgroupV1 on this host', async () => {
  const found = await detectCgroups(`paddock-test-${process.pid}`).catch(() => null);
  const skip = found?.version !== 'v1' ? 'this host has no cgroup v1 hierarchies' : false;
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (found !== null && found.version === 'v1') {
      await found.killAll('sb1').catch(() => undefined);
      await found.remove('sb1').catch(() => undefined);
      await found.removeParent();
    }
  });

  it('creates groups, sets limits live, counts, kills and removes', { skip }, async () => {
    const v1 = found as CgroupV1;
    const parent = `paddock-test-${process.pid}`;
    await v1.create('sb1');
    const mem = `/sys/fs/cgroup/memory/${parent}/sb1`;
    const pids = `/sys/fs/cgroup/pids/${parent}/sb1`;
    const cpu = `/sys/fs/cgroup/cpu/${parent}/sb1`;
    await v1.setLimits('sb1', { memory_mb: 128, pids: 64, cpus: 0.5 });
    assert.equal(read(`${mem}/memory.limit_in_bytes`), String(128 * 1024 * 1024));
    if (fs.existsSync(`${mem}/memory.memsw.limit_in_bytes`)) {
      assert.equal(read(`${mem}/memory.memsw.limit_in_bytes`), String(128 * 1024 * 1024));
    }
    assert.equal(read(`${pids}/pids.max`), '64');
    assert.equal(read(`${cpu}/cpu.cfs_quota_us`), '50000');
    assert.equal(read(`${cpu}/cpu.cfs_period_us`), '100000');
    // Raising and lowering both work (memsw must stay >= the memory limit at every step).
    await v1.setLimits('sb1', { memory_mb: 512, pids: 100, cpus: 2 });
    assert.equal(read(`${mem}/memory.limit_in_bytes`), String(512 * 1024 * 1024));
    await v1.setLimits('sb1', { memory_mb: 96, pids: 100, cpus: 2 });
    assert.equal(read(`${mem}/memory.limit_in_bytes`), String(96 * 1024 * 1024));
    assert.equal(read(`${cpu}/cpu.cfs_quota_us`), '200000');

    const child = spawnSleeper();
    children.push(child);
    for (const file of v1.procsFiles('sb1')) fs.writeFileSync(file, String(child.pid));
    assert.deepEqual(await v1.processes('sb1'), [child.pid]);
    const stats = await v1.stats('sb1');
    assert.equal(stats.pids, 1);
    assert.equal(typeof stats.memoryBytes, 'number'); // v1 does not move old charges with a task
    assert.equal(stats.oomKills, 0);

    await v1.killAll('sb1');
    await exited(child);
    assert.equal(child.signalCode, 'SIGKILL');
    assert.deepEqual(await v1.processes('sb1'), []);
    await v1.remove('sb1');
    for (const dir of [mem, pids, cpu]) assert.ok(!fs.existsSync(dir), `${dir} removed`);
  });
});
