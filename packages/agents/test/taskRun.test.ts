/**
 * A task run from start to end, without a daemon or a sandbox: real `sh` and real `git` in a
 * directory on the host stand where the guest agent runs them in a sandbox's workspace.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RuntimeManifest } from '@paddock/shared';
import { restoreCheckpoint, runTask, TASK_PROVIDERS, type TaskHost } from '../src/index.js';
import { HostWorkspace } from './hostWorkspace.js';

interface Recorded {
  log: string;
  events: { type: string; payload: Record<string, unknown> }[];
  diff: string | null;
}

function hostFor(
  workspace: HostWorkspace,
  manifest: RuntimeManifest | null = null,
): { host: TaskHost; seen: Recorded } {
  const seen: Recorded = { log: '', events: [], diff: null };
  const host: TaskHost = {
    connect: async () => workspace,
    toolDir: async (tool) => path.join(workspace.dir, '.tools', tool),
    configEnv: async () => ({ GREETING: 'hello from config' }),
    reloadManifest: async () => manifest,
    log: (text) => {
      seen.log += text;
    },
    event: async (type, _message, payload) => {
      seen.events.push({ type, payload });
    },
    diff: (text) => {
      seen.diff = text;
    },
  };
  return { host, seen };
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

/** True once no process of the group is left (waits for the kill to be reaped, up to 5 s). */
async function groupGone(pgid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

const command = TASK_PROVIDERS.get('command')!;

describe('runTask (a host directory as the workspace)', () => {
  let dir: string;
  let workspace: HostWorkspace;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-task-run-'));
    fs.writeFileSync(path.join(dir, 'app.txt'), 'one\ntwo\n');
    workspace = new HostWorkspace(dir);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function request(script: string, cancel = new AbortController().signal) {
    return { taskId: 't1', provider: command, input: { script }, timeoutMs: 30_000, cancel };
  }

  it('runs the provider, commits a checkpoint of its changes and reports the diff', async () => {
    const { host, seen } = hostFor(workspace);
    const end = await runTask(
      host,
      request('printf "one\\nTWO\\nthree\\n" > app.txt && echo made > new.txt && echo "$GREETING"'),
    );
    assert.equal(end.status, 'succeeded');
    assert.equal(end.reason, null);
    assert.ok(end.result);
    assert.equal(end.result.exit_code, 0);
    assert.equal(end.result.build_status, 'skipped');
    assert.equal(end.result.checkpoint, git(dir, 'rev-parse', 'HEAD'));
    assert.deepEqual(
      end.result.files_changed.sort((a, b) => a.path.localeCompare(b.path)),
      [
        { path: 'app.txt', added: 2, removed: 1 },
        { path: 'new.txt', added: 1, removed: 0 },
      ],
    );
    assert.match(seen.diff ?? '', /^-two$/m);
    assert.match(seen.diff ?? '', /^\+TWO$/m);
    assert.match(seen.log, /hello from config/);
    assert.deepEqual(
      seen.events.map((e) => e.type),
      ['task.started', 'task.agent_finished', 'task.checkpoint', 'task.build', 'task.health'],
    );
    // The work before the task is a commit of its own, so the task's holds only its changes.
    assert.equal(git(dir, 'log', '--format=%s', '-2'), 'Paddock task t1\nWorkspace before task t1');
  });

  it('checkpoints what a task hid behind a replacement of HEAD', async () => {
    const { host } = hostFor(workspace);
    // HEAD made to read as a commit that already holds the change: `git diff --cached` would
    // see nothing to commit.
    const end = await runTask(
      host,
      request(
        'echo hidden > app.txt && git add -A && ' +
          'c=$(git -c user.name=a -c user.email=a@b commit-tree "$(git write-tree)" -p HEAD -m x) && ' +
          'git replace HEAD "$c" && git reset -q',
      ),
    );
    assert.equal(end.status, 'succeeded', end.reason ?? '');
    assert.deepEqual(end.result?.files_changed, [{ path: 'app.txt', added: 1, removed: 2 }]);
  });

  it('fails a task whose agent exits non-zero, keeping its checkpoint', async () => {
    const { host } = hostFor(workspace);
    const end = await runTask(host, request('echo partial > half.txt; exit 3'));
    assert.equal(end.status, 'failed');
    assert.equal(end.reason, 'the agent exited with 3');
    assert.deepEqual(end.result?.files_changed, [{ path: 'half.txt', added: 1, removed: 0 }]);
  });

  it('runs the manifest build check after the agent and fails the task when it fails', async () => {
    const manifest: RuntimeManifest = {
      version: 1,
      workers: [],
      build: { command: 'test -f built.txt && echo build ok', timeout_seconds: 30 },
    };
    const passing = hostFor(workspace, manifest);
    const ok = await runTask(passing.host, request('touch built.txt'));
    assert.equal(ok.status, 'succeeded');
    assert.equal(ok.result?.build_status, 'passed');
    assert.match(passing.seen.log, /\[paddock\] build: test -f built\.txt/);
    assert.match(passing.seen.log, /build ok/);

    const failing = hostFor(workspace, manifest);
    const bad = await runTask(failing.host, request('rm built.txt'));
    assert.equal(bad.status, 'failed');
    assert.equal(bad.reason, 'the build check failed');
    assert.equal(bad.result?.build_status, 'failed');
  });

  it('asks the web process for the preview after the task', async () => {
    const server = http.createServer((_req, res) => res.end('up'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const { host } = hostFor(workspace, {
        version: 1,
        workers: [],
        web: { command: 'true', port, health_path: '/', restart_after_task: false },
      });
      const end = await runTask(host, request('true'));
      assert.equal(end.result?.preview_ok, true);
      // No supervised process answers here, so the app is not called healthy.
      assert.equal(end.result?.app_healthy, false);
    } finally {
      server.close();
    }
  });

  it('cancels a running agent: its process group is gone and the task ends canceled', async () => {
    const cancel = new AbortController();
    const { host } = hostFor(workspace);
    const original = workspace.execStream.bind(workspace);
    // Cancel once the agent's process has started (it writes a file, then waits).
    workspace.execStream = async function* (req, signal) {
      for await (const frame of original(req, signal)) {
        yield frame;
        if (frame.event === 'stdout' && frame.data.text.includes('waiting')) cancel.abort();
      }
    };
    const end = await runTask(
      host,
      request('echo started > begun.txt; echo waiting; sleep 60', cancel.signal),
    );
    assert.equal(end.status, 'canceled');
    // A cancel stops the run where it is: no checkpoint is made, the work stays uncommitted.
    assert.equal(end.result, null);
    assert.equal(git(dir, 'status', '--porcelain'), '?? begun.txt');
    const agentPid = workspace.pids[1]; // [0] is the baseline's git
    assert.ok(agentPid !== undefined);
    assert.equal(await groupGone(agentPid), true);
  });

  it('ends failed, with the reason in the log, when the workspace cannot be reached', async () => {
    const { host, seen } = hostFor(workspace);
    host.connect = async () => {
      throw new Error('sandbox sb_x is stopped; start it first');
    };
    const end = await runTask(host, request('true'));
    assert.equal(end.status, 'failed');
    assert.equal(end.reason, 'sandbox sb_x is stopped; start it first');
    assert.equal(end.result, null);
    assert.match(seen.log, /\[paddock\] the task failed: sandbox sb_x is stopped/);
  });

  it("says in the log when an agent CLI's key is missing from the app's config", async () => {
    const { host, seen } = hostFor(workspace);
    const end = await runTask(host, {
      ...request(''),
      provider: TASK_PROVIDERS.get('claude-code')!,
      input: { prompt: 'add a page' },
    });
    // No CLI is installed in this directory: the agent cannot start.
    assert.equal(end.status, 'failed');
    assert.match(seen.log, /agent config has no ANTHROPIC_API_KEY/);
  });

  it('stops an agent whose reported cost reaches the spend it was allowed', async () => {
    // A scripted stand-in for the opencode CLI (no model API can be reached here): it prints
    // opencode's step_finish events, a cent each, and would go on for a minute.
    const tools = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-tools-'));
    const bin = path.join(tools, 'opencode', `opencode-linux-${process.arch}`, 'bin', 'opencode');
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    const step = JSON.stringify({
      type: 'step_finish',
      part: { reason: 'tool-calls', cost: 0.01, tokens: { input: 100, output: 10 } },
    });
    fs.writeFileSync(
      bin,
      `#!/bin/sh\necho spent > spent.txt\nfor i in $(seq 600); do echo '${step}'; sleep 0.1; done\n`,
      { mode: 0o755 },
    );
    try {
      const { host, seen } = hostFor(workspace);
      host.toolDir = async (tool) => path.join(tools, tool);
      const end = await runTask(host, {
        ...request(''),
        provider: TASK_PROVIDERS.get('opencode')!,
        input: { prompt: 'spend' },
        spendLimitUsd: 0.025,
      });
      assert.equal(end.status, 'failed');
      assert.equal(end.reason, 'the agent was stopped at the spend limit');
      assert.equal(end.result?.build_status, 'skipped');
      assert.deepEqual(
        end.result?.files_changed.map((f) => f.path),
        ['spent.txt'],
      );
      const usage = end.result?.usage;
      assert.ok(usage && usage.cost_usd !== null && usage.cost_usd >= 0.025);
      assert.ok(usage.cost_usd < 0.1, 'stopped at the limit, not at the end');
      assert.match(seen.log, /\[paddock\] stopping the agent: it has spent \$0\.03/);
      const agentPid = workspace.pids[1];
      assert.ok(agentPid !== undefined);
      assert.equal(await groupGone(agentPid), true);
    } finally {
      fs.rmSync(tools, { recursive: true, force: true });
    }
  });

  it('restores a checkpoint as a new commit on top, keeping history', async () => {
    const { host } = hostFor(workspace);
    const first = await runTask(host, request('echo first > app.txt'));
    const checkpoint = first.result?.checkpoint;
    assert.ok(checkpoint);
    await runTask(host, request('echo second > app.txt'));
    assert.equal(fs.readFileSync(path.join(dir, 'app.txt'), 'utf8'), 'second\n');
    const head = await restoreCheckpoint(workspace, checkpoint);
    assert.equal(fs.readFileSync(path.join(dir, 'app.txt'), 'utf8'), 'first\n');
    assert.equal(head, git(dir, 'rev-parse', 'HEAD'));
    assert.equal(git(dir, 'log', '-1', '--format=%s'), `Restore checkpoint ${checkpoint}`);
    await assert.rejects(restoreCheckpoint(workspace, 'f'.repeat(40)), { code: 'not_found' });
  });
});
