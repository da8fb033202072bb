/**
 * Atomicity: the daemon killed with SIGKILL (a failpoint) at each step of an install and of an
 * update. After a restart the app is at exactly one whole version, nothing half-received or
 * half-extracted is left, and the next install works.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { UserspaceApp } from '@paddock/shared';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { killedAt } from './killedDaemon.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

const STEPS = ['install.staged', 'install.placed', 'install.swapped', 'userspace.recorded'];
const TOKEN = 'crash-test-admin-token';

/** Posts the package to a daemon armed to die at `step`. */
function installKilledAt(dataDir: string, step: string, bytes: Buffer): Promise<void> {
  return killedAt(dataDir, TOKEN, step, (d) => upload(d.url, d.token, bytes));
}

function assertClean(dataDir: string): void {
  const root = path.join(dataDir, 'userspace');
  assert.deepEqual(fs.readdirSync(path.join(root, 'incoming')), []);
  assert.deepEqual(fs.readdirSync(path.join(root, 'code', '.staging')), []);
}

function versionsOnDisk(dataDir: string, appId: string): string[] {
  const dir = path.join(dataDir, 'userspace', 'code', appId);
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

describe('userspace installs killed at each step', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon | undefined;
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  for (const step of STEPS) {
    it(`a first install killed at ${step} leaves no app, or the whole new one`, async () => {
      const key = generateAppKey();
      await installKilledAt(dataDir, step, (await makePackage({ key, version: 1 })).bytes);
      d = await startDaemon({ dataDir, token: TOKEN });
      assertClean(dataDir);
      const got = await d.api<UserspaceApp>('GET', `/v1/userspace-apps/${key.appId}`);
      if (step === 'userspace.recorded') {
        // Recorded: the install happened, whole.
        assert.equal(got.status, 200);
        assert.equal(got.body.version, 1);
        assert.deepEqual(versionsOnDisk(dataDir, key.appId), ['current', 'v1']);
      } else {
        assert.equal(got.status, 404);
        assert.deepEqual(versionsOnDisk(dataDir, key.appId), []);
        const retry = await upload(d.url, d.token, (await makePackage({ key, version: 1 })).bytes);
        assert.equal(retry.status, 201, JSON.stringify(retry.body));
      }
      await d.stop();
    });

    it(`an update killed at ${step} leaves the old version or the whole new one`, async () => {
      const key = generateAppKey();
      d = await startDaemon({ dataDir, token: TOKEN });
      assert.equal(
        (await upload(d.url, d.token, (await makePackage({ key, version: 1 })).bytes)).status,
        201,
      );
      await d.stop();
      await installKilledAt(dataDir, step, (await makePackage({ key, version: 2 })).bytes);
      d = await startDaemon({ dataDir, token: TOKEN });
      assertClean(dataDir);
      const app = await d.api<UserspaceApp>('GET', `/v1/userspace-apps/${key.appId}`);
      const expected = step === 'userspace.recorded' ? 2 : 1;
      assert.equal(app.body.version, expected);
      const current = path.join(dataDir, 'userspace', 'code', key.appId, 'current');
      assert.equal(fs.readlinkSync(current), `v${expected}`);
      assert.equal(
        fs.readFileSync(path.join(current, 'index.html'), 'utf8'),
        `<h1>v${expected}</h1>`,
      );
      assert.ok(!versionsOnDisk(dataDir, key.appId).includes(`v${expected + 1}`));
      if (expected === 1) {
        const retry = await upload(d.url, d.token, (await makePackage({ key, version: 2 })).bytes);
        assert.equal(retry.body.outcome, 'updated', JSON.stringify(retry.body));
      }
      await d.stop();
    });
  }
});

describe('the userspace trash', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon | undefined;
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('purges an app once its days in the trash are over, at the next sweep (a restart runs one)', async () => {
    const kept = generateAppKey();
    const expiring = generateAppKey();
    d = await startDaemon({ dataDir, token: TOKEN });
    for (const key of [kept, expiring]) {
      assert.equal(
        (await upload(d.url, d.token, (await makePackage({ key, version: 1 })).bytes)).status,
        201,
      );
    }
    assert.equal((await d.api('DELETE', `/v1/userspace-apps/${kept.appId}`)).status, 204);
    await d.api('PATCH', '/v1/settings', { userspace_trash_days: 0 });
    assert.equal((await d.api('DELETE', `/v1/userspace-apps/${expiring.appId}`)).status, 204);
    await d.stop();
    d = await startDaemon({ dataDir, token: TOKEN });
    assert.equal((await d.api('GET', `/v1/userspace-apps/${expiring.appId}`)).status, 404);
    assert.deepEqual(versionsOnDisk(dataDir, expiring.appId), []);
    const stays = await d.api<UserspaceApp>('GET', `/v1/userspace-apps/${kept.appId}`);
    assert.equal(stays.body.status, 'trashed', 'trashed with 30 days to go');
    assert.deepEqual(versionsOnDisk(dataDir, kept.appId), ['current', 'v1']);
  });
});
