import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Task } from '@paddock/shared';
import SQLite from 'better-sqlite3';
import { suiteDaemon } from './harness.js';
import { openPreview, waitFor } from './previewClient.js';

interface Err {
  error: { code: string };
}
interface App {
  id: string;
  sandbox: { id: string; preview: { url: string } };
}
interface Proc {
  name: string;
  restarts: number;
}

const MANIFEST = `version: 1
web:
  command: node --watch server.js
  port: 3000
  health_path: /healthz
workers:
  - name: ticker
    command: node -e "setInterval(() => {}, 1000)"
    restart_after_task: true
`;

describe('agent tasks', () => {
  const d = suiteDaemon();
  let app: App;
  let sb: string;

  const task = (body: unknown) => d.api<Task>('POST', `/v1/sandboxes/${sb}/tasks`, body);
  const finished = (id: string) =>
    waitFor(
      `task ${id} to finish`,
      async () => {
        const t = (await d.api<Task>('GET', `/v1/tasks/${id}`)).body;
        return ['queued', 'running'].includes(t.status) ? undefined : t;
      },
      120_000,
    );
  const exec = async (command: string) =>
    (
      await d.api<{ stdout: string; exit_code: number }>('POST', `/v1/sandboxes/${sb}/exec`, {
        command,
      })
    ).body;
  const stream = async (id: string): Promise<string> =>
    (
      await fetch(`${d.url}/v1/tasks/${id}/stream`, {
        headers: { authorization: `Bearer ${d.token}` },
      })
    ).text();

  it('runs a command task: checkpoint, diff, build, restarts, health and the preview serving it', async () => {
    app = (await d.api<App>('POST', '/v1/apps', { name: 'shop', preset: 'node-express' })).body;
    sb = app.sandbox.id;
    const put = await fetch(`${d.url}/v1/sandboxes/${sb}/files?path=sandbox.yaml`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: MANIFEST,
    });
    assert.equal(put.status, 200);
    const ticker = await waitFor('the ticker worker', async () => {
      const list = await d.api<{ items: Proc[] }>('GET', `/v1/sandboxes/${sb}/processes`);
      return list.body.items.find((p) => p.name === 'ticker');
    });

    const started = await task({
      provider: 'command',
      input: {
        script:
          "echo editing; sed -i 's/Hello from Express/Hello from a task/' server.js && printf 'notes\\n' > NOTES.md",
      },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const done = await finished(started.body.id);
    assert.equal(done.status, 'succeeded', done.status_reason ?? '');
    const r = done.result!;
    assert.equal(r.exit_code, 0);
    assert.equal(r.build_status, 'passed', 'node --check server.js');
    assert.equal(r.app_healthy, true);
    assert.equal(r.preview_ok, true);
    assert.match(r.checkpoint ?? '', /^[0-9a-f]{40}$/);
    const server = r.files_changed.find((f) => f.path === 'server.js');
    assert.deepEqual(server && [server.added, server.removed], [1, 1]);
    assert.ok(r.files_changed.some((f) => f.path === 'NOTES.md' && f.added === 1));
    assert.ok(!r.files_changed.some((f) => f.path.startsWith('node_modules')));

    const diff = await fetch(`${d.url}/v1/tasks/${done.id}/diff`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    const text = await diff.text();
    assert.match(text, /^-.*Hello from Express/m);
    assert.match(text, /^\+.*Hello from a task/m);
    assert.equal((await exec('git log -1 --format=%an')).stdout.trim(), `Paddock task ${done.id}`);

    const restarted = (
      await d.api<{ items: Proc[] }>('GET', `/v1/sandboxes/${sb}/processes`)
    ).body.items.find((p) => p.name === 'ticker')!;
    assert.ok(restarted.restarts > ticker.restarts, 'restart_after_task restarted the worker');
    const fresh = (
      await d.api<{ sandbox: { preview: { url: string } } }>('GET', `/v1/apps/${app.id}`)
    ).body;
    const { page } = await openPreview(d.url, fresh.sandbox.preview.url);
    assert.match(page.body, /Hello from a task/);

    const events = await d.api<{ items: { type: string; payload: Record<string, unknown> }[] }>(
      'GET',
      `/v1/sandboxes/${sb}/events?limit=200`,
    );
    const types = events.body.items.filter((e) => e.payload.task_id === done.id).map((e) => e.type);
    for (const t of [
      'task.queued',
      'task.started',
      'task.agent_finished',
      'task.checkpoint',
      'task.build',
      'task.restarted',
      'task.health',
      'task.finished',
    ]) {
      assert.ok(types.includes(t), `event ${t}`);
    }
    assert.ok(!JSON.stringify(events.body).includes('editing'), 'no output in events');

    const replay = await stream(done.id);
    assert.match(replay, /event: log\ndata: \{"text":"editing\\n/);
    assert.match(replay, /event: result\n/);
  });

  it('restores the workspace to a checkpoint, keeping history', async () => {
    const before = (await exec('git rev-parse HEAD~1')).stdout.trim();
    const head = (await exec('git rev-parse HEAD')).stdout.trim();
    const res = await d.api<{ restored: string; checkpoint: string }>(
      'POST',
      `/v1/apps/${app.id}/checkpoints/${before}/restore`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.restored, before);
    assert.notEqual(res.body.checkpoint, head, 'a new commit on top, not a rewind');
    assert.match((await exec('cat server.js')).stdout, /Hello from Express/);
    assert.equal((await exec('test -e NOTES.md; echo $?')).stdout.trim(), '1');
    assert.match((await exec('git log --format=%s -3')).stdout, /Restore checkpoint/);
    const missing = await d.api<Err>(
      'POST',
      `/v1/apps/${app.id}/checkpoints/${'0'.repeat(40)}/restore`,
    );
    assert.equal(missing.status, 404);
    const bad = await d.api<Err>('POST', `/v1/apps/${app.id}/checkpoints/not-a-sha/restore`);
    assert.equal(bad.status, 400);
  });

  it('checkpoints what changed even when the task rewires git to hide it', async () => {
    const t = await task({
      provider: 'command',
      input: {
        script: [
          'printf \'#!/bin/sh\\nprintf "\\\\0"\\n\' > fsm.sh && chmod +x fsm.sh',
          'git config --global core.fsmonitor /workspace/fsm.sh',
          'git config --global diff.external /bin/true',
          'echo "// hidden change" >> server.js',
        ].join(' && '),
      },
    });
    const done = await finished(t.body.id);
    assert.equal(done.status, 'succeeded', done.status_reason ?? '');
    assert.ok(done.result!.files_changed.some((f) => f.path === 'server.js' && f.added === 1));
    const diff = await (
      await fetch(`${d.url}/v1/tasks/${done.id}/diff`, {
        headers: { authorization: `Bearer ${d.token}` },
      })
    ).text();
    assert.match(diff, /^\+\/\/ hidden change$/m);
  });

  it('times out and cancels, keeping the log and leaving no process behind', async () => {
    const slow = await task({
      provider: 'command',
      input: { script: 'echo before-timeout; sleep 300' },
      timeout_seconds: 1,
    });
    const timedOut = await finished(slow.body.id);
    assert.equal(timedOut.status, 'timed_out');
    assert.match(await stream(timedOut.id), /before-timeout/);

    const long = await task({
      provider: 'command',
      input: { script: 'echo before-cancel; sleep 301' },
    });
    await waitFor(
      'the task to run',
      async () => (await d.api<Task>('GET', `/v1/tasks/${long.body.id}`)).body.status === 'running',
    );
    // A queued task behind it, and a caller who would rather not wait.
    const queued = await task({ provider: 'command', input: { script: 'echo queued-ran' } });
    assert.equal(queued.body.status, 'queued');
    const rejected = await d.api<Err>('POST', `/v1/sandboxes/${sb}/tasks`, {
      provider: 'command',
      input: { script: 'true' },
      if_busy: 'reject',
    });
    assert.equal(rejected.status, 409);
    // Follow it live until its output shows, then cancel.
    const live = await fetch(`${d.url}/v1/tasks/${long.body.id}/stream`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    const reader = live.body!.getReader();
    let seen = '';
    const readUntil = async (needle: string) => {
      while (!seen.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += Buffer.from(value).toString();
      }
    };
    await readUntil('before-cancel');
    const cancel = await d.api<Task>('POST', `/v1/tasks/${long.body.id}/cancel`);
    assert.equal(cancel.status, 200);
    await readUntil('event: result');
    assert.match(seen, /"status":"canceled"/, 'the live stream ends with the result');
    const canceled = await finished(long.body.id);
    assert.equal(canceled.status, 'canceled');
    assert.match(await stream(canceled.id), /before-cancel/);
    const after = await finished(queued.body.id);
    assert.equal(after.status, 'succeeded', 'the queued task ran after the canceled one');
    const ps = await exec('ps -eo args');
    assert.doesNotMatch(ps.stdout, /sleep 30[01]/, 'no process of either task remains');
  });

  it('refuses bad tasks with stable codes', async () => {
    const cases: [unknown, number, string][] = [
      [{ provider: 'nope', input: { script: 'x' } }, 400, 'bad_request'],
      [{ provider: 'command', input: {} }, 400, 'bad_request'],
      [
        { provider: 'command', input: { script: 'x' }, timeout_seconds: 999_999 },
        400,
        'limit_exceeded',
      ],
    ];
    for (const [body, status, code] of cases) {
      const res = await d.api<Err>('POST', `/v1/sandboxes/${sb}/tasks`, body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error.code, code);
    }
    assert.equal((await d.api('GET', '/v1/tasks/task01nope')).status, 404);
    const other = (
      await d.api<{ token: string }>('POST', '/v1/api-keys', { name: 'o', owner: 'oscar' })
    ).body.token;
    const list = await d.api<{ items: Task[] }>('GET', `/v1/sandboxes/${sb}/tasks`);
    assert.ok(list.body.items.length >= 4);
    assert.equal(
      (await d.api('GET', `/v1/tasks/${list.body.items[0]!.id}`, undefined, other)).status,
      404,
    );
  });

  it('leaves preview_ok out for a worker-only app', async () => {
    const jobs = (await d.api<App>('POST', '/v1/apps', { name: 'jobs', preset: 'worker' })).body;
    const t = await d.api<Task>('POST', `/v1/sandboxes/${jobs.sandbox.id}/tasks`, {
      provider: 'command',
      input: { script: 'echo hi > hello.txt' },
    });
    const done = await finished(t.body.id);
    assert.equal(done.status, 'succeeded', done.status_reason ?? '');
    assert.equal(done.result!.preview_ok, undefined);
    assert.equal(done.result!.app_healthy, true);
  });

  it('cancels the tasks of a sandbox that is stopped, running and queued', async () => {
    const jobs = (await d.api<App>('POST', '/v1/apps', { name: 'batch', preset: 'worker' })).body;
    const id = jobs.sandbox.id;
    const running = await d.api<Task>('POST', `/v1/sandboxes/${id}/tasks`, {
      provider: 'command',
      input: { script: 'sleep 302' },
    });
    await waitFor(
      'the task to run',
      async () =>
        (await d.api<Task>('GET', `/v1/tasks/${running.body.id}`)).body.status === 'running',
    );
    const queued = await d.api<Task>('POST', `/v1/sandboxes/${id}/tasks`, {
      provider: 'command',
      input: { script: 'echo never > never.txt' },
    });
    assert.equal(queued.body.status, 'queued');
    assert.equal((await d.api('POST', `/v1/sandboxes/${id}/stop`)).status, 200);
    assert.equal((await finished(running.body.id)).status, 'canceled');
    const notRun = await finished(queued.body.id);
    assert.equal(notRun.status, 'canceled');
    assert.equal(notRun.status_reason, 'canceled before it started');
  });
});

describe('an agent CLI task (codex, with no model API reachable: it cannot finish here)', () => {
  const d = suiteDaemon();

  it('runs the CLI from the shared tool cache with a placeholder for the key from app config', async () => {
    const key = `sk-test-${'k'.repeat(24)}`;
    const app = (await d.api<App>('POST', '/v1/apps', { name: 'agent', preset: 'static' })).body;
    const config = await d.api('POST', `/v1/apps/${app.id}/config`, {
      key: 'CODEX_API_KEY',
      value: key,
      sensitive: true,
      access_policy: 'agent_access',
      inject: { hosts: ['api.openai.com'], header: 'Authorization', format: 'Bearer {value}' },
    });
    assert.equal(config.status, 201);
    // The temporary key-in-input path is gone.
    const old = await d.api<{ error: { code: string } }>(
      'POST',
      `/v1/sandboxes/${app.sandbox.id}/tasks`,
      { provider: 'codex', input: { prompt: 'x', api_key: key } },
    );
    assert.equal(old.status, 400);
    assert.equal(old.body.error.code, 'unknown_field');
    // Every task gets the app's agent config; a sensitive value only as its placeholder.
    const probe = await d.api<Task>('POST', `/v1/sandboxes/${app.sandbox.id}/tasks`, {
      provider: 'command',
      input: { script: 'echo "key=$CODEX_API_KEY"' },
    });
    await waitFor('the probe task to end', async () => {
      const t = (await d.api<Task>('GET', `/v1/tasks/${probe.body.id}`)).body;
      return t.status === 'succeeded' ? t : undefined;
    });
    const probeLog = await (
      await fetch(`${d.url}/v1/tasks/${probe.body.id}/stream`, {
        headers: { authorization: `Bearer ${d.token}` },
      })
    ).text();
    assert.match(probeLog, /key=paddock-secret:CODEX_API_KEY/);
    const res = await d.api<Task>('POST', `/v1/sandboxes/${app.sandbox.id}/tasks`, {
      provider: 'codex',
      input: { prompt: 'Add a footer to public/index.html' },
      timeout_seconds: 20,
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    // The first codex task on a host installs the CLI into the cache.
    const done = await waitFor(
      'the codex task to end',
      async () => {
        const t = (await d.api<Task>('GET', `/v1/tasks/${res.body.id}`)).body;
        return ['queued', 'running'].includes(t.status) ? undefined : t;
      },
      600_000,
    );
    assert.ok(
      ['timed_out', 'failed'].includes(done.status),
      `${done.status}: ${done.status_reason}`,
    );
    assert.ok(!JSON.stringify(done).includes(key), 'not in the task');
    const log = await (
      await fetch(`${d.url}/v1/tasks/${done.id}/stream`, {
        headers: { authorization: `Bearer ${d.token}` },
      })
    ).text();
    assert.ok(!log.includes(key), 'not in the log');
    assert.doesNotMatch(log, /No such file|not found|EACCES/, 'the CLI started from the cache');
    assert.doesNotMatch(log, /has no CODEX_API_KEY/, 'the key variable was there');
    assert.match(log, /event: log/, 'its output reached the log');
    const events = await d.api<unknown>('GET', `/v1/sandboxes/${app.sandbox.id}/events?limit=200`);
    assert.ok(!JSON.stringify(events.body).includes(key), 'not in events');
    const db = fs.readFileSync(path.join(d.dataDir, 'state', 'paddock.db'));
    const wal = path.join(d.dataDir, 'state', 'paddock.db-wal');
    const walBytes = fs.existsSync(wal) ? fs.readFileSync(wal) : Buffer.alloc(0);
    assert.ok(!db.includes(key) && !walBytes.includes(key), 'not in the database file');
    assert.ok(!d.output().includes(key), "not in the daemon's log");
  });
});

describe('model spend limits', () => {
  const d = suiteDaemon();

  it("refuses a task once an app's or owner's spend this month reaches its limit", async () => {
    const app = (await d.api<App>('POST', '/v1/apps', { name: 'spender', preset: 'worker' })).body;
    const other = (await d.api<App>('POST', '/v1/apps', { name: 'frugal', preset: 'worker' })).body;
    const run = (sandbox: string) =>
      d.api<Task & Err>('POST', `/v1/sandboxes/${sandbox}/tasks`, {
        provider: 'command',
        input: { script: 'true' },
      });
    const first = await run(app.sandbox.id);
    await waitFor('the task to end', async () => {
      const t = (await d.api<Task>('GET', `/v1/tasks/${first.body.id}`)).body;
      return t.status === 'succeeded' ? t : undefined;
    });
    // No model API can be reached here, so no CLI reports a cost: the cost a CLI would have
    // reported is written into the task's row directly.
    const db = new SQLite(path.join(d.dataDir, 'state', 'paddock.db'));
    db.pragma('busy_timeout = 5000');
    db.prepare('UPDATE tasks SET cost_usd = 0.5 WHERE id = ?').run(first.body.id);
    db.close();

    const limit = async (body: Record<string, number>) =>
      assert.equal((await d.api('PATCH', '/v1/settings', body)).status, 200);
    await limit({ task_spend_limit_app_usd: 1 });
    assert.equal((await run(app.sandbox.id)).status, 202, 'under the app limit');
    await limit({ task_spend_limit_app_usd: 0.5 });
    const refused = await run(app.sandbox.id);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'spend_limit_reached');
    assert.equal((await run(other.sandbox.id)).status, 202, "another app's spend is its own");
    await limit({ task_spend_limit_app_usd: 0, task_spend_limit_owner_usd: 0.4 });
    const owner = await run(other.sandbox.id);
    assert.equal(owner.status, 409, "the owner's spend counts every app");
    assert.equal(owner.body.error.code, 'spend_limit_reached');
    const bad = await d.api<Err>('PATCH', '/v1/settings', { task_spend_limit_owner_usd: -1 });
    assert.equal(bad.status, 400);
  });
});
