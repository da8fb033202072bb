import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../packages/daemon/src/audit/auditLog.js';
import { AuditRetention } from '../packages/daemon/src/audit/auditRetention.js';
import { SettingsStore } from '../packages/daemon/src/settings/settingsStore.js';
import { openDatabase, type Db } from '../packages/daemon/src/store/database.js';
import { call, destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

interface Entry {
  id: string;
  action: string;
  outcome: string;
  actor: { owner: string | null; key_id: string | null };
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
}
interface Page {
  items: Entry[];
  next_cursor: string | null;
}

const SECRET = 'sk-audit-must-not-appear-7f3a';
const COMMAND = 'echo only-the-hash-of-this-command';

describe('the audit log', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let bob: string;
  let bobKey: string;

  before(async () => {
    d = await startDaemon({ dataDir });
    await call(d.url, 'not-a-valid-token-at-all', 'GET', '/v1/sandboxes');
    const key = await d.api<{ token: string; key: { id: string } }>('POST', '/v1/api-keys', {
      name: 'bob',
      owner: 'bob',
    });
    bob = key.body.token;
    bobKey = key.body.key.id;
    await d.api('POST', '/v1/session', { token: bob });
    await d.api('POST', '/v1/session', { token: 'wrong-token-for-sign-in' });
    const app = (
      await d.api<{ id: string; sandbox: { id: string } }>(
        'POST',
        '/v1/apps',
        { name: 'audited', preset: 'static' },
        bob,
      )
    ).body;
    await d.api(
      'POST',
      `/v1/apps/${app.id}/config`,
      { key: 'API_TOKEN', value: SECRET, sensitive: true },
      bob,
    );
    await d.api('POST', `/v1/sandboxes/${app.sandbox.id}/exec`, { command: COMMAND }, bob);
    await d.api('PATCH', '/v1/settings', { audit_retention_days: 30 });
    const snap = await d.api<{ id: string }>(
      'POST',
      `/v1/sandboxes/${app.sandbox.id}/snapshots`,
      { name: 's' },
      bob,
    );
    await d.api(
      'POST',
      `/v1/apps/${app.id}/restore`,
      { snapshot_id: snap.body.id, confirm: true },
      bob,
    );
    await d.api('POST', `/v1/apps/${app.id}/fork`, { snapshot_id: snap.body.id }, bob);
    await d.api('POST', '/v1/system/secrets/rotate', {});
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('records sensitive actions with who and what, never values', async () => {
    const page = await d.api<Page>('GET', '/v1/audit?limit=1000');
    assert.equal(page.status, 200);
    const actions = new Set(page.body.items.map((e) => e.action));
    for (const a of [
      'auth.failed',
      'auth.login',
      'auth.key_used',
      'api_key.created',
      'config.set',
      'exec',
      'settings.changed',
      'snapshot.restore',
      'snapshot.fork',
      'secrets.key_rotated',
    ]) {
      assert.ok(actions.has(a), `${a} is recorded`);
    }
    const logins = page.body.items.filter((e) => e.action === 'auth.login');
    assert.deepEqual(logins.map((e) => e.outcome).sort(), ['denied', 'ok']);
    const config = page.body.items.find((e) => e.action === 'config.set')!;
    assert.deepEqual(config.actor, { owner: 'bob', key_id: bobKey, ip: '127.0.0.1' });
    assert.equal(config.details.key, 'API_TOKEN');
    const exec = page.body.items.find((e) => e.action === 'exec')!;
    assert.match(String(exec.details.command_hmac), /^[0-9a-f]{64}$/);
    assert.equal(exec.details.exit_code, 0);
    const everything = JSON.stringify(page.body);
    assert.ok(!everything.includes(SECRET), 'no secret value');
    assert.ok(!everything.includes('only-the-hash-of-this-command'), 'no command text');
  });

  it('filters, pages and exports as JSON lines; only admins read it', async () => {
    const configOnly = await d.api<Page>('GET', '/v1/audit?action=config.*');
    assert.ok(configOnly.body.items.length > 0);
    assert.ok(configOnly.body.items.every((e) => e.action.startsWith('config.')));
    const denied = await d.api<Page>('GET', '/v1/audit?outcome=denied');
    assert.ok(denied.body.items.length > 0);
    assert.ok(denied.body.items.every((e) => e.outcome === 'denied'));
    const badOutcome = await d.api<{ error: { code: string } }>('GET', '/v1/audit?outcome=maybe');
    assert.equal(badOutcome.status, 400);
    const bobs = await d.api<Page>('GET', '/v1/audit?owner=bob');
    assert.ok(bobs.body.items.every((e) => e.actor.owner === 'bob'));
    const first = await d.api<Page>('GET', '/v1/audit?limit=2');
    const second = await d.api<Page>(`GET`, `/v1/audit?limit=2&cursor=${first.body.next_cursor}`);
    assert.equal(second.body.items.length, 2);
    assert.ok(second.body.items[0]!.id < first.body.items[1]!.id, 'newest first, no overlap');

    const res = await fetch(`${d.url}/v1/audit/export`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Entry);
    const all = await d.api<Page>('GET', '/v1/audit?limit=1000');
    assert.equal(lines.length, all.body.items.length);
    assert.deepEqual(
      lines.map((e) => e.id),
      all.body.items.map((e) => e.id).reverse(),
    );
    assert.equal((await d.api('GET', '/v1/audit', undefined, bob)).status, 403);
    assert.equal((await d.api('GET', '/v1/audit/export', undefined, bob)).status, 403);
  });
});

describe('audit retention', () => {
  let db: Db;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-audit-'));
    db = await openDatabase(dir);
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('removes only entries older than the retention setting', async () => {
    const audit = new AuditLog(db);
    const settings = new SettingsStore(db);
    await settings.load();
    await settings.update({ audit_retention_days: 2 });
    await audit.record({ actor: { owner: 'a', keyId: 'k' }, action: 'exec' });
    await audit.record({ actor: { owner: 'a', keyId: 'k' }, action: 'config.set' });
    const retention = new AuditRetention(audit, settings, {
      info: () => undefined,
      error: () => undefined,
    } as never);
    assert.equal(await retention.prune(Date.now() + 86_400_000), 0, 'one day later: kept');
    assert.equal(await retention.prune(Date.now() + 3 * 86_400_000), 2, 'three days: gone');
    assert.equal((await audit.list({})).items.length, 0);
  });
});
