/**
 * The crash matrix (issue 20) for a userspace app's rollback, uninstall and purge: the daemon
 * killed with SIGKILL (a failpoint) at each step, then started again on the same data dir. A
 * rollback leaves the app on the old version or the new one, each with its own data, and it
 * launches; an uninstall leaves it installed or in the trash, whole; a purge leaves it in the
 * trash whole or gone whole (no file, row or data of it left).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { AppDataUsage, UserspaceApp } from '@paddock/shared';
import { brokerCall } from './brokerClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { killedAt } from './killedDaemon.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

const TOKEN = 'lifecycle-crash-admin-token';
type AppKey = ReturnType<typeof generateAppKey>;

async function install(d: TestDaemon, key: AppKey, version: number): Promise<void> {
  const permissions = ['app.kv', 'app.files'];
  const res = await upload(
    d.url,
    d.token,
    (await makePackage({ key, version, permissions })).bytes,
  );
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
}

/** Opens a window of the app (the launch route) and makes one broker call in it. */
async function inWindow(d: TestDaemon, key: AppKey, method: string, params: unknown) {
  const launch = await d.api<{ app_session: string }>(
    'POST',
    `/v1/userspace-apps/${key.appId}/launch`,
  );
  assert.equal(launch.status, 200, JSON.stringify(launch.body));
  const res = await brokerCall(
    d.url,
    { token: d.token, session: launch.body.app_session },
    method,
    params,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.result;
}

const kvOf = async (d: TestDaemon, key: AppKey) =>
  ((await inWindow(d, key, 'app.kv.get', { key: 'note' })) as { value: unknown }).value;

/** The app's code on disk: `current` names `version`, whose files are whole. */
function assertCodeAt(dataDir: string, key: AppKey, version: number): void {
  const current = path.join(dataDir, 'userspace', 'code', key.appId, 'current');
  assert.equal(fs.readlinkSync(current), `v${version}`);
  assert.equal(fs.readFileSync(path.join(current, 'index.html'), 'utf8'), `<h1>v${version}</h1>`);
}

/** What of the app is left under `userspace/` (code, packages, data, data snapshots). */
function leftOnDisk(dataDir: string, key: AppKey): string[] {
  return ['code', 'packages', 'data', 'data-snapshots']
    .map((dir) => path.join(dataDir, 'userspace', dir, key.appId))
    .filter((p) => fs.existsSync(p));
}

describe('userspace rollback, uninstall and purge killed at each step', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon | undefined;
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });
  const restart = async () => {
    await d?.stop(); // a failed cell's, left running
    d = await startDaemon({ dataDir, token: TOKEN });
    return d;
  };

  const rollbackSteps = [
    ['userspace.rollback.pointed', 2],
    ['userspace.rollback.restored', 2],
    ['userspace.rollback.recorded', 1],
  ] as const;
  for (const [step, expected] of rollbackSteps) {
    it(`a rollback killed at ${step} leaves version ${expected}, whole, with its own data`, async () => {
      const key = generateAppKey();
      const prep = await restart();
      await install(prep, key, 1);
      await inWindow(prep, key, 'app.kv.set', { key: 'note', value: 'written by v1' });
      await install(prep, key, 2); // copies v1's data aside
      await inWindow(prep, key, 'app.kv.set', { key: 'note', value: 'written by v2' });
      await prep.stop();
      await killedAt(dataDir, TOKEN, step, (k) =>
        k.api('POST', `/v1/userspace-apps/${key.appId}/rollback`, { restore_data: true }),
      );
      const after = await restart();
      const app = await after.api<UserspaceApp>('GET', `/v1/userspace-apps/${key.appId}`);
      assert.equal(app.body.version, expected);
      assert.equal(app.body.status, 'active');
      assertCodeAt(dataDir, key, expected);
      assert.equal(await kvOf(after, key), `written by v${expected}`);
      if (expected === 2) {
        // Not rolled back: asking again does it, whole.
        const again = await after.api<UserspaceApp>(
          'POST',
          `/v1/userspace-apps/${key.appId}/rollback`,
          { restore_data: true },
        );
        assert.equal(again.body.version, 1, JSON.stringify(again.body));
        assertCodeAt(dataDir, key, 1);
        assert.equal(await kvOf(after, key), 'written by v1');
      }
      await after.stop();
    });
  }

  const uninstallSteps = [
    ['userspace.uninstall.stopped', 'active'],
    ['userspace.uninstall.recorded', 'trashed'],
  ] as const;
  for (const [step, expected] of uninstallSteps) {
    it(`an uninstall killed at ${step} leaves the app ${expected}, whole`, async () => {
      const key = generateAppKey();
      const prep = await restart();
      await install(prep, key, 1);
      await inWindow(prep, key, 'app.kv.set', { key: 'note', value: 'kept' });
      await prep.stop();
      await killedAt(dataDir, TOKEN, step, (k) =>
        k.api('DELETE', `/v1/userspace-apps/${key.appId}`),
      );
      const after = await restart();
      const app = await after.api<UserspaceApp>('GET', `/v1/userspace-apps/${key.appId}`);
      assert.equal(app.body.status, expected);
      assertCodeAt(dataDir, key, 1);
      if (expected === 'trashed') {
        const launch = await after.api('POST', `/v1/userspace-apps/${key.appId}/launch`);
        assert.equal(launch.status, 409, 'a trashed app does not launch');
        const restored = await after.api('POST', `/v1/userspace-apps/${key.appId}/restore`, {});
        assert.equal(restored.status, 200, JSON.stringify(restored.body));
      }
      assert.equal(await kvOf(after, key), 'kept', 'its data is whole');
      await after.stop();
    });
  }

  for (const step of [
    'userspace.purge.marked',
    'userspace.purge.data_removed',
    'userspace.purge.files_removed',
  ]) {
    it(`a purge killed at ${step} leaves the app gone, whole`, async () => {
      const key = generateAppKey();
      const prep = await restart();
      await install(prep, key, 1);
      await inWindow(prep, key, 'app.kv.set', { key: 'note', value: 'to be purged' });
      await inWindow(prep, key, 'app.files.write', {
        path: 'a.txt',
        content_base64: Buffer.from('purged too').toString('base64'),
      });
      await install(prep, key, 2); // a data snapshot too
      assert.equal((await prep.api('DELETE', `/v1/userspace-apps/${key.appId}`)).status, 204);
      await prep.stop();
      await killedAt(dataDir, TOKEN, step, (k) =>
        k.api('DELETE', `/v1/userspace-apps/${key.appId}?purge=true&confirm=true`),
      );
      const after = await restart();
      const app = await after.api('GET', `/v1/userspace-apps/${key.appId}`);
      assert.equal(app.status, 404, 'the purge was finished at the start');
      assert.deepEqual(leftOnDisk(dataDir, key), []);
      // Installed again, the app starts with no data: none of its rows outlived it.
      await install(after, key, 1);
      const usage = await after.api<AppDataUsage>('GET', `/v1/userspace-apps/${key.appId}/usage`);
      assert.equal(usage.body.used_bytes, 0, JSON.stringify(usage.body));
      assert.equal(await kvOf(after, key), null);
      await after.stop();
    });
  }
});
