/**
 * The provenance record (issue 15): what changed an app's files, derived from what happened
 * and never declared. Tasks and agent keys' writes are recorded; the record follows the code
 * through snapshots, forks, restores, exports and imports. Read from the store, as the publish
 * route reads it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import tar from 'tar-stream';
import type { Task } from '@paddock/shared';
import { migrationProvider } from '../packages/daemon/src/store/migrations.js';
import { suiteDaemon, tempDataDir } from './harness.js';
import { waitFor } from './previewClient.js';

interface App {
  id: string;
  sandbox: { id: string };
}
interface Snapshot {
  id: string;
  status: string;
}
interface Entry {
  entry_id: string;
  kind: string;
  task_id: string | null;
  actor: string | null;
  ref: string | null;
  origin: string;
}

async function tarOf(
  entries: { header: Partial<tar.Header> & { name: string }; body?: string }[],
): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry(e.header, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The pax comment of an archive's root entry, or null. */
async function rootComment(archive: Buffer): Promise<string | null> {
  const extract = tar.extract();
  Readable.from([archive]).pipe(extract);
  let comment: string | null = null;
  for await (const entry of extract) {
    const pax = entry.header.pax as Record<string, string> | null | undefined;
    if (entry.header.name === './' && pax?.comment) comment = pax.comment;
    entry.resume();
  }
  return comment;
}

