/**
 * Integration: stop/start keep the workspace, destroy leaves nothing behind, a restarted daemon
 * re-adopts running sandboxes and cleans dead ones, and failed boots clean up after themselves.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import type { LocalDriver } from '../src/index.js';
import {
  destroyAll,
  exec,
  hostTraces,
  loopDevicesUnder,
  openTestDriver,
  readState,
  SMALL,
  killIfThere,
} from './helpers.js';

/**
 * Live host processes running as `uid` (a sandbox's processes, seen from outside). Zombies are
 * skipped: when the group is killed, bwrap's in-namespace init may outlive its parent by a moment
 * and is then reaped by the host's init, not by us.
 */
function processesOf(uid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
      if (new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status) && !/^State:\s+Z/m.test(status)) {
        out.push(Number(name));
      }
    } catch {
      // gone
    }
  }
  return out;
}

describe('sandbox lifecycle', () => {
  let driver: LocalDriver;
  let dataDir: string;
  let cleanup: () => Promise<void> = async () => undefined;

  before(async () => {
    ({ driver, dataDir, cleanup } = await openTestDriver());
  });
  after(() => cleanup());

  it('stop keeps the workspace; start brings it back; both are idempotent', async (t) => {
    const { id, pooled } = await driver.create({ limits: SMALL });
    t.after(() => driver.destroy(id));
    assert.equal(pooled, false);
    await exec(
      driver,
      id,
      'mkdir -p /workspace/app && echo kept > /workspace/app/data.txt && echo gone > /tmp/scratch',
    );
    const uid = readState(dataDir, id).uid;

    await driver.stop(id, { graceMs: 500 });
    await driver.stop(id);
    assert.equal((await driver.inspect(id)).state, 'stopped');
    assert.deepEqual(processesOf(uid), []);
    assert.ok(
      !fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(id),
      'nothing mounted while stopped',
    );
    assert.deepEqual(loopDevicesUnder(fs.realpathSync(dataDir)), []);
    assert.deepEqual(
      (await driver.list()).map((s) => [s.id, s.state]),
      [[id, 'stopped']],
    );

    const started = await driver.start(id, { limits: SMALL });
    assert.deepEqual(started, { id, pooled: false });
    await driver.start(id, { limits: SMALL });
    const r = await exec(driver, id, 'cat /workspace/app/data.txt; ls /tmp');
    assert.equal(r.stdout.trim(), 'kept', 'workspace persisted, /tmp is fresh');
    assert.equal(readState(dataDir, id).uid, uid, 'same uid across restarts');
  });

  it('destroy leaves no process, mount, loop device, cgroup, dir or uid claim', async () => {
    const { id } = await driver.create({ limits: SMALL });
    await exec(driver, id, 'sleep 300 & echo started');
    const uid = readState(dataDir, id).uid;
    assert.ok(processesOf(uid).length > 0);
    assert.ok(hostTraces(driver, id).length > 0, 'a running sandbox does leave traces');

    await driver.destroy(id);
    await driver.destroy(id);
    assert.deepEqual(processesOf(uid), []);
    assert.deepEqual(hostTraces(driver, id), []);
    assert.deepEqual(loopDevicesUnder(fs.realpathSync(dataDir)), []);
    assert.equal((await driver.inspect(id)).state, 'missing');
  });

  it('serializes concurrent stop and destroy calls on one sandbox', async () => {
    const { id } = await driver.create({ limits: SMALL });
    await Promise.all([driver.stop(id), driver.destroy(id), driver.stop(id), driver.destroy(id)]);
    assert.deepEqual(hostTraces(driver, id), []);
    await assert.rejects(driver.start(id, { limits: SMALL }), (err: unknown) => {
      return err instanceof PaddockError && err.code === 'driver_error';
    });
  });

  it('re-adopts running sandboxes after a daemon restart and cleans up dead ones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-readopt-'));
    const first = await openTestDriver({ dataDir: dir });
    const second: { driver?: LocalDriver } = {};
    try {
      const alive = (await first.driver.create({ limits: SMALL })).id;
      const dead = (await first.driver.create({ limits: SMALL })).id;
      await exec(first.driver, alive, 'echo before > /workspace/f');
      await exec(first.driver, dead, 'echo dead-data > /workspace/f');
      // The "daemon" is dropped without stopping anything; then one sandbox dies on its own.
      const deadUid = readState(dir, dead).uid;
      for (const pid of processesOf(deadUid)) killIfThere(pid);
      while (processesOf(deadUid).length > 0) await new Promise((r) => setTimeout(r, 20));

      second.driver = (await openTestDriver({ dataDir: dir })).driver;
      const d2 = second.driver;
      assert.equal((await d2.inspect(alive)).state, 'running');
      const r = await exec(
        d2,
        alive,
        'cat /workspace/f; echo after >> /workspace/f; cat /workspace/f',
      );
      assert.equal(r.stdout, 'before\nbefore\nafter\n');

      assert.equal((await d2.inspect(dead)).state, 'stopped');
      assert.equal(readState(dir, dead).boot, null);
      const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
      assert.ok(!mounts.includes(dead), 'the dead sandbox was unmounted');
      assert.deepEqual(
        (await d2.list()).map((s) => `${s.id}:${s.state}`).sort(),
        [`${alive}:running`, `${dead}:stopped`].sort(),
      );
      await d2.start(dead, { limits: SMALL });
      assert.equal((await exec(d2, dead, 'cat /workspace/f')).stdout, 'dead-data\n');
    } finally {
      await destroyAll(second.driver ?? first.driver);
      await second.driver?.close();
      await first.driver.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cleans everything up when a boot times out', async () => {
    const failing = await openTestDriver({ bootTimeoutMs: 1 });
    try {
      await assert.rejects(failing.driver.create({ limits: SMALL }), (err: unknown) => {
        assert.ok(err instanceof PaddockError && err.code === 'driver_error');
        assert.match(err.message, /failed to boot/);
        return true;
      });
      const real = String(failing.driver.describe().details.data_dir);
      assert.deepEqual(fs.readdirSync(path.join(real, 'sandboxes')), []);
      assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(real));
      assert.ok(
        !fs
          .readFileSync('/proc/self/mountinfo', 'utf8')
          .includes(String(failing.driver.describe().details.runtime_dir)),
      );
      assert.deepEqual(loopDevicesUnder(real), []);
      const cgroupRoot = String(failing.driver.describe().details.cgroup_root);
      assert.deepEqual(
        fs.existsSync(cgroupRoot)
          ? fs.readdirSync(cgroupRoot).filter((n) => n.startsWith('sb'))
          : [],
        [],
      );
      const claims = fs
        .readdirSync('/var/lib/paddock/uids')
        .filter((n) =>
          fs.readFileSync(path.join('/var/lib/paddock/uids', n), 'utf8').includes(real),
        );
      assert.deepEqual(claims, []);
    } finally {
      await failing.cleanup();
    }
  });

  it('reports the tail of the sandbox log when the sandbox dies during boot', async () => {
    // `env` stands in for a node that refuses its flags: the boot command fails at once.
    const failing = await openTestDriver({ nodePath: '/usr/bin/env' });
    try {
      await assert.rejects(failing.driver.create({ limits: SMALL }), (err: unknown) => {
        assert.ok(err instanceof PaddockError && err.code === 'driver_error');
        assert.match(err.message, /exited during boot/);
        assert.match(err.message, /--- sandbox log ---\n.*env: /s);
        return true;
      });
      assert.deepEqual(
        fs.readdirSync(path.join(String(failing.driver.describe().details.data_dir), 'sandboxes')),
        [],
      );
    } finally {
      await failing.cleanup();
    }
  });

  it('refuses to open with a clear message when bubblewrap is missing', async () => {
    await assert.rejects(openTestDriver({ bwrapPath: '/nonexistent/bwrap' }), (err: unknown) => {
      assert.ok(err instanceof PaddockError && err.code === 'driver_error');
      assert.equal(err.message, 'bubblewrap not found; install it with apt-get install bubblewrap');
      return true;
    });
  });
});
