import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '@paddock/shared';
import { runCli } from './cliRunner.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

interface GcItem {
  kind: string;
  id: string;
  sandbox_id: string | null;
  data_dir: string;
  why: string;
}

const tagOf = (realDir: string) =>
  crypto.createHash('sha256').update(realDir).digest('hex').slice(0, 10);

async function gc(...flags: string[]): Promise<{ removed: boolean; items: GcItem[] }> {
  const r = await runCli(['gc', '--json', ...flags], {});
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { removed: boolean; items: GcItem[] };
}

async function newSandbox(d: TestDaemon): Promise<string> {
  const res = await d.api<Sandbox>('POST', '/v1/sandboxes', {});
  assert.ok(res.status < 300, JSON.stringify(res.body));
  return res.body.id;
}

async function echo(d: TestDaemon, id: string, text: string): Promise<string> {
  const r = await d.api<{ stdout: string }>('POST', `/v1/sandboxes/${id}/exec`, {
    command: `echo ${text}`,
  });
  return r.body.stdout;
}

async function crash(d: TestDaemon): Promise<void> {
  if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
  const exited = new Promise((r) => d.proc.once('exit', r));
  d.proc.kill('SIGKILL');
  await exited;
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${dir}/`));
}

function claimsOf(realDir: string): string[] {
  return fs.readdirSync('/var/lib/paddock/uids').filter((n) => {
    try {
      return fs.readFileSync(`/var/lib/paddock/uids/${n}`, 'utf8').includes(`"${realDir}"`);
    } catch {
      return false;
    }
  });
}

function loopsBackedUnder(realDir: string): string[] {
  return fs.readdirSync('/sys/block').filter((n) => {
    try {
      return fs.readFileSync(`/sys/block/${n}/loop/backing_file`, 'utf8').startsWith(`${realDir}/`);
    } catch {
      return false;
    }
  });
}

/** The daemon's cgroup parents, on v2 (one tree) or v1 (one per hierarchy). */
function cgroupsOf(tag: string): string[] {
  const roots = [
    '/sys/fs/cgroup',
    ...fs.readdirSync('/sys/fs/cgroup').map((n) => `/sys/fs/cgroup/${n}`),
  ];
  return roots.map((r) => `${r}/paddock-${tag}`).filter((p) => fs.existsSync(p));
}

describe('paddock gc', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await destroyEverything(dir);
  });

  it('removes what a crashed daemon with a deleted data dir left, and nothing of a live one', async () => {
    const deadDir = tempDataDir();
    const liveDir = tempDataDir();
    dirs.push(deadDir, liveDir);
    const dead = await startDaemon({ dataDir: deadDir });
    const live = await startDaemon({ dataDir: liveDir });
    try {
      const a = await newSandbox(dead);
      const b = await newSandbox(dead);
      const keep = await newSandbox(live);
      const realDead = fs.realpathSync(deadDir);
      const realLive = fs.realpathSync(liveDir);
      await crash(dead);
      fs.rmSync(deadDir, { recursive: true, force: true });

      const listed = await gc();
      assert.equal(listed.removed, false);
      const ours = listed.items.filter((i) => i.data_dir === realDead);
      assert.ok(ours.every((i) => i.why === 'data_dir_gone'));
      for (const id of [a, b]) {
        for (const kind of ['process', 'mount', 'cgroup', 'uid_claim']) {
          assert.ok(
            ours.some((i) => i.kind === kind && i.sandbox_id === id),
            `${kind} of ${id} is listed: ${JSON.stringify(ours)}`,
          );
        }
      }
      assert.ok(ours.some((i) => i.kind === 'runtime_dir'));
      assert.deepEqual(
        listed.items.filter((i) => i.data_dir === realLive),
        [],
        'nothing of the live daemon is listed',
      );
      const pids = ours.filter((i) => i.kind === 'process').map((i) => Number(i.id));
      assert.ok(pids.every(alive), 'listing removes nothing');

      const swept = await gc('--yes');
      assert.equal(swept.removed, true);
      assert.ok(swept.items.some((i) => i.data_dir === realDead && i.kind === 'process'));
      for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(pids.filter(alive), [], 'no process of the dead sandboxes is left');
      const runtimeDir = `/run/paddock/${tagOf(realDead)}`;
      assert.deepEqual(mountsUnder(runtimeDir), []);
      assert.equal(fs.existsSync(runtimeDir), false);
      assert.deepEqual(cgroupsOf(tagOf(realDead)), []);
      assert.deepEqual(claimsOf(realDead), []);
      assert.deepEqual(loopsBackedUnder(realDead), []);

      assert.equal(await echo(live, keep, 'still-here'), 'still-here\n');
      assert.equal(claimsOf(realLive).length, 1, 'the live sandbox keeps its uid');
    } finally {
      await crash(dead);
      await live.stop();
    }
  });

  it('has a daemon at start remove what a deleted data dir left (PADDOCK_SWEEP_AT_START)', async () => {
    const goneDir = tempDataDir();
    const sweeperDir = tempDataDir();
    dirs.push(goneDir, sweeperDir);
    const dead = await startDaemon({ dataDir: goneDir });
    await newSandbox(dead);
    const real = fs.realpathSync(goneDir);
    assert.equal(claimsOf(real).length, 1);
    await crash(dead);
    fs.rmSync(goneDir, { recursive: true, force: true });
    const sweeper = await startDaemon({
      dataDir: sweeperDir,
      env: { PADDOCK_SWEEP_AT_START: '1' },
    });
    try {
      assert.equal(fs.existsSync(`/run/paddock/${tagOf(real)}`), false);
      assert.deepEqual(claimsOf(real), []);
      assert.deepEqual(cgroupsOf(tagOf(real)), []);
      assert.match(sweeper.output(), /whose data dir is gone/);
    } finally {
      await sweeper.stop();
    }
  });

  it('stops the sandboxes of a daemon that is not running; started again, it boots them anew', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await startDaemon({ dataDir });
    const id = await newSandbox(first);
    await first.api('POST', `/v1/sandboxes/${id}/exec`, { command: 'echo kept > kept.txt' });
    await crash(first);
    const real = fs.realpathSync(dataDir);

    const swept = await gc('--yes');
    const ours = swept.items.filter((i) => i.data_dir === real);
    assert.ok(ours.length > 0 && ours.every((i) => i.why === 'owner_not_running'));
    assert.ok(!ours.some((i) => i.kind === 'uid_claim'), 'an existing data dir keeps its uids');
    assert.deepEqual(mountsUnder(`/run/paddock/${tagOf(real)}`), []);

    const second = await startDaemon({ dataDir });
    try {
      const after = await second.api<Sandbox>('GET', `/v1/sandboxes/${id}`);
      assert.notEqual(after.body.status, 'running');
      const started = await second.api<Sandbox>('POST', `/v1/sandboxes/${id}/start`, {});
      assert.equal(started.body.status, 'running');
      const r = await second.api<{ stdout: string }>('POST', `/v1/sandboxes/${id}/exec`, {
        command: 'cat kept.txt',
      });
      assert.equal(r.body.stdout, 'kept\n');
      const listed = await gc();
      assert.deepEqual(
        listed.items.filter((i) => i.data_dir === real),
        [],
        'a live daemon is never listed',
      );
    } finally {
      await second.stop();
    }
  });
});