describe('provenance: what changed an app, following its code', () => {
  const d = suiteDaemon();

  const history = (subject: string): Entry[] => {
    const db = new SQLite(path.join(d.dataDir, 'state', 'paddock.db'), { readonly: true });
    try {
      return db
        .prepare(
          'select entry_id, kind, task_id, actor, ref, origin from provenance where subject = ? order by at, entry_id',
        )
        .all(subject) as Entry[];
    } finally {
      db.close();
    }
  };
  const kinds = (subject: string) => history(subject).map((e) => e.kind);
  const app = async (name: string, token?: string) => {
    const res = await d.api<App>('POST', '/v1/apps', { name, preset: 'static' }, token);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const put = (sandbox: string, file: string, body: string, token = d.token) =>
    fetch(`${d.url}/v1/sandboxes/${sandbox}/files?path=${file}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body,
    });
  const capture = async (sandbox: string, name: string) => {
    const res = await d.api<Snapshot>('POST', `/v1/sandboxes/${sandbox}/snapshots`, { name });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const exportOf = async (id: string) =>
    Buffer.from(
      await (
        await fetch(`${d.url}/v1/snapshots/${id}/export`, {
          headers: { authorization: `Bearer ${d.token}` },
        })
      ).arrayBuffer(),
    );
  const importTar = async (archive: Buffer, token = d.token) => {
    const res = await fetch(`${d.url}/v1/snapshots/import?name=imported`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' },
      body: archive,
    });
    return { status: res.status, body: (await res.json()) as Snapshot & { error?: unknown } };
  };
  const agentKey = async () =>
    (
      await d.api<{ token: string; key: { id: string } }>('POST', '/v1/api-keys', {
        name: 'agent',
        role: 'agent',
      })
    ).body;

  let changed: App;
  let taskId: string;
  let snapshotId: string;

  it('records a task of any provider on the app, and nothing for a user’s own edits', async () => {
    changed = await app('changed');
    assert.deepEqual(kinds(`app:${changed.id}`), [], 'a new app');
    assert.equal((await put(changed.sandbox.id, 'public/by-hand.txt', 'mine')).status, 200);
    const exec = await d.api('POST', `/v1/sandboxes/${changed.sandbox.id}/exec`, {
      command: 'echo hi > public/hi.txt',
    });
    assert.equal(exec.status, 200);
    assert.deepEqual(kinds(`app:${changed.id}`), [], 'a user key’s writes are the user’s');

    const started = await d.api<Task>('POST', `/v1/sandboxes/${changed.sandbox.id}/tasks`, {
      provider: 'command',
      input: { script: "sed -i 's/<h1>/<h1>Changed: /' public/index.html" },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    taskId = started.body.id;
    const done = await waitFor('the task to finish', async () => {
      const t = (await d.api<Task>('GET', `/v1/tasks/${taskId}`)).body;
      return ['queued', 'running'].includes(t.status) ? undefined : t;
    });
    assert.equal(done.status, 'succeeded', done.status_reason ?? '');
    assert.deepEqual(history(`app:${changed.id}`), [
      {
        entry_id: taskId,
        kind: 'task',
        task_id: taskId,
        actor: 'command',
        ref: null,
        origin: `app:${changed.id}`,
      },
    ]);
  });

  it('records an agent key’s writes and commands once per key, never its reads', async () => {
    const agent = await agentKey();
    const target = await app('agent-target');
    const reader = await app('agent-reader');
    const read = await fetch(
      `${d.url}/v1/sandboxes/${reader.sandbox.id}/files?path=public/index.html`,
      { headers: { authorization: `Bearer ${agent.token}` } },
    );
    assert.equal(read.status, 200);
    const listed = await d.api(
      'GET',
      `/v1/sandboxes/${reader.sandbox.id}/files/list?path=.`,
      undefined,
      agent.token,
    );
    assert.equal(listed.status, 200);
    assert.deepEqual(kinds(`app:${reader.id}`), [], 'reading changes nothing');

    assert.equal((await put(target.sandbox.id, 'public/a.txt', 'a', agent.token)).status, 200);
    const ran = await d.api(
      'POST',
      `/v1/sandboxes/${target.sandbox.id}/exec`,
      { command: 'echo b > public/b.txt' },
      agent.token,
    );
    assert.equal(ran.status, 200);
    assert.deepEqual(history(`app:${target.id}`), [
      {
        entry_id: `agent:${agent.key.id}`,
        kind: 'agent_change',
        task_id: null,
        actor: agent.key.id,
        ref: null,
        origin: `app:${target.id}`,
      },
    ]);
    // Another owner's sandbox: 404, and nothing recorded anywhere.
    const bob = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'bob agent',
      owner: 'bob',
      role: 'agent',
    });
    const denied = await put(reader.sandbox.id, 'public/x.txt', 'x', bob.body.token);
    assert.equal(denied.status, 404);
    assert.deepEqual(kinds(`app:${reader.id}`), []);
  });

  it('copies the record to a snapshot, and from it to a fork and a restored app', async () => {
    const snap = await capture(changed.sandbox.id, 'after the task');
    snapshotId = snap.id;
    assert.deepEqual(kinds(`snapshot:${snap.id}`), ['task']);

    const fork = await d.api<App>('POST', `/v1/apps/${changed.id}/fork`, {
      snapshot_id: snap.id,
      name: 'forked',
    });
    assert.equal(fork.status, 201, JSON.stringify(fork.body));
    const forked = history(`app:${fork.body.id}`);
    assert.deepEqual(
      forked.map((e) => [e.kind, e.task_id ?? e.ref, e.origin]),
      [
        ['task', taskId, `app:${changed.id}`],
        ['forked_from', snap.id, `app:${fork.body.id}`],
      ],
    );

    const untouched = await app('restored');
    const restored = await d.api('POST', `/v1/apps/${untouched.id}/restore`, {
      snapshot_id: snap.id,
      confirm: true,
    });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(kinds(`app:${untouched.id}`), ['task', 'restored_from']);
  });

  it('carries the record in an export and reads it back on import', async () => {
    const archive = await exportOf(snapshotId);
    const comment = await rootComment(archive);
    assert.ok(comment?.startsWith('paddock-snapshot-metadata/1 '), String(comment));
    const imported = await importTar(archive);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.deepEqual(kinds(`snapshot:${imported.body.id}`), ['task', 'imported']);
    const target = await app('from-import');
    const fork = await d.api<App>('POST', `/v1/apps/${target.id}/fork`, {
      snapshot_id: imported.body.id,
    });
    assert.equal(fork.status, 201, JSON.stringify(fork.body));
    assert.deepEqual(
      history(`app:${fork.body.id}`).map((e) => [e.kind, e.task_id]),
      [
        ['task', taskId],
        ['imported', null],
        ['forked_from', null],
      ],
    );
    // A sandbox made from the snapshot keeps it too (a standalone sandbox's own record).
    const standalone = await d.api<{ id: string }>('POST', '/v1/sandboxes', {
      from_snapshot: imported.body.id,
    });
    assert.equal(standalone.status, 201);
    assert.deepEqual(kinds(`sandbox:${standalone.body.id}`), ['task', 'imported', 'forked_from']);
  });

  it('imports older archives with no record, and counts an agent key’s import as its change', async () => {
    const plain = await tarOf([
      { header: { name: 'index.html', type: 'file' }, body: '<p>by hand</p>' },
    ]);
    const old = await importTar(plain);
    assert.equal(old.status, 201, JSON.stringify(old.body));
    assert.deepEqual(kinds(`snapshot:${old.body.id}`), ['imported']);

    const agent = await agentKey();
    const byAgent = await importTar(plain, agent.token);
    assert.equal(byAgent.status, 201, JSON.stringify(byAgent.body));
    assert.deepEqual(
      history(`snapshot:${byAgent.body.id}`)
        .map((e) => `${e.kind} ${e.actor}`)
        .sort(),
      [`agent_change ${agent.key.id}`, 'imported null'],
    );

    const forged = await tarOf([
      {
        header: {
          name: './',
          type: 'directory',
          pax: { comment: 'paddock-snapshot-metadata/1 {"provenance":[{"kind":"nonsense"}]}' },
        },
      },
      { header: { name: 'index.html', type: 'file' }, body: 'x' },
    ]);
    const refused = await importTar(forged);
    assert.equal(refused.status, 400);
    assert.deepEqual((refused.body.error as { code: string }).code, 'invalid_archive');
  });

  it('forgets a deleted snapshot’s record', async () => {
    const snap = await capture(changed.sandbox.id, 'to delete');
    assert.deepEqual(kinds(`snapshot:${snap.id}`), ['task']);
    assert.equal((await d.api('DELETE', `/v1/snapshots/${snap.id}`)).status, 204);
    assert.deepEqual(kinds(`snapshot:${snap.id}`), []);
  });
});

describe('provenance: the migration starts the record from the tasks already run', () => {
  it('backfills apps’, standalone sandboxes’ and snapshots’ histories', async () => {
    const dir = tempDataDir();
    const file = path.join(dir, 'paddock.db');
    const sqlite = new SQLite(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider });
      const names = Object.keys(await migrationProvider.getMigrations()).sort();
      const previous = names[names.indexOf('0013_provenance') - 1]!;
      assert.equal((await migrator.migrateTo(previous)).error, undefined);
      const now = '2026-01-02T00:00:00.000Z';
      sqlite.prepare("insert into owners (id, created_at) values ('o', ?)").run(now);
      const sandbox = sqlite.prepare(
        `insert into sandboxes (id, owner_id, status, memory_mb, pids, cpus, disk_mb, env_json,
         metadata_json, oom_kills, created_at, updated_at, app_id, preview_epoch)
         values (?, 'o', 'running', 1, 1, 1, 1, '{}', '{}', 0, ?, ?, ?, 0)`,
      );
      sandbox.run('sb1', now, now, 'app1');
      sandbox.run('sb2', now, now, null);
      const task = sqlite.prepare(
        `insert into tasks (id, owner_id, sandbox_id, provider, input_json, status, timeout_seconds,
         created_at, started_at) values (?, 'o', ?, ?, '{}', 'succeeded', 60, ?, ?)`,
      );
      task.run('task1', 'sb1', 'command', now, '2026-01-02T01:00:00.000Z');
      task.run('task2', 'sb1', 'codex', now, '2026-01-02T03:00:00.000Z');
      task.run('task3', 'sb2', 'command', now, '2026-01-02T01:00:00.000Z');
      task.run('task4', 'sb1', 'command', now, null); // never started
      sqlite
        .prepare(
          `insert into snapshots (id, owner_id, app_id, sandbox_id, name, source, status, created_at)
           values ('snp1', 'o', 'app1', 'sb1', 'n', 'capture', 'ready', '2026-01-02T02:00:00.000Z')`,
        )
        .run();
      const after = await migrator.migrateToLatest();
      assert.equal(after.error, undefined);
      const rows = sqlite
        .prepare('select subject, entry_id, kind, actor from provenance order by subject, entry_id')
        .all();
      assert.deepEqual(rows, [
        { subject: 'app:app1', entry_id: 'task1', kind: 'task', actor: 'command' },
        { subject: 'app:app1', entry_id: 'task2', kind: 'task', actor: 'codex' },
        { subject: 'sandbox:sb2', entry_id: 'task3', kind: 'task', actor: 'command' },
        { subject: 'snapshot:snp1', entry_id: 'task1', kind: 'task', actor: 'command' },
      ]);
    } finally {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
