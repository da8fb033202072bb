// An app's checkpoints (issue 17, the API half of the builder console's timeline): listed from
// the workspace's git history with their tasks and kinds, paged, and forked into a new app.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Checkpoint, CheckpointPage, Task } from '@paddock/shared';
import SQLite from 'better-sqlite3';
import { suiteDaemon } from './harness.js';
import { openPreview, waitFor } from './previewClient.js';

interface Err {
  error: { code: string; message: string };
}
interface App {
  id: string;
  name: string;
  preset: string;
  sandbox: { id: string; status: string; preview: { url: string | null; status: string } } | null;
}

describe('app checkpoints: the timeline, and forks from a checkpoint', () => {
  const d = suiteDaemon();
  let app: App;
  let sb: string;
  /** The two tasks, oldest first, and their checkpoints. */
  const tasks: Task[] = [];
  let timeline: Checkpoint[] = [];

  const checkpoints = (appId: string, query = '', token?: string) =>
    d.api<CheckpointPage & Err>('GET', `/v1/apps/${appId}/checkpoints${query}`, undefined, token);
  const runTask = async (script: string): Promise<Task> => {
    const started = await d.api<Task>('POST', `/v1/sandboxes/${sb}/tasks`, {
      provider: 'command',
      input: { script },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const done = await waitFor(
      `task ${started.body.id} to finish`,
      async () => {
        const t = (await d.api<Task>('GET', `/v1/tasks/${started.body.id}`)).body;
        return ['queued', 'running'].includes(t.status) ? undefined : t;
      },
      120_000,
    );
    assert.equal(done.status, 'succeeded', done.status_reason ?? '');
    return done;
  };
  const readFile = async (sandbox: string, file: string) => {
    const res = await fetch(`${d.url}/v1/sandboxes/${sandbox}/files?path=${file}`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    return { status: res.status, text: await res.text() };
  };
  const writeFile = async (sandbox: string, file: string, body: string) => {
    const res = await fetch(`${d.url}/v1/sandboxes/${sandbox}/files?path=${file}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body,
    });
    assert.equal(res.status, 200);
  };

  it('lists none before the first task, then tasks, baselines and a restore, newest first', async () => {
    app = (await d.api<App>('POST', '/v1/apps', { name: 'site', preset: 'static' })).body;
    sb = app.sandbox!.id;
    const empty = await checkpoints(app.id);
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.deepEqual(empty.body, { items: [], next_cursor: null }, 'no repository yet');

    tasks.push(await runTask("printf 'version one\\n' > public/index.html"));
    tasks.push(
      await runTask("printf 'version two\\n' > public/index.html && printf 'more\\n' > extra.txt"),
    );
    const [one, two] = tasks.map((t) => t.result!.checkpoint!);
    // Uncommitted work, which the restore commits first as a baseline.
    await writeFile(sb, 'scratch.txt', 'unsaved\n');
    const restore = await d.api<{ checkpoint: string }>(
      'POST',
      `/v1/apps/${app.id}/checkpoints/${one}/restore`,
    );
    assert.equal(restore.status, 200, JSON.stringify(restore.body));

    const res = await checkpoints(app.id);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.next_cursor, null);
    timeline = res.body.items;
    assert.deepEqual(
      timeline.map((c) => [c.kind, c.task_id, c.head]),
      [
        ['restore', null, true],
        ['baseline', null, false],
        ['task', tasks[1]!.id, false],
        ['task', tasks[0]!.id, false],
        ['baseline', null, false],
      ],
    );
    const [restored, beforeRestore, second, first, root] = timeline as [
      Checkpoint,
      Checkpoint,
      Checkpoint,
      Checkpoint,
      Checkpoint,
    ];
    assert.equal(restored.sha, restore.body.checkpoint);
    assert.equal(restored.restored, one);
    assert.equal(restored.title, `Restore checkpoint ${one}`);
    assert.equal(beforeRestore.title, `Workspace before restoring ${one}`);
    assert.deepEqual(beforeRestore.changes, { files: 1, added: 1, removed: 0 });
    assert.equal(second.sha, two);
    assert.equal(second.title, `Paddock task ${tasks[1]!.id}`);
    assert.deepEqual(second.changes, { files: 2, added: 2, removed: 1 });
    assert.equal(first.sha, one);
    assert.equal(root.title, `Workspace before task ${tasks[0]!.id}`);
    assert.ok(root.changes.files >= 4, 'the preset template, committed before the first task');
    for (const c of timeline) {
      assert.match(c.sha, /^[0-9a-f]{40}$/);
      assert.ok(!Number.isNaN(Date.parse(c.created_at)), c.created_at);
      if (c.kind !== 'restore') assert.equal(c.restored, null);
    }
  });

  it('pages with limit and cursor, each page going on from the last', async () => {
    const seen: string[] = [];
    const cursors: (string | null)[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<typeof checkpoints>> = await checkpoints(
        app.id,
        `?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.items.length <= 2);
      seen.push(...res.body.items.map((c) => c.sha));
      cursor = res.body.next_cursor;
      cursors.push(cursor);
    } while (cursor);
    assert.deepEqual(
      seen,
      timeline.map((c) => c.sha),
    );
    assert.deepEqual(cursors, [timeline[1]!.sha, timeline[3]!.sha, null]);
  });

  it('forks a new app from the first checkpoint, with its files, history and a sandbox of its own', async () => {
    const one = tasks[0]!.result!.checkpoint!;
    await writeFile(sb, 'public/index.html', 'source moved on\n');
    // A stopped source is woken to read its history, as a restore does.
    assert.equal((await d.api('POST', `/v1/sandboxes/${sb}/stop`)).status, 200);
    const res = await d.api<App & Err>(
      'POST',
      `/v1/apps/${app.id}/checkpoints/${one.slice(0, 12)}/fork`,
      { name: 'site at one' },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const fork = res.body;
    assert.equal(fork.name, 'site at one');
    assert.equal(fork.preset, 'static');
    assert.notEqual(fork.id, app.id);
    const forkSb = fork.sandbox!.id;
    assert.notEqual(forkSb, sb);

    assert.equal((await readFile(forkSb, 'public/index.html')).text, 'version one\n');
    assert.equal((await readFile(forkSb, 'extra.txt')).status, 404, "the second task's file");
    assert.equal((await readFile(forkSb, 'scratch.txt')).status, 404);
    assert.equal((await readFile(sb, 'public/index.html')).text, 'source moved on\n');

    const history = await checkpoints(fork.id);
    assert.equal(history.status, 200, JSON.stringify(history.body));
    assert.deepEqual(
      history.body.items.map((c) => [c.sha, c.kind, c.task_id, c.head]),
      [
        [one, 'task', tasks[0]!.id, true],
        [timeline[4]!.sha, 'baseline', null, false],
      ],
    );
    const sh = async (sandbox: string, command: string) =>
      (await d.api<{ stdout: string }>('POST', `/v1/sandboxes/${sandbox}/exec`, { command })).body
        .stdout;
    assert.equal(await sh(forkSb, 'git status --porcelain'), '', 'a clean checkout');
    assert.doesNotMatch(await sh(forkSb, 'ls -a'), /paddock-fork/, 'the pack it came in is gone');
    assert.doesNotMatch(await sh(sb, 'ls -a .git'), /paddock-fork/, "and the source's too");

    const ready = await waitFor('the fork preview', async () => {
      const a = (await d.api<App>('GET', `/v1/apps/${fork.id}`)).body;
      return a.sandbox?.preview.status === 'ready' ? a : undefined;
    });
    const source = (await d.api<App>('GET', `/v1/apps/${app.id}`)).body;
    assert.equal(source.sandbox!.status, 'running');
    assert.notEqual(ready.sandbox!.preview.url, source.sandbox!.preview.url);
    const { page } = await openPreview(d.url, ready.sandbox!.preview.url!);
    assert.match(page.body, /version one/);

    // The provenance record follows the code: the fork is the source's tasks' work too.
    const db = new SQLite(path.join(d.dataDir, 'state', 'paddock.db'), { readonly: true });
    try {
      const rows = db
        .prepare('select kind, task_id, ref from provenance where subject = ? order by at')
        .all(`app:${fork.id}`) as { kind: string; task_id: string | null; ref: string | null }[];
      assert.ok(rows.some((r) => r.kind === 'task' && r.task_id === tasks[0]!.id));
      assert.ok(rows.some((r) => r.kind === 'forked_from' && r.ref === `${app.id}@${one}`));
    } finally {
      db.close();
    }
    const audit = await d.api<{ items: { target: { id: string } }[] }>(
      'GET',
      '/v1/audit?action=checkpoint.fork',
    );
    assert.deepEqual(
      audit.body.items.map((e) => e.target.id),
      [fork.id],
    );
  });

  it('shows a commit made to look like a task checkpoint as other', async () => {
    const t = tasks[0]!.id;
    const made = await d.api<{ exit_code: number; stderr: string }>(
      'POST',
      `/v1/sandboxes/${sb}/exec`,
      {
        command: `git -c user.name="Paddock task ${t}" -c user.email=${t}@tasks.paddock.local commit -q --allow-empty -m "Paddock task ${t}"`,
      },
    );
    assert.equal(made.body.exit_code, 0, made.body.stderr);
    const head = (await checkpoints(app.id, '?limit=1')).body.items[0]!;
    assert.deepEqual([head.kind, head.task_id, head.head], ['other', null, true]);
  });

  it('refuses bad shas, cursors and bodies, and unknown shas, with stable codes', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', `/v1/apps/${app.id}/checkpoints/not-a-sha/fork`, {}, 400, 'bad_request'],
      ['POST', `/v1/apps/${app.id}/checkpoints/${'0'.repeat(40)}/fork`, {}, 404, 'not_found'],
      [
        'POST',
        `/v1/apps/${app.id}/checkpoints/${timeline[0]!.sha}/fork`,
        { snapshot_id: 'x' },
        400,
        'unknown_field',
      ],
      ['GET', `/v1/apps/${app.id}/checkpoints?cursor=HEAD`, undefined, 400, 'bad_request'],
      [
        'GET',
        `/v1/apps/${app.id}/checkpoints?cursor=${'0'.repeat(40)}`,
        undefined,
        400,
        'bad_request',
      ],
      ['GET', `/v1/apps/${app.id}/checkpoints?limit=101`, undefined, 400, 'bad_request'],
      ['GET', '/v1/apps/appnope/checkpoints', undefined, 404, 'not_found'],
    ];
    for (const [method, p, body, status, code] of cases) {
      const res = await d.api<Err>(method, p, body);
      assert.equal(res.status, status, `${method} ${p}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, `${method} ${p}`);
    }
  });

  it("hides another owner's app", async () => {
    const key = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'o',
      owner: 'olga',
    });
    const olga = key.body.token;
    const list = await checkpoints(app.id, '', olga);
    assert.equal(list.status, 404);
    assert.equal(list.body.error.code, 'not_found');
    const fork = await d.api<Err>(
      'POST',
      `/v1/apps/${app.id}/checkpoints/${timeline[0]!.sha}/fork`,
      {},
      olga,
    );
    assert.equal(fork.status, 404);
    assert.equal(fork.body.error.code, 'not_found');
  });
});
