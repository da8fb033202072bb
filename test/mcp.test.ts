/**
 * The MCP server (issue 18): the official MCP client drives Paddock over Streamable HTTP at
 * /mcp and over stdio (`paddock mcp`) with an agent key: the build loop, a task with progress,
 * every tool once, resources, and errors as tool errors.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TOOLS } from '@paddock/mcp';
import { suiteDaemon } from './harness.js';
import { callTool, connectHttp, connectStdio } from './mcpClient.js';
import { openPreview, waitFor } from './previewClient.js';

describe('MCP server: tools over Streamable HTTP and stdio', () => {
  const d = suiteDaemon();
  const called = new Set<string>();
  let agent: { token: string; key: { id: string } };
  let http: Client;
  let stdio: Client;
  let appId: string;
  let sandboxId: string;

  before(async () => {
    const key = await d.api<typeof agent>('POST', '/v1/api-keys', { name: 'mcp', role: 'agent' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    agent = key.body;
    http = await connectHttp(d.url, agent.token);
    stdio = await connectStdio(d.url, agent.token);
  });
  after(async () => {
    await http?.close();
    await stdio?.close();
  });

  const provenanceKinds = (subject: string): { kind: string; actor: string | null }[] => {
    const db = new SQLite(path.join(d.dataDir, 'state', 'paddock.db'), { readonly: true });
    try {
      return db
        .prepare('select kind, actor from provenance where subject = ? order by at, entry_id')
        .all(subject) as { kind: string; actor: string | null }[];
    } finally {
      db.close();
    }
  };

  it('lists the same tools over both transports, each with an object schema and a description', async () => {
    const overHttp = (await http.listTools()).tools;
    const overStdio = (await stdio.listTools()).tools;
    assert.deepEqual(
      overHttp.map((t) => t.name),
      TOOLS.map((t) => t.name),
    );
    assert.deepEqual(overStdio, overHttp);
    for (const t of overHttp) {
      assert.equal(t.inputSchema.type, 'object', t.name);
      assert.ok((t.description ?? '').length > 40, t.name);
    }
    for (const must of ['app_create', 'exec', 'file_write', 'preview_link', 'task_run']) {
      assert.ok(
        overHttp.some((t) => t.name === must),
        must,
      );
    }
  });

  it('runs the build loop over HTTP: app from a preset, a file, a build check, the preview link', async () => {
    const presets = await callTool(http, 'preset_list', {}, called);
    assert.match(presets.text, /^static: /m);
    const created = await callTool(
      http,
      'app_create',
      { name: 'mcp site', preset: 'static' },
      called,
    );
    assert.equal(created.isError, false, created.text);
    appId = created.data.app_id as string;
    sandboxId = created.data.sandbox_id as string;
    assert.match(appId, /^app/);
    assert.match(created.text, new RegExp(appId));

    const page = '<!doctype html><title>MCP</title><h1>Built by an agent over MCP</h1>\n';
    const wrote = await callTool(
      http,
      'file_write',
      { app_id: appId, path: 'public/index.html', content: page },
      called,
    );
    assert.equal(wrote.isError, false, wrote.text);
    const build = await callTool(
      http,
      'exec',
      { app_id: appId, command: 'node --check server.js && grep -c "over MCP" public/index.html' },
      called,
    );
    assert.equal(build.isError, false, build.text);
    assert.equal(build.data.exit_code, 0, build.text);
    assert.match(build.text, /exited with code 0/);
    assert.equal((build.data.stdout as string).trim(), '1');

    const link = await callTool(http, 'preview_link', { app_id: appId }, called);
    const url = link.data.preview_url as string;
    assert.ok(url, link.text);
    assert.ok(link.text.includes(url));
    const opened = await waitFor('the preview serves the new page', async () => {
      const { page: got } = await openPreview(d.url, url);
      return got.status === 200 && got.body.includes('over MCP') ? got : undefined;
    });
    assert.match(opened.body, /Built by an agent over MCP/);
    // The key is an agent's: the app's record says an agent changed it, and which key.
    assert.ok(
      provenanceKinds(`app:${appId}`).some(
        (e) => e.kind === 'agent_change' && e.actor === agent.key.id,
      ),
      JSON.stringify(provenanceKinds(`app:${appId}`)),
    );
  });

  it('runs a command task over stdio with progress, then shows its verdict and diff', async () => {
    const run = await callTool(
      stdio,
      'task_run',
      { app_id: appId, provider: 'command', script: 'echo hi > public/hi.txt' },
      called,
      true,
    );
    assert.equal(run.isError, false, run.text);
    assert.equal(run.data.status, 'succeeded', run.text);
    assert.match(run.text, /files changed: .*public\/hi\.txt/);
    assert.ok(run.progress.length >= 1, 'progress notifications arrived');
    for (let i = 1; i < run.progress.length; i++) {
      assert.ok(run.progress[i]!.progress > run.progress[i - 1]!.progress, 'progress increases');
    }
    const taskId = run.data.task_id as string;
    const diff = await callTool(stdio, 'task_diff', { task_id: taskId }, called);
    assert.match(diff.text, /\+\+\+ b\/public\/hi\.txt/);
    assert.match(diff.text, /^\+hi$/m);
    const got = await callTool(stdio, 'task_get', { task_id: taskId }, called);
    assert.equal(got.data.status, 'succeeded');

    const queued = await callTool(
      stdio,
      'task_run',
      { sandbox_id: sandboxId, provider: 'command', script: 'true', wait: false },
      called,
    );
    assert.equal(queued.isError, false, queued.text);
    assert.match(queued.text, /task_get/);
    await waitFor('the second task ends', async () => {
      const t = await callTool(stdio, 'task_get', { task_id: queued.data.task_id });
      return t.data.status === 'succeeded';
    });
  });

  it('reads, lists, moves and deletes files, paging a large file', async () => {
    const big = 'x'.repeat(70 * 1024);
    await callTool(stdio, 'file_write', {
      sandbox_id: sandboxId,
      path: 'notes/big.txt',
      content: big,
    });
    const first = await callTool(
      stdio,
      'file_read',
      { sandbox_id: sandboxId, path: 'notes/big.txt' },
      called,
    );
    assert.equal(first.data.size, big.length);
    assert.equal(first.data.next_offset, 64 * 1024);
    assert.match(first.text, /more bytes: call again with offset 65536/);
    const rest = await callTool(stdio, 'file_read', {
      sandbox_id: sandboxId,
      path: 'notes/big.txt',
      offset: 64 * 1024,
    });
    assert.equal(rest.text.length, 6 * 1024);
    assert.equal(rest.data.next_offset, null);

    const moved = await callTool(
      stdio,
      'file_move',
      { app_id: appId, from: 'notes/big.txt', to: 'notes/moved.txt' },
      called,
    );
    assert.equal(moved.isError, false, moved.text);
    const listed = await callTool(stdio, 'file_list', { app_id: appId, path: 'notes' }, called);
    assert.match(listed.text, /notes\/moved\.txt/);
    assert.doesNotMatch(listed.text, /big\.txt/);
    const removed = await callTool(
      stdio,
      'file_delete',
      { app_id: appId, path: 'notes', recursive: true },
      called,
    );
    assert.equal(removed.isError, false, removed.text);
    const gone = await callTool(stdio, 'file_read', { app_id: appId, path: 'notes/moved.txt' });
    assert.equal(gone.isError, true);
    assert.match(gone.text, /not_found/);
  });

  it("caps a command's output and says how to read the rest", async () => {
    const loud = await callTool(http, 'exec', {
      sandbox_id: sandboxId,
      command: 'head -c 100000 /dev/zero | tr "\\0" y; echo; echo last line',
    });
    assert.equal(loud.isError, false, loud.text);
    assert.equal(loud.data.output_cut, true);
    assert.match(loud.text, /output cut to its last 64 KiB: rerun with the output redirected/);
    assert.match(loud.data.stdout as string, /last line\n$/);
    assert.ok(Buffer.byteLength(loud.data.stdout as string) <= 64 * 1024);
  });

  it('reads process logs, sets config without echoing a secret, and changes egress', async () => {
    const logs = await callTool(http, 'process_logs', { app_id: appId, process: 'web' }, called);
    assert.equal(logs.isError, false, logs.text);
    const secret = 's3cr3t-value-never-shown';
    const set = await callTool(
      http,
      'config_set',
      { app_id: appId, key: 'API_TOKEN', value: secret, secret: true },
      called,
    );
    assert.equal(set.isError, false, set.text);
    assert.equal(set.text, `Set secret API_TOKEN on app ${appId}.`);
    assert.ok(!JSON.stringify(set).includes(secret), 'the secret is not in the result');
    const plain = await callTool(http, 'config_set', { app_id: appId, key: 'MODE', value: 'a' });
    const again = await callTool(http, 'config_set', { app_id: appId, key: 'MODE', value: 'b' });
    assert.equal(plain.isError, false, plain.text);
    assert.equal(again.isError, false, again.text);
    const entries = await d.api<{ items: { key: string; value?: string }[] }>(
      'GET',
      `/v1/apps/${appId}/config`,
    );
    assert.equal(entries.body.items.find((e) => e.key === 'MODE')?.value, 'b');

    const allowed = await callTool(
      http,
      'egress_allow',
      { app_id: appId, hosts: ['api.example.com'] },
      called,
    );
    assert.deepEqual(allowed.data.allow, ['api.example.com']);
    const denied = await callTool(
      http,
      'egress_deny',
      { app_id: appId, hosts: ['api.example.com', 'evil.example.com'] },
      called,
    );
    assert.deepEqual(denied.data, { allow: [], deny: ['api.example.com', 'evil.example.com'] });
  });

  it('snapshots with progress, restores and forks', async () => {
    const snap = await callTool(
      http,
      'snapshot_create',
      { app_id: appId, name: 'before' },
      called,
      true,
    );
    assert.equal(snap.isError, false, snap.text);
    assert.equal(snap.data.status, 'ready', snap.text);
    assert.ok(snap.progress.length >= 2, 'progress at the start and the end');
    const snapshotId = snap.data.snapshot_id as string;
    await callTool(http, 'file_write', { app_id: appId, path: 'public/later.txt', content: 'x' });
    const restored = await callTool(
      http,
      'snapshot_restore',
      { app_id: appId, snapshot_id: snapshotId },
      called,
    );
    assert.equal(restored.isError, false, restored.text);
    const later = await callTool(http, 'file_read', { app_id: appId, path: 'public/later.txt' });
    assert.equal(later.isError, true, 'the file written after the snapshot is gone');
    const fork = await callTool(
      http,
      'snapshot_fork',
      { app_id: appId, snapshot_id: snapshotId, name: 'mcp fork' },
      called,
    );
    assert.equal(fork.isError, false, fork.text);
    assert.notEqual(fork.data.app_id, appId);
    const apps = await callTool(http, 'app_list', {}, called);
    assert.match(apps.text, /mcp fork/);
    assert.match(apps.text, /mcp site/);
  });

  it('creates, lists and deletes a bare sandbox', async () => {
    const made = await callTool(stdio, 'sandbox_create', { metadata: { by: 'mcp' } }, called);
    assert.equal(made.isError, false, made.text);
    const id = made.data.sandbox_id as string;
    const list = await callTool(stdio, 'sandbox_list', {}, called);
    assert.match(list.text, new RegExp(`^${id}  running$`, 'm'));
    const del = await callTool(stdio, 'sandbox_delete', { sandbox_id: id }, called);
    assert.equal(del.isError, false, del.text);
    assert.equal((await d.api('GET', `/v1/sandboxes/${id}`)).status, 404);
  });

  it('answers bad input and unknown things with tool errors, not protocol errors', async () => {
    for (const client of [http, stdio]) {
      const missing = await callTool(client, 'exec', { app_id: appId });
      assert.equal(missing.isError, true);
      assert.match(missing.text, /invalid input for exec: .*command/);
      const extra = await callTool(client, 'file_read', { app_id: appId, path: 'a', bogus: 1 });
      assert.equal(extra.isError, true);
      assert.match(extra.text, /invalid input for file_read/);
      const both = await callTool(client, 'exec', { command: 'true' });
      assert.match(both.text, /give exactly one of app_id and sandbox_id/);
      const unknown = await callTool(client, 'exec', { sandbox_id: 'sbnope', command: 'true' });
      assert.equal(unknown.isError, true);
      assert.match(unknown.text, /^exec failed: not_found: /);
      assert.equal(unknown.data.code, 'not_found');
      const noTool = await callTool(client, 'no_such_tool', {});
      assert.equal(noTool.isError, true);
      const noScript = await callTool(client, 'task_run', { app_id: appId, provider: 'command' });
      assert.match(noScript.text, /provider command needs a script/);
    }
  });

  it('serves app files and process logs as resources', async () => {
    const templates = (await http.listResourceTemplates()).resourceTemplates;
    assert.deepEqual(
      templates.map((t) => t.uriTemplate),
      ['paddock://apps/{app_id}/files/{+path}', 'paddock://apps/{app_id}/logs/{process}'],
    );
    const file = await stdio.readResource({
      uri: `paddock://apps/${appId}/files/public/index.html`,
    });
    assert.match((file.contents[0] as { text: string }).text, /Built by an agent over MCP/);
    const log = await http.readResource({ uri: `paddock://apps/${appId}/logs/web` });
    assert.equal(typeof (log.contents[0] as { text: string }).text, 'string');
    await assert.rejects(http.readResource({ uri: 'paddock://nothing' }), /not a Paddock resource/);
  });

  it('has had every tool called', () => {
    assert.deepEqual([...called].sort(), TOOLS.map((t) => t.name).sort());
  });
});
