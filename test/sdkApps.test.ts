// @paddock/sdk against a real daemon, from its packed tarball: apps and their preview, agent
// tasks (events in order, the result, the diff), checkpoints, snapshots (export to a stream and
// import), config and secrets, egress, processes and logs, userspace apps, and the instance.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App, Paddock as PaddockClient } from '@paddock/sdk';
import { suiteDaemon } from './harness.js';
import { openPreview, waitFor } from './previewClient.js';
import { installSdk, type InstalledSdk } from './sdkPackage.js';
import { generateAppKey, makePackage } from './userspacePackages.js';

describe('the SDK: apps, tasks, snapshots, config, egress, userspace, instance', () => {
  const d = suiteDaemon();
  let installed: InstalledSdk;
  let pd: PaddockClient;
  let app: App;

  before(async () => {
    installed = await installSdk();
    pd = new installed.sdk.Paddock({ url: d.url, token: d.token });
  });
  after(() => installed?.remove());

  it('creates an app from a preset and hands out its preview link', async () => {
    const presets = await pd.apps.presets();
    assert.ok(presets.some((p) => p.name === 'static'));
    app = await pd.apps.create({ name: 'sdk-site', preset: 'static' });
    assert.equal(app.info.preset, 'static');
    assert.equal((await pd.apps.get(app.id)).info.name, 'sdk-site');
    assert.ok((await pd.apps.list()).items.some((a) => a.id === app.id));
    const url = await app.previewUrl();
    assert.ok(url, 'a preview link');
    // The link works as a browser follows it (link → cookie → page) once the server is up.
    const page = await waitFor('the preview page', async () => {
      const { page } = await openPreview(d.url, url);
      return page.status === 200 && page;
    });
    assert.match(page.body, /<html/i);
    const renamed = await app.update({ name: 'sdk-site-2' });
    assert.equal(renamed.name, 'sdk-site-2');
  });

  it("lists the app's processes and reads and follows their logs", async () => {
    const sb = await app.sandbox();
    const processes = await sb.processes();
    assert.ok(processes.length > 0);
    const name = processes[0]!.name;
    const logs = await sb.logs(name, { tail: 100 });
    assert.equal(typeof logs.output, 'string');
    const controller = new AbortController();
    const follow = sb.followLogs(name, { signal: controller.signal });
    const first = await follow.next();
    assert.equal(first.done, false);
    assert.equal(typeof first.value, 'string');
    controller.abort();
    await follow.return(undefined);
    const restarted = await sb.restartProcess(name);
    assert.equal(restarted.name, name);
  });

  it('runs a task: its events in order, its result, its diff and its checkpoint', async () => {
    const task = await app.tasks.run({
      provider: 'command',
      script: 'echo "<h1>made by a task</h1>" > index.html; echo working',
    });
    const kinds: string[] = [];
    const statuses: string[] = [];
    let log = '';
    for await (const event of task.events()) {
      kinds.push(event.event);
      if (event.event === 'status') statuses.push(event.data.status);
      if (event.event === 'log') log += event.data.text;
    }
    assert.equal(kinds.at(-1), 'result', 'the result comes last');
    assert.ok(kinds.indexOf('log') < kinds.indexOf('result'));
    assert.ok(
      !statuses.includes('queued') || statuses.indexOf('queued') < statuses.indexOf('running'),
    );
    assert.match(log, /working/);
    const done = await task.result;
    assert.equal(done.status, 'succeeded');
    assert.match(await task.diff(), /made by a task/);
    assert.ok((await app.tasks.list()).some((t) => t.id === task.id));
    assert.equal((await pd.tasks.get(task.id)).task.status, 'succeeded');

    const { items } = await app.checkpoints();
    const checkpoint = items.find((c) => c.task_id === task.id);
    assert.ok(checkpoint, 'the task left a checkpoint');
    const restored = await app.restoreCheckpoint(items.at(-1)!.sha);
    assert.ok(restored.checkpoint);
    const fork = await app.forkCheckpoint(checkpoint.sha, { name: 'sdk-cp-fork' });
    assert.notEqual(fork.id, app.id);
    await fork.delete({ purge: true });

    const slow = await app.tasks.run({ provider: 'command', script: 'sleep 60' });
    const canceled = await slow.cancel();
    assert.ok(['canceled', 'running'].includes(canceled.status));
    assert.equal((await slow.result).status, 'canceled');
  });

  it('captures, exports, imports, restores and forks snapshots', async () => {
    const snap = await app.snapshot('sdk-snap');
    assert.equal(snap.status, 'ready');
    assert.equal((await pd.snapshots.get(snap.id)).name, 'sdk-snap');
    assert.ok((await app.snapshots()).items.some((s) => s.id === snap.id));
    const copy = await pd.snapshots.import(await pd.snapshots.export(snap.id), { name: 'copy' });
    assert.equal(copy.files, snap.files);
    const restored = await app.restore(copy.id);
    assert.equal(restored.snapshot_id, copy.id);
    const fork = await app.fork(snap.id, { name: 'sdk-fork' });
    assert.equal(fork.info.preset, 'static');
    await fork.delete({ purge: true });
    await pd.snapshots.delete(copy.id);
    await assert.rejects(pd.snapshots.get(copy.id), { code: 'not_found' });
    const sb = await app.sandbox();
    const direct = await sb.snapshot('from-sandbox');
    assert.equal(direct.sandbox_id, sb.id);
  });

  it('sets config and secrets without ever reading a secret back', async () => {
    const plain = await app.config.set({ key: 'GREETING', value: 'hello' });
    assert.equal(plain.value, 'hello');
    const secret = await app.config.setSecret('SDK_TOKEN', 'sekrit-value-1');
    assert.equal(secret.value_set, true);
    const replaced = await app.config.setSecret('SDK_TOKEN', 'sekrit-value-2');
    assert.equal(replaced.value_set, true);
    const changed = await app.config.update('GREETING', { value: 'hi' });
    assert.equal(changed.value, 'hi');
    const all = await app.config.list();
    assert.doesNotMatch(JSON.stringify(all), /sekrit/);
    await app.config.delete('GREETING');
    assert.deepEqual(
      (await app.config.list()).map((e) => e.key),
      ['SDK_TOKEN'],
    );
  });

  it("edits an app's and a sandbox's egress lists", async () => {
    const allowed = await app.egress.allow(['example.test', 'api.example.test']);
    assert.deepEqual(allowed.allow.sort(), ['api.example.test', 'example.test']);
    const denied = await app.egress.deny(['api.example.test']);
    assert.deepEqual(denied.allow, ['example.test']);
    assert.deepEqual(denied.deny, ['api.example.test']);
    assert.deepEqual((await app.egress.get()).deny, ['api.example.test']);
    assert.ok(Array.isArray((await app.egress.denials()).items));
    // A sandbox of its own has its own lists (an app's sandbox follows the app's).
    const sb = await pd.sandboxes.create();
    const own = await sb.egress.set({ allow: ['sandbox.example.test'], deny: [] });
    assert.deepEqual(own.allow, ['sandbox.example.test']);
    await assert.rejects((await app.sandbox()).egress.set({ allow: [], deny: [] }), {
      code: 'conflict',
    });
    await sb.delete();
  });

  it("reads the app's events and downloads its workspace", async () => {
    const events = await app.events({ limit: 20 });
    assert.ok(events.items.length > 0);
    const archive = await app.download({ format: 'tar.gz' });
    const bytes = new Uint8Array(await new Response(archive).arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'a gzip stream');
    const woke = await app.wake();
    assert.equal(woke.sandbox?.status, 'running');

    // The download is a project archive another app can be imported from, held for review.
    const imported = await pd.apps.import(await app.download({ format: 'tar.gz' }), {
      name: 'sdk-imported',
      review: true,
      contentType: 'application/gzip',
    });
    assert.equal(imported.info.import?.state, 'review');
    const confirmed = await imported.confirmImport();
    assert.equal(confirmed.import?.state, 'started');
    await imported.delete({ purge: true });

    // Without a remote, push and pull are refused with the API's code, not a crash.
    await assert.rejects(app.gitPush({ branch: 'main' }), (err: Error & { status?: number }) => {
      assert.ok(err instanceof installed.sdk.PaddockError);
      return err.status === 400 || err.status === 409;
    });
    await assert.rejects(app.gitPull({ branch: 'main' }), (err: Error & { status?: number }) => {
      assert.ok(err instanceof installed.sdk.PaddockError);
      return err.status === 400 || err.status === 409;
    });
  });

  it('installs, lists, reads and uninstalls a userspace app', async () => {
    const key = generateAppKey();
    const pkg = await makePackage({ key, version: 1 });
    const result = await pd.userspace.install(pkg.bytes);
    assert.equal(result.app.id, key.appId);
    // An update asking for more than was granted waits for consent.
    const more = await makePackage({ key, version: 2, permissions: ['app.kv', 'app.notify'] });
    assert.equal((await pd.userspace.install(more.bytes)).outcome, 'pending_consent');
    const consented = await pd.userspace.consent(key.appId, { version: 2 });
    assert.equal(consented.version, 2);
    assert.deepEqual(consented.granted, ['app.notify']);
    const back = await pd.userspace.rollback(key.appId, {});
    assert.equal(back.version, 1);
    assert.ok((await pd.userspace.list()).items.some((a) => a.id === key.appId));
    assert.equal((await pd.userspace.get(key.appId)).id, key.appId);
    const permissions = await pd.userspace.permissions(key.appId);
    assert.ok(permissions.required.includes('app.kv'));
    assert.equal((await pd.userspace.disable(key.appId)).status, 'disabled');
    assert.equal((await pd.userspace.enable(key.appId)).status, 'active');
    await pd.userspace.uninstall(key.appId);
    // Already rolled back: nothing to return to.
    await assert.rejects(pd.userspace.rollback(key.appId, {}), { code: 'conflict', status: 409 });
  });

  it('reads the instance: info, who I am, settings, keys and the audit log', async () => {
    const info = await pd.instance.info();
    assert.ok(info.version);
    const me = await pd.instance.whoami();
    assert.equal(me.admin, true);
    const settings = await pd.instance.settings();
    const updated = await pd.instance.updateSettings({
      idle_stop_seconds: settings.idle_stop_seconds + 1,
    });
    assert.equal(updated.idle_stop_seconds, settings.idle_stop_seconds + 1);
    const key = await pd.instance.createApiKey({ name: 'sdk-agent', role: 'agent' });
    assert.ok(key.token);
    const asAgent = new installed.sdk.Paddock({ url: d.url, token: key.token });
    assert.equal((await asAgent.instance.whoami()).admin, false);
    assert.ok((await pd.instance.apiKeys()).some((k) => k.id === key.key.id));
    await pd.instance.revokeApiKey(key.key.id);
    await assert.rejects(asAgent.instance.whoami(), { code: 'unauthorized' });
    const audit = await pd.instance.audit({ action: 'api_key.*', limit: 10 });
    assert.ok(audit.items.some((e) => e.action === 'api_key.revoked'));
  });

  it('reaches any route through the typed transport, and deletes the app', async () => {
    const { ROUTES } = installed.sdk;
    const presets = await pd.transport.call(ROUTES.presets.list, {});
    assert.ok(presets.items.length > 0);
    await app.delete({ purge: true });
    await assert.rejects(pd.apps.get(app.id), { code: 'not_found' });
  });
});
