/** Integration: the warm pool hands out pre-booted sandboxes and refills in the background. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '@paddock/shared';
import type { LocalDriver } from '../src/index.js';
import { destroyAll, exec, openTestDriver, readState, waitFor } from './helpers.js';

const poolReady = (driver: LocalDriver) => Number(driver.describe().details.warm_pool_ready);

describe('warm pool', () => {
  it('hands out a pre-booted sandbox, refills, and keeps claimed sandboxes at close', async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-pool-'));
    const { driver } = await openTestDriver({ dataDir, warmPoolSize: 1 });
    t.after(async () => {
      await destroyAll(driver);
      await driver.close(); // again: now that nothing runs, the cgroup parent and runtime dir go too
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    await waitFor(() => poolReady(driver) === 1, 30_000, 'the pool to fill');
    assert.deepEqual(await driver.list(), [], 'pool members are not listed');

    const limits = { ...DEFAULT_LIMITS, memory_mb: 512, pids: 200 };
    const claimed = await driver.create({ limits });
    assert.equal(claimed.pooled, true);
    const state = readState(dataDir, claimed.id);
    assert.equal(state.pooled, true);
    assert.equal(state.claimed, true);
    const cgroupRoot = String(driver.describe().details.cgroup_root);
    if (driver.describe().cgroup === 'v1') {
      const limitFile = path.join(cgroupRoot, claimed.id, 'memory.limit_in_bytes');
      assert.equal(fs.readFileSync(limitFile, 'utf8').trim(), String(512 * 1024 * 1024));
    }
    assert.equal((await exec(driver, claimed.id, 'echo pooled-ok')).stdout.trim(), 'pooled-ok');
    assert.deepEqual(
      (await driver.list()).map((s) => s.id),
      [claimed.id],
    );

    await waitFor(() => poolReady(driver) === 1, 30_000, 'the pool to refill');
    const cold = await driver.create({ limits: { ...DEFAULT_LIMITS, disk_mb: 64 } });
    assert.equal(cold.pooled, false, 'another disk size is a cold boot');
    assert.equal(poolReady(driver), 1);

    const sandboxes = path.join(fs.realpathSync(dataDir), 'sandboxes');
    const member = fs.readdirSync(sandboxes).find((id) => id !== claimed.id && id !== cold.id)!;
    assert.ok(member !== undefined);
    await driver.close();
    assert.ok(!fs.existsSync(path.join(sandboxes, member)), 'the unclaimed member was destroyed');
    assert.equal(
      (await driver.inspect(claimed.id)).state,
      'running',
      'claimed sandboxes keep running',
    );
    assert.equal((await driver.inspect(cold.id)).state, 'running');
  });

  it('destroys stale pool members left by a previous run', async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-pool-stale-'));
    const first = await openTestDriver({ dataDir, warmPoolSize: 1 });
    await waitFor(() => poolReady(first.driver) === 1, 30_000, 'the pool to fill');
    const sandboxes = path.join(fs.realpathSync(dataDir), 'sandboxes');
    const [member] = fs.readdirSync(sandboxes);
    assert.ok(member !== undefined);

    // The first daemon goes away without closing its pool.
    const second = await openTestDriver({ dataDir });
    t.after(() => second.cleanup());
    assert.ok(!fs.existsSync(path.join(sandboxes, member)), 'the stale member was destroyed');
    assert.equal((await second.driver.inspect(member)).state, 'missing');
  });

  it('keeps a pool per mount set: the second create with the same mounts is a claim', async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-pool-mounts-'));
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-cache-'));
    fs.chmodSync(cache, 0o755);
    fs.writeFileSync(path.join(cache, 'dep.js'), 'shared\n', { mode: 0o644 });
    const { driver } = await openTestDriver({ dataDir, warmPoolSize: 1 });
    t.after(async () => {
      await destroyAll(driver);
      await driver.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    });
    const mounts = [{ source: cache, name: 'node_modules' }];

    const first = await driver.create({ limits: DEFAULT_LIMITS, mounts });
    assert.equal(first.pooled, false, 'the first create of a mount set boots cold');
    assert.equal((await exec(driver, first.id, 'cat node_modules/dep.js')).stdout, 'shared\n');
    const write = await exec(driver, first.id, 'echo x > node_modules/new.js');
    assert.notEqual(write.exit_code, 0, 'the mount is read-only');

    await waitFor(() => poolReady(driver) === 2, 60_000, 'the plain and the mount-set pool');
    const second = await driver.create({ limits: DEFAULT_LIMITS, mounts });
    assert.equal(second.pooled, true, 'the second is a claim');
    assert.equal((await exec(driver, second.id, 'cat node_modules/dep.js')).stdout, 'shared\n');
    const plain = await driver.create({ limits: DEFAULT_LIMITS });
    assert.equal(plain.pooled, true);
    const ls = await exec(driver, plain.id, 'ls -A');
    assert.doesNotMatch(ls.stdout, /node_modules/, 'a plain member has no mount');
  });
});
