import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  destroyEverything,
  readSse,
  startDaemon,
  tempDataDir,
  type TestDaemon,
} from './harness.js';

interface Sandbox {
  id: string;
  status: string;
  oom_kills: number;
  env_keys: string[];
}
interface ExecResult {
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  state: string;
  duration_ms: number;
}

function mountsOf(id: string): string[] {
  return fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.includes(id));
}

/** Host pids whose cgroup path names the sandbox. */
function processesOf(id: string): string[] {
  return fs.readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(id);
    } catch {
      return false;
    }
  });
}

describe('sandboxes through the API', () => {
  let d: TestDaemon;
  let sb: Sandbox;
  const exec = (body: unknown, id = sb.id) =>
    d.api<ExecResult>('POST', `/v1/sandboxes/${id}/exec`, body);

  before(async () => {
    d = await startDaemon();
    const res = await d.api<Sandbox>('POST', '/v1/sandboxes', {
      env: { GREETING: 'hello' },
      limits: { memory_mb: 256 },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    sb = res.body;
    assert.equal(sb.status, 'running');
    assert.deepEqual(sb.env_keys, ['GREETING']);
  });

  after(async () => {
    await d.stop();
    await destroyEverything(d.dataDir);
  });

  it('runs shell commands and argv with cwd, env and stdin', async () => {
    const shell = await exec({
      command: 'echo "$GREETING $WHO"; echo oops >&2; exit 3',
      env: { WHO: 'world' },
    });
    assert.equal(shell.status, 200);
    assert.equal(shell.body.stdout, 'hello world\n');
    assert.equal(shell.body.stderr, 'oops\n');
    assert.equal(shell.body.exit_code, 3);
    assert.equal(shell.body.state, 'exited');
    const argv = await exec({ argv: ['cat'], stdin: 'from stdin' });
    assert.equal(argv.body.stdout, 'from stdin');
    await exec({ command: 'mkdir -p sub/dir' });
    const cwd = await exec({ command: 'pwd', cwd: 'sub/dir' });
    assert.equal(cwd.body.stdout, '/workspace/sub/dir\n');
    const missing = await exec({ argv: ['/no/such/binary'] });
    assert.equal(missing.body.exit_code, 127);
  });

  it('kills a command at its timeout and reports timed_out', async () => {
    const res = await exec({ command: 'sleep 30 & sleep 30; echo never', timeout_ms: 300 });
    assert.equal(res.body.state, 'timed_out');
    assert.ok(!res.body.stdout.includes('never'));
    const ps = await exec({
      command: "cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$' || true",
    });
    assert.equal(ps.body.stdout.trim(), '0', 'the whole process group is gone');
  });

  it('streams output as server-sent events when asked', async () => {
    const res = await fetch(`${d.url}/v1/sandboxes/${sb.id}/exec`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${d.token}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({
        command: 'for i in 1 2 3; do echo line$i; done; echo err >&2; exit 7',
      }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const frames = await readSse(res);
    assert.equal(frames[0]?.event, 'start');
    const stdout = frames
      .filter((f) => f.event === 'stdout')
      .map((f) => (f.data as { text: string }).text)
      .join('');
    assert.equal(stdout, 'line1\nline2\nline3\n');
    assert.ok(frames.some((f) => f.event === 'stderr'));
    const exit = frames.at(-1)!;
    assert.equal(exit.event, 'exit');
    assert.equal((exit.data as { exit_code: number }).exit_code, 7);
  });

  it('kills a command whose client hangs up, streamed or buffered', async () => {
    const count = async () =>
      (
        await exec({ command: "cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$' || true" })
      ).body.stdout.trim();
    for (const accept of ['text/event-stream', 'application/json']) {
      const abort = new AbortController();
      // A buffered exec answers only when the command ends, so its request is not awaited here.
      const pending = fetch(`${d.url}/v1/sandboxes/${sb.id}/exec`, {
        method: 'POST',
        headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json', accept },
        body: JSON.stringify({ command: 'echo started; sleep 300' }),
        signal: abort.signal,
      });
      pending.catch(() => undefined);
      if (accept === 'text/event-stream') {
        // Read until the command has certainly started, then hang up.
        const reader = (await pending).body!.getReader();
        let seen = '';
        while (!seen.includes('started'))
          seen += new TextDecoder().decode((await reader.read()).value);
      } else {
        for (let i = 0; i < 100 && (await count()) === '0'; i++)
          await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(await count(), '1', `${accept}: the command runs`);
      abort.abort();
      let left = '1';
      for (let i = 0; i < 100 && left !== '0'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        left = await count();
      }
      assert.equal(left, '0', `${accept}: hanging up kills the command`);
    }
  });

  it('runs background processes with list, output, signal and kill', async () => {
    const started = await d.api<{ id: string; status: string }>(
      'POST',
      `/v1/sandboxes/${sb.id}/exec`,
      {
        command: 'trap "echo got-usr1" USR1; echo started; while true; do sleep 0.05; done',
        background: true,
      },
    );
    assert.equal(started.status, 201);
    const pid = started.body.id;
    const list = await d.api<{ items: { id: string; status: string }[] }>(
      'GET',
      `/v1/sandboxes/${sb.id}/commands`,
    );
    assert.equal(list.body.items.find((p) => p.id === pid)?.status, 'running');
    const signal = await d.api('POST', `/v1/sandboxes/${sb.id}/commands/${pid}/signal`, {
      signal: 'SIGUSR1',
    });
    assert.equal(signal.status, 200);
    let out = '';
    for (let i = 0; i < 100 && !out.includes('got-usr1'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      out = (
        await d.api<{ stdout: string }>('GET', `/v1/sandboxes/${sb.id}/commands/${pid}/output`)
      ).body.stdout;
    }
    assert.match(out, /started[\s\S]*got-usr1/);
    const killed = await d.api<{ status: string; signal: string }>(
      'DELETE',
      `/v1/sandboxes/${sb.id}/commands/${pid}`,
    );
    assert.equal(killed.body.status, 'exited');
    assert.equal(killed.body.signal, 'SIGKILL');
    const unknown = await d.api<{ error: { code: string } }>(
      'GET',
      `/v1/sandboxes/${sb.id}/commands/p999`,
    );
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'process_not_found');
  });

  it('reports a memory hog as oom and keeps serving', async () => {
    const hog = await exec({
      argv: ['node', '-e', 'const a=[]; for(;;) a.push(Buffer.alloc(16<<20, 1))'],
      timeout_ms: 60_000,
    });
    assert.equal(hog.body.state, 'oom', JSON.stringify(hog.body));
    const after = await d.api<Sandbox>('GET', `/v1/sandboxes/${sb.id}`);
    assert.ok(after.body.oom_kills >= 1);
    assert.equal((await exec({ command: 'echo alive' })).body.stdout, 'alive\n');
  });

  it('stops keeping the workspace, refuses exec while stopped, and starts again', async () => {
    await exec({ command: 'echo kept > kept.txt' });
    const stopped = await d.api<Sandbox>('POST', `/v1/sandboxes/${sb.id}/stop`, {});
    assert.equal(stopped.body.status, 'stopped');
    const refused = await exec({ command: 'true' });
    assert.equal(refused.status, 409);
    assert.equal(
      (refused.body as unknown as { error: { code: string } }).error.code,
      'sandbox_not_running',
    );
    const started = await d.api<Sandbox>('POST', `/v1/sandboxes/${sb.id}/start`, {});
    assert.equal(started.body.status, 'running');
    assert.equal((await exec({ command: 'cat kept.txt' })).body.stdout, 'kept\n');
  });

  it('marks a sandbox whose agent died as failed, and starts it again', async () => {
    const res = await d.api<Sandbox>('POST', '/v1/sandboxes', {});
    const id = res.body.id;
    await exec({ command: 'echo before > note.txt' }, id);
    const agent = processesOf(id).find((pid) =>
      fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('agent.mjs'),
    );
    assert.ok(agent, 'found the guest agent on the host');
    process.kill(Number(agent), 'SIGKILL');
    let status = 'running';
    for (let i = 0; i < 50 && status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await d.api<Sandbox>('GET', `/v1/sandboxes/${id}`)).body.status;
    }
    assert.equal(status, 'failed');
    const refused = await exec({ command: 'true' }, id);
    assert.equal(refused.status, 409);
    assert.deepEqual(processesOf(id), [], 'nothing of the dead sandbox keeps running');
    const events = await d.api<{ items: { type: string }[] }>(
      'GET',
      `/v1/sandboxes/${id}/events?limit=1`,
    );
    assert.equal(events.body.items[0]?.type, 'sandbox.failed');
    const started = await d.api<Sandbox>('POST', `/v1/sandboxes/${id}/start`, {});
    assert.equal(started.body.status, 'running');
    assert.equal((await exec({ command: 'cat note.txt' }, id)).body.stdout, 'before\n');
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${id}`)).status, 204);
  });

  it('deletes a sandbox leaving no process, mount or file behind', async () => {
    const res = await d.api<Sandbox>('POST', '/v1/sandboxes', {});
    const id = res.body.id;
    await exec({ command: 'sleep 1000 >/dev/null 2>&1 &' }, id);
    assert.ok(mountsOf(id).length > 0, 'the workspace is mounted while the sandbox exists');
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${id}`)).status, 204);
    assert.equal((await d.api('GET', `/v1/sandboxes/${id}`)).status, 404);
    assert.deepEqual(mountsOf(id), []);
    assert.equal(fs.existsSync(path.join(d.dataDir, 'sandboxes', id)), false);
    const runtimeRoot = '/run/paddock';
    if (fs.existsSync(runtimeRoot)) {
      for (const tag of fs.readdirSync(runtimeRoot)) {
        assert.equal(
          fs.existsSync(path.join(runtimeRoot, tag, id)),
          false,
          'no runtime dir remains',
        );
      }
    }
    assert.deepEqual(processesOf(id), [], 'no process of the sandbox remains');
    for (const controller of ['memory', 'pids', 'cpu', '']) {
      const root = path.join('/sys/fs/cgroup', controller);
      if (!fs.existsSync(root)) continue;
      const found = fs.readdirSync(root).filter((n) => n.startsWith('paddock-'));
      for (const parent of found) {
        assert.equal(
          fs.existsSync(path.join(root, parent, id)),
          false,
          `cgroup ${controller}/${parent}/${id} remains`,
        );
      }
    }
  });
});

describe('daemon restart', () => {
  it('reads the sandbox.yaml of a sandbox it re-adopts, keeping its processes', async () => {
    const dataDir = tempDataDir();
    try {
      let d = await startDaemon({ dataDir });
      const sb = (await d.api<Sandbox>('POST', '/v1/sandboxes', {})).body;
      const put = await fetch(`${d.url}/v1/sandboxes/${sb.id}/files?path=sandbox.yaml`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
        body: 'version: 1\nworkers:\n  - name: ticker\n    command: sleep 1000\n',
      });
      assert.equal(put.status, 200);
      type Detail = Sandbox & {
        manifest: { source: string };
        processes: { name: string; pid: number | null; status: string }[];
      };
      const running = async (daemon: typeof d) => {
        for (let i = 0; i < 200; i++) {
          const got = (await daemon.api<Detail>('GET', `/v1/sandboxes/${sb.id}`)).body;
          const ticker = got.processes.find((p) => p.name === 'ticker');
          if (got.manifest.source === 'workspace' && ticker?.status === 'running') return got;
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.fail('the worker from sandbox.yaml never ran');
      };
      const before = await running(d);
      assert.equal(await d.stop(), 0);

      d = await startDaemon({ dataDir, token: d.token });
      const after = await running(d);
      assert.equal(after.manifest.source, 'workspace', 'the manifest is known again');
      assert.equal(
        after.processes.find((p) => p.name === 'ticker')!.pid,
        before.processes.find((p) => p.name === 'ticker')!.pid,
        'the unchanged worker kept running',
      );
      await d.stop();
    } finally {
      await destroyEverything(dataDir);
    }
  });

  it('re-adopts running sandboxes after SIGTERM and after a crash', async () => {
    const dataDir = tempDataDir();
    try {
      let d = await startDaemon({ dataDir });
      const sb = (await d.api<Sandbox>('POST', '/v1/sandboxes', {})).body;
      await d.api('POST', `/v1/sandboxes/${sb.id}/exec`, {
        command: 'echo survived > note.txt; sleep 1000 >/dev/null 2>&1 &',
      });
      assert.equal(await d.stop(), 0, 'SIGTERM shuts down cleanly');

      d = await startDaemon({ dataDir, token: d.token });
      let got = await d.api<Sandbox>('GET', `/v1/sandboxes/${sb.id}`);
      assert.equal(got.body.status, 'running');
      const cat = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb.id}/exec`, {
        command: "cat note.txt; cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$'",
      });
      assert.equal(cat.body.stdout, 'survived\n1\n', 'the same sandbox, with its processes');

      d.proc.kill('SIGKILL');
      await new Promise((r) => d.proc.once('exit', r));
      d = await startDaemon({ dataDir, token: d.token });
      got = await d.api<Sandbox>('GET', `/v1/sandboxes/${sb.id}`);
      assert.equal(got.body.status, 'running');
      const again = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb.id}/exec`, {
        command: 'cat note.txt',
      });
      assert.equal(again.body.stdout, 'survived\n');
      assert.equal(await d.stop(), 0);

      // A sandbox whose processes died while the daemon was down is marked stopped, then starts.
      for (const pid of processesOf(sb.id)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone: killing one of them can take its children with it
        }
      }
      d = await startDaemon({ dataDir, token: d.token });
      got = await d.api<Sandbox>('GET', `/v1/sandboxes/${sb.id}`);
      assert.equal(got.body.status, 'stopped');
      const events = await d.api<{ items: { type: string; payload: { reason?: string } }[] }>(
        'GET',
        `/v1/sandboxes/${sb.id}/events?limit=1`,
      );
      assert.equal(events.body.items[0]?.type, 'sandbox.stopped');
      assert.equal(events.body.items[0]?.payload.reason, 'reconcile');
      const restarted = await d.api<Sandbox>('POST', `/v1/sandboxes/${sb.id}/start`);
      assert.equal(restarted.body.status, 'running');
      const kept = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb.id}/exec`, {
        command: 'cat note.txt',
      });
      assert.equal(kept.body.stdout, 'survived\n', 'the workspace outlives its processes');
      await d.stop();
    } finally {
      await destroyEverything(dataDir);
    }
  });
});
