/**
 * An upgrade in place (issue 20): the version before the newest migration (built from this
 * clone's history, see olderBuild.ts) runs an app, then stops with SIGTERM; this version starts
 * over the same data dir, runs the migrations and adopts what the older one left running. What
 * a person had must still work without a restart: the sandbox (same boot), its preview (with the
 * cookie the older version set), a background command and its output, exec through the older
 * guest agent, sealed config, a snapshot taken by the older version.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import type { ExecResult } from '@paddock/shared';
import { migrationProvider } from '../packages/daemon/src/store/migrations.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { olderBuild, type OlderBuild } from './olderBuild.js';
import { openPreview, previewGet, waitFor } from './previewClient.js';

const TOKEN = 'upgrade-in-place-admin-token';

interface App {
  id: string;
  sandbox: {
    id: string;
    status: string;
    started_at: string;
    preview: { url: string | null; status: string };
  } | null;
}

function migrationsApplied(dataDir: string): string[] {
  const db = new SQLite(path.join(dataDir, 'state', 'paddock.db'), { readonly: true });
  try {
    const rows = db.prepare('select name from kysely_migration order by name').all();
    return (rows as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

const readyApp = (d: TestDaemon, id: string) =>
  waitFor(`app ${id} preview ready`, async () => {
    const app = await d.api<App>('GET', `/v1/apps/${id}`);
    return app.body.sandbox?.preview.status === 'ready' ? app.body : undefined;
  });

const exec = async (d: TestDaemon, id: string, command: string): Promise<ExecResult> => {
  const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${id}/exec`, { command });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};

describe('upgrade in place: the version before the newest migration, then this one', () => {
  const dataDir = tempDataDir();
  let older: OlderBuild | undefined;
  after(async () => {
    await destroyEverything(dataDir);
    if (older) fs.rmSync(older.dir, { recursive: true, force: true });
  });

  it('keeps the running sandbox, its preview, commands, config and snapshots', async () => {
    older = olderBuild();
    const old = await startDaemon({ dataDir, token: TOKEN, cli: older.cli });
    let app: App;
    let cookie: string;
    let snapshotId: string;
    let commandId: string;
    try {
      const made = await old.api<App>('POST', '/v1/apps', { name: 'kept', preset: 'static' });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      app = await readyApp(old, made.body.id);
      ({ cookie } = await openPreview(old.url, app.sandbox!.preview.url!));
      const secret = await old.api('POST', `/v1/apps/${app.id}/config`, {
        key: 'API_TOKEN',
        value: 'upgrade-secret-value',
        sensitive: true,
      });
      assert.equal(secret.status, 201, JSON.stringify(secret.body));
      await exec(old, app.sandbox!.id, 'echo before > state.txt');
      const snap = await old.api<{ id: string }>(
        'POST',
        `/v1/sandboxes/${app.sandbox!.id}/snapshots`,
        { name: 'before the upgrade' },
      );
      assert.equal(snap.status, 201, JSON.stringify(snap.body));
      snapshotId = snap.body.id;
      await exec(old, app.sandbox!.id, 'echo after > state.txt');
      const bg = await old.api<{ id: string }>('POST', `/v1/sandboxes/${app.sandbox!.id}/exec`, {
        command: 'echo from-the-older-version; sleep 600',
        background: true,
      });
      assert.equal(bg.status, 201, JSON.stringify(bg.body));
      commandId = bg.body.id;
    } finally {
      assert.equal(await old.stop(), 0, 'the older version stopped cleanly');
    }
    const known = Object.keys(await migrationProvider.getMigrations()).sort();
    const before = migrationsApplied(dataDir);
    assert.ok(before.length < known.length, `the older version is older: ${before.at(-1)}`);

    const d = await startDaemon({ dataDir, token: TOKEN });
    try {
      assert.deepEqual(migrationsApplied(dataDir), known, 'every migration ran over the data');
      const id = app.sandbox!.id;
      const seen = await d.api<App>('GET', `/v1/apps/${app.id}`);
      assert.equal(seen.body.sandbox?.status, 'running');
      assert.equal(seen.body.sandbox?.started_at, app.sandbox!.started_at, 'the same boot');

      // The preview, through this version's proxy, with the cookie the older one set.
      const url = new URL(seen.body.sandbox!.preview.url!);
      url.search = '';
      const page = await previewGet(d.url, url.toString(), { cookie });
      assert.equal(page.status, 200, page.body);

      // The older guest agent answers this daemon; the background command ran on throughout.
      assert.equal((await exec(d, id, 'cat state.txt')).stdout, 'after\n');
      const cmd = `/v1/sandboxes/${id}/commands/${commandId}`;
      const out = await d.api<{ stdout: string; status: string }>('GET', `${cmd}/output`);
      assert.match(out.body.stdout, /from-the-older-version/);
      const listed = await d.api<{ items: { id: string; status: string }[] }>(
        'GET',
        `/v1/sandboxes/${id}/commands`,
      );
      assert.equal(listed.body.items.find((c) => c.id === commandId)?.status, 'running');
      assert.equal((await d.api<{ status: string }>('DELETE', cmd)).body.status, 'exited');

      // Sealed config opens; the older version's snapshot restores through this one.
      const secrets = await d.api<{ sealed: number; readable: number }>(
        'GET',
        '/v1/system/secrets',
      );
      assert.deepEqual([secrets.body.sealed, secrets.body.readable], [1, 1]);
      const restored = await d.api('POST', `/v1/apps/${app.id}/restore`, {
        snapshot_id: snapshotId,
        confirm: true,
      });
      assert.equal(restored.status, 200, JSON.stringify(restored.body));
      assert.equal((await exec(d, id, 'cat state.txt')).stdout, 'before\n');
      // The restore restarted the sandbox: it now runs this version's agent, and a new app works.
      const fresh = await d.api<App>('POST', '/v1/apps', { name: 'new', preset: 'static' });
      assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
      for (const a of [app.id, fresh.body.id]) {
        assert.equal((await d.api('DELETE', `/v1/apps/${a}?purge=true`)).status, 204);
      }
    } finally {
      await d.stop();
    }
  });
});
