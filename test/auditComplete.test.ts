/**
 * The audit misses nothing seed 004 names as mandatory: every sandbox transition with who and
 * why (a user's call, an idle stop), every refusal by a limit, every denied egress request (not
 * a sample), runtime errors; and none of the values planted on the way (a secret, a command's
 * text, an env value, a URL's path and query, a task's script) reaches it, neither through the
 * export nor in the bytes of the audit table's pages in the SQLite file. Real daemon, real
 * sandboxes; the denied requests never leave their sandbox (refused by name at its proxy).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { PaddockError } from '@paddock/shared';
import { AdmissionAudit } from '../packages/daemon/src/audit/admissionAudit.js';
import { AuditLog } from '../packages/daemon/src/audit/auditLog.js';
import { DenialAudit } from '../packages/daemon/src/egress/denialAudit.js';
import { openDatabase, type Db } from '../packages/daemon/src/store/database.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { waitFor } from './previewClient.js';

interface Entry {
  id: string;
  action: string;
  outcome: string;
  actor: { owner: string | null; key_id: string | null; ip: string | null };
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
}

const SECRET = 'sk-planted-secret-5b1e9c0d';
const COMMAND_MARKER = 'command-text-marker-0c7a';
const ENV_MARKER = 'env-value-marker-93d2';
const URL_MARKER = 'url-path-marker-4e61';
const TASK_MARKER = 'task-script-marker-a8f0';
const MARKERS = [SECRET, COMMAND_MARKER, ENV_MARKER, URL_MARKER, TASK_MARKER];

describe('an audit that misses nothing', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let carol: string;
  let carolKey: string;
  let stopped = false;
  let appId = '';

  const as = <T>(method: string, p: string, body?: unknown) => d.api<T>(method, p, body, carol);
  const entries = async (action: string): Promise<Entry[]> =>
    (await d.api<{ items: Entry[] }>('GET', `/v1/audit?action=${action}&limit=1000`)).body.items;
  /** Waits for an entry: denials are written in batches, a moment after they happen. */
  const entryFor = (action: string, match: (e: Entry) => boolean) =>
    waitFor(`a ${action} entry`, async () => (await entries(action)).find(match), 30_000);
  const sandbox = async (body: object = {}) => {
    const res = await as<{ id: string }>('POST', '/v1/sandboxes', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };
  const sh = async (id: string, command: string) => {
    const res = await as<{ exit_code: number }>('POST', `/v1/sandboxes/${id}/exec`, {
      command,
      timeout_ms: 30_000,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    d = await startDaemon({ dataDir });
    const key = await d.api<{ token: string; key: { id: string } }>('POST', '/v1/api-keys', {
      name: 'carol',
      owner: 'carol',
    });
    carol = key.body.token;
    carolKey = key.body.key.id;
  });
  after(async () => {
    if (!stopped) await d?.stop();
    await destroyEverything(dataDir);
  });

  it('records create, stop, start and delete by the API with the caller and reason user', async () => {
    const id = await sandbox({ env: { PLANTED: ENV_MARKER } });
    assert.equal((await sh(id, `echo ${COMMAND_MARKER}`)).exit_code, 0);
    assert.equal((await as('POST', `/v1/sandboxes/${id}/stop`, {})).status, 200);
    assert.equal((await as('POST', `/v1/sandboxes/${id}/start`, {})).status, 200);
    assert.equal((await as('DELETE', `/v1/sandboxes/${id}`)).status, 204);
    for (const action of ['sandbox.create', 'sandbox.stop', 'sandbox.start', 'sandbox.delete']) {
      const e = await entryFor(action, (x) => x.target?.id === id);
      assert.equal(e.outcome, 'ok', action);
      assert.deepEqual(e.actor, { owner: 'carol', key_id: carolKey, ip: '127.0.0.1' }, action);
      assert.equal(e.details.reason, 'user', action);
      assert.equal(e.details.owner, 'carol', action);
    }
  });

  it('records a refusal by a limit as denied, with the code and the numbers', async () => {
    const refused = await as<{ error: { code: string } }>('POST', '/v1/sandboxes', {
      limits: { memory_mb: 10_000_000 },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'limit_exceeded');
    const e = await entryFor(
      'admission.refused',
      (x) => x.details.operation === 'sandbox.create' && x.details.code === 'limit_exceeded',
    );
    assert.equal(e.outcome, 'denied');
    assert.equal(e.actor.owner, 'carol');
    assert.equal(e.details.reason, 'user');
    // Once, though the error passed both the sandbox service and the API on its way out.
    const all = await entries('admission.refused');
    assert.equal(all.filter((x) => x.details.operation === 'sandbox.create').length, 1);

    // A refusal outside create and start (a keepalive past its maximum) is one too.
    const id = await sandbox();
    const long = await as('POST', `/v1/sandboxes/${id}/keepalive`, { seconds: 10_000_000 });
    assert.equal(long.status, 400);
    await entryFor(
      'admission.refused',
      (x) => x.details.operation === 'POST /v1/sandboxes/:id/keepalive' && x.outcome === 'denied',
    );
    assert.equal((await as('DELETE', `/v1/sandboxes/${id}`)).status, 204);
  });

  it('records every denied egress request, not a sample, without its path or query', async () => {
    const id = await sandbox();
    const n = 5;
    await sh(
      id,
      `for i in $(seq ${n}); do curl -s -o /dev/null "http://audit-denied.example.test/${URL_MARKER}/$i?q=${URL_MARKER}"; done; true`,
    );
    const denied = await waitFor(
      `${n} egress denials in the audit`,
      async () => {
        const found = (await entries('egress')).filter(
          (e) => e.target?.id === id && e.details.host === 'audit-denied.example.test',
        );
        return found.length >= n ? found : undefined;
      },
      30_000,
    );
    assert.equal(denied.length, n, 'one entry per request');
    for (const e of denied) {
      assert.equal(e.outcome, 'denied');
      assert.deepEqual(e.actor, { owner: 'carol', key_id: `sandbox:${id}`, ip: null });
      assert.equal(e.details.port, 80);
      assert.equal(e.details.kind, 'destination');
      assert.equal(e.details.reason, 'not allowed');
      assert.equal(e.details.rule, null);
    }
    assert.deepEqual(await entries('egress.denials_dropped'), [], 'nothing was dropped');
  });

  it('records a task that fails as an error, without its script', async () => {
    const id = await sandbox();
    const task = await as<{ id: string }>('POST', `/v1/sandboxes/${id}/tasks`, {
      provider: 'command',
      input: { script: `echo ${TASK_MARKER}; exit 3` },
    });
    assert.equal(task.status, 202, JSON.stringify(task.body));
    const e = await entryFor('task.failed', (x) => x.details.task_id === task.body.id);
    assert.equal(e.outcome, 'failed');
    assert.equal(e.details.status, 'failed');
    assert.equal(e.details.exit_code, 3);
    assert.equal(e.actor.owner, 'carol');
  });

  it('records an idle stop with the daemon as the actor and reason idle', async () => {
    const id = await sandbox();
    assert.equal((await d.api('PATCH', '/v1/settings', { idle_stop_seconds: 2 })).status, 200);
    try {
      const e = await entryFor('sandbox.stop', (x) => x.target?.id === id);
      assert.equal(e.details.reason, 'idle');
      assert.deepEqual(e.actor, { owner: null, key_id: 'daemon', ip: null });
      assert.equal(e.details.owner, 'carol');
    } finally {
      assert.equal((await d.api('PATCH', '/v1/settings', { idle_stop_seconds: 0 })).status, 200);
    }
  });

  it("records an app's wake with the caller and reason wake", async () => {
    const app = await as<{ id: string; sandbox: { id: string } }>('POST', '/v1/apps', {
      name: 'planted',
      preset: 'static',
    });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    appId = app.body.id;
    const sb = app.body.sandbox.id;
    assert.equal((await as('POST', `/v1/sandboxes/${sb}/stop`, {})).status, 200);
    assert.equal((await as('POST', `/v1/apps/${appId}/sandbox`)).status, 200);
    const woke = await entryFor(
      'sandbox.start',
      (x) => x.target?.id === sb && x.details.reason === 'wake',
    );
    assert.deepEqual(woke.actor, { owner: 'carol', key_id: carolKey, ip: '127.0.0.1' });
  });

  it("records an app delete's removal of its sandbox with the caller and reason app_delete", async () => {
    const app = await as<{ id: string; sandbox: { id: string } }>('POST', '/v1/apps', {
      name: 'removed',
      preset: 'static',
    });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    assert.equal((await as('DELETE', `/v1/apps/${app.body.id}?purge=true`)).status, 204);
    const e = await entryFor('sandbox.delete', (x) => x.target?.id === app.body.sandbox.id);
    assert.equal(e.details.reason, 'app_delete');
    assert.equal(e.actor.key_id, carolKey);
  });

  it('keeps planted values out of the export and out of the audit table’s pages', async () => {
    const set = await as('POST', `/v1/apps/${appId}/config`, {
      key: 'PLANTED_TOKEN',
      value: SECRET,
      sensitive: true,
    });
    assert.ok(set.status < 300, JSON.stringify(set.body));
    await entryFor('config.set', (x) => x.details.key === 'PLANTED_TOKEN');

    const res = await fetch(`${d.url}/v1/audit/export`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(res.status, 200);
    const exported = await res.text();
    assert.ok(exported.includes('audit-denied.example.test'), 'the export holds the entries');
    for (const marker of MARKERS) assert.ok(!exported.includes(marker), `${marker} not exported`);

    // Stopped, the daemon's WAL is folded into the file: every entry is in the table's pages.
    await d.stop();
    stopped = true;
    const file = path.join(dataDir, 'state', 'paddock.db');
    const pages = auditPages(file);
    assert.ok(pages.includes('audit-denied.example.test'), 'the pages read are the audit’s');
    for (const marker of MARKERS) assert.ok(!pages.includes(marker), `${marker} not stored`);
  });
});

/** The raw bytes (as latin1 text) of every page of `audit_log` and its indexes. */
function auditPages(file: string): string {
  const db = new SQLite(file, { readonly: true });
  let numbers: number[];
  let pageSize: number;
  try {
    pageSize = db.pragma('page_size', { simple: true }) as number;
    const names = db
      .prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'audit_log'")
      .all()
      .map((r) => (r as { name: string }).name);
    numbers = db
      .prepare(`SELECT pageno FROM dbstat WHERE name IN (${names.map(() => '?').join(',')})`)
      .all(...names)
      .map((r) => (r as { pageno: number }).pageno);
  } finally {
    db.close();
  }
  assert.ok(numbers.length > 0);
  const bytes = fs.readFileSync(file);
  return numbers
    .map((n) => bytes.subarray((n - 1) * pageSize, n * pageSize).toString('latin1'))
    .join('');
}

describe('refusals and the egress denial queue, on a real SQLite file', () => {
  let db: Db;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-denials-'));
    db = await openDatabase(dir);
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records a refusal once, and a create that failed on the daemon’s side', async () => {
    const audit = new AuditLog(db);
    const admission = new AdmissionAudit(audit);
    const limit = new PaddockError('limit_exceeded', 'too much', {
      memory_mb: { requested: 9000, max: 4096 },
      note: 'free text is never copied',
    });
    await admission.refused(limit, 'sandbox.create');
    await admission.refused(limit, 'POST /v1/sandboxes');
    await admission.refused(new PaddockError('bad_request', 'not a refusal'), 'sandbox.create');
    await admission.refused(new PaddockError('driver_error', 'boot failed'), 'sandbox.create');
    await admission.refused(new PaddockError('driver_error', 'a start'), 'sandbox.start');
    const items = (await audit.list({ limit: 100 })).items.filter(
      (e) => e.action === 'admission.refused' || e.action === 'sandbox.create',
    );
    assert.deepEqual(items.map((e) => [e.action, e.outcome, e.details.code]).reverse(), [
      ['admission.refused', 'denied', 'limit_exceeded'],
      ['sandbox.create', 'failed', 'driver_error'],
    ]);
    const refused = items.find((e) => e.action === 'admission.refused')!;
    assert.equal(refused.details['memory_mb.requested'], 9000);
    assert.equal(refused.details['memory_mb.max'], 4096);
    assert.equal(refused.details.note, undefined);
  });

  it('writes each denial up to its bound, and one entry counting those it dropped', async () => {
    const audit = new AuditLog(db);
    const warnings: unknown[] = [];
    const queue = new DenialAudit({
      audit,
      owners: async (ids) => new Map(ids.map((id) => [id, 'dora'])),
      log: { warn: (fields: unknown) => warnings.push(fields) },
      bound: 300,
      batch: 120,
      // Long enough that the whole flood is queued before anything is written.
      everyMs: 60_000,
    });
    for (let i = 0; i < 1000; i++) {
      queue.push({
        at: new Date().toISOString(),
        sandbox_id: 'sbflood',
        host: `h${i}.example.test`,
        port: 443,
        kind: 'destination',
        reason: 'not allowed',
        rule: null,
      });
    }
    await queue.close();
    assert.deepEqual(warnings, []);
    const all = (await audit.list({ limit: 1000 })).items;
    const denied = all.filter((e) => e.action === 'egress');
    assert.equal(denied.length, 300);
    assert.ok(denied.every((e) => e.actor.owner === 'dora' && e.outcome === 'denied'));
    assert.equal(new Set(denied.map((e) => e.details.host)).size, 300, 'each its own entry');
    const dropped = all.filter((e) => e.action === 'egress.denials_dropped');
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0]!.details.count, 700);
    assert.equal(dropped[0]!.outcome, 'failed');
  });
});
