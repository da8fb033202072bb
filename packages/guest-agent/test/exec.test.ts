import assert from 'node:assert/strict';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AGENT_LIMITS, GUEST_TOOLS_BIN, type ExecStreamFrame } from '@paddock/shared';
import { eventually, paddockError, startAgent, waitGone, type Harness } from './harness.js';
import { readFile } from 'node:fs/promises';

function parseEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

describe('exec', () => {
  let h: Harness;
  before(async () => {
    h = await startAgent({
      PADDOCK_SANDBOX_ENV_FOO: 'foo-value',
      PADDOCK_SANDBOX_ENV_GITHUB_TOKEN: 'ghp_should_not_leak',
      PADDOCK_SANDBOX_ENV_DB_PASSWORD: 'hunter2',
      SECRET_THING: 'agent-only',
      OTHER_AGENT_VAR: 'agent-only',
    });
  });
  after(async () => {
    assert.equal(await h.stop(), 0, 'the agent exits 0 on SIGTERM');
  });

  test('the agent prints a ready line', () => {
    assert.equal(h.ready.ready, true);
    assert.equal(h.ready.socket, h.socket);
  });

  test('a shell command: stdout, stderr and exit code', async () => {
    const r = await h.client.exec({ command: 'echo hello; echo oops >&2; exit 3' });
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.stderr, 'oops\n');
    assert.equal(r.exit_code, 3);
    assert.equal(r.signal, null);
    assert.equal(r.state, 'exited');
    assert.equal(r.stdout_truncated, false);
    assert.equal(typeof r.duration_ms, 'number');
  });

  test('argv runs without a shell', async () => {
    const r = await h.client.exec({ argv: ['printf', '%s|', 'a b', "c'd", '$HOME'] });
    assert.equal(r.stdout, "a b|c'd|$HOME|");
    assert.equal(r.exit_code, 0);
  });

  test('stdin is written and closed; without it, stdin is empty', async () => {
    const withInput = await h.client.exec({ argv: ['cat'], stdin: 'line 1\nline 2\n' });
    assert.equal(withInput.stdout, 'line 1\nline 2\n');
    const without = await h.client.exec({ command: 'cat; echo done' });
    assert.equal(without.stdout, 'done\n');
  });

  test('sandbox env is passed with credentials scrubbed; agent env never leaks', async () => {
    const r = await h.client.exec({ argv: ['env'] });
    const env = parseEnv(r.stdout);
    assert.equal(env.get('FOO'), 'foo-value');
    assert.equal(env.has('GITHUB_TOKEN'), false);
    assert.equal(env.has('DB_PASSWORD'), false);
    assert.equal(env.has('SECRET_THING'), false);
    assert.equal(env.has('OTHER_AGENT_VAR'), false);
    // Only the two that tell a guest how to reach the control plane; none of the agent's own.
    assert.deepEqual(
      [...env.keys()].filter((k) => k.startsWith('PADDOCK_')).sort(),
      ['PADDOCK_API_URL', 'PADDOCK_TOKEN_FILE'],
      'no PADDOCK_ variable of the agent reaches a child',
    );
    // The system's directories, then the shared cache's package managers (pnpm, yarn) last.
    assert.equal(
      env.get('PATH'),
      `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${GUEST_TOOLS_BIN}`,
    );
    assert.equal(env.get('HOME'), h.ws);
    assert.equal(env.get('USER'), 'sandbox');
    assert.equal(env.get('LANG'), 'C.UTF-8');
    assert.equal(env.get('PWD'), h.ws);
  });

  test('explicit env passes, credential-like names included', async () => {
    const r = await h.client.exec({
      command: 'echo "$GITHUB_TOKEN $FOO"',
      env: { GITHUB_TOKEN: 'explicit-token', FOO: 'override' },
    });
    assert.equal(r.stdout, 'explicit-token override\n');
  });

  test('cwd resolves inside the workspace', async () => {
    await mkdir(path.join(h.ws, 'sub/dir'), { recursive: true });
    await writeFile(path.join(h.ws, 'plain.txt'), 'x');
    const r = await h.client.exec({ command: 'pwd -P; echo "$PWD"', cwd: 'sub/dir' });
    const real = await realpath(path.join(h.ws, 'sub/dir'));
    assert.equal(r.stdout, `${real}\n${path.join(h.ws, 'sub/dir')}\n`);
    const abs = await h.client.exec({ command: 'pwd -P', cwd: path.join(h.ws, 'sub') });
    assert.equal(abs.stdout, `${await realpath(path.join(h.ws, 'sub'))}\n`);
    assert.equal(
      (await paddockError(h.client.exec({ command: 'true', cwd: 'missing' }))).code,
      'file_not_found',
    );
    assert.equal(
      (await paddockError(h.client.exec({ command: 'true', cwd: '../' }))).code,
      'invalid_path',
    );
    assert.equal(
      (await paddockError(h.client.exec({ command: 'true', cwd: '/etc' }))).code,
      'invalid_path',
    );
    assert.equal(
      (await paddockError(h.client.exec({ command: 'true', cwd: 'plain.txt' }))).code,
      'not_a_directory',
    );
  });

  test('a missing program is exit 127 with the reason on stderr, like a shell', async () => {
    const r = await h.client.exec({ argv: ['paddock-no-such-program', 'x'] });
    assert.equal(r.exit_code, 127);
    assert.equal(r.state, 'exited');
    assert.match(r.stderr, /paddock-no-such-program: command not found/);
  });

  test('invalid requests are refused with their codes', async () => {
    const cases: [object, string][] = [
      [{ command: 'true', argv: ['true'] }, 'bad_request'],
      [{}, 'bad_request'],
      [{ command: '' }, 'bad_request'],
      [{ argv: [] }, 'bad_request'],
      [{ argv: ['echo', 1] }, 'bad_request'],
      [{ command: 'true', timeout_ms: 0 }, 'bad_request'],
      [{ command: 'true', timeout_ms: 1.5 }, 'bad_request'],
      [{ command: 'true', env: { 'BAD-NAME': 'x' } }, 'bad_request'],
      [{ command: 'true', env: { OK: 1 } }, 'bad_request'],
      [{ command: 'true', stdin: 5 }, 'bad_request'],
      [{ command: 'true', shell: 'bash' }, 'unknown_field'],
    ];
    for (const [body, code] of cases) {
      const err = await paddockError(h.client.exec(body as never));
      assert.equal(err.code, code, JSON.stringify(body));
    }
  });

  test('output beyond the cap is dropped and flagged', async () => {
    const r = await h.client.exec({
      command: `head -c ${AGENT_LIMITS.execOutputBytes + 5000} /dev/zero | tr '\\0' a; echo small >&2`,
    });
    assert.equal(r.stdout.length, AGENT_LIMITS.execOutputBytes);
    assert.equal(r.stdout_truncated, true);
    assert.equal(r.stderr, 'small\n');
    assert.equal(r.stderr_truncated, false);
  });

  test('a cut never leaves half a UTF-8 character', async () => {
    // 'é\n' is 3 bytes, so the cap falls inside a character.
    const r = await h.client.exec({
      command: `yes é | head -c ${AGENT_LIMITS.execOutputBytes + 300}`,
    });
    assert.equal(r.stdout_truncated, true);
    assert.ok(!r.stdout.includes('\uFFFD'), 'no replacement character');
    assert.ok(r.stdout.endsWith('é\n'));
  });

  test('timeout kills the whole process group and reports timed_out', async () => {
    const r = await h.client.exec({ command: 'sleep 30 & echo $!; sleep 30', timeout_ms: 300 });
    assert.equal(r.state, 'timed_out');
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.exit_code, null);
    const grandchild = Number(r.stdout.trim());
    assert.ok(grandchild > 0);
    assert.equal(await waitGone(grandchild), true, 'the backgrounded sleep was killed too');
  });

  test('a signal the agent did not send is reported as killed', async () => {
    const r = await h.client.exec({ command: 'kill -USR1 $$' });
    assert.equal(r.state, 'killed');
    assert.equal(r.signal, 'SIGUSR1');
    assert.equal(r.exit_code, null);
  });

  test('streaming sends start, output and exit frames in order', async () => {
    const frames: ExecStreamFrame[] = [];
    for await (const f of h.client.execStream({
      command: 'echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three; exit 4',
    })) {
      frames.push(f);
    }
    const first = frames[0];
    assert.ok(first && first.event === 'start' && first.data.pid > 0);
    const last = frames.at(-1);
    assert.ok(last && last.event === 'exit');
    assert.equal(last.data.exit_code, 4);
    assert.equal(last.data.state, 'exited');
    assert.equal('stdout' in last.data, false);
    const text = (e: string): string =>
      frames.map((f) => (f.event === e ? (f.data as { text: string }).text : '')).join('');
    assert.equal(text('stdout'), 'one\nthree\n');
    assert.equal(text('stderr'), 'two\n');
    const order = frames
      .filter((f) => f.event === 'stdout' || f.event === 'stderr')
      .map((f) => f.event);
    assert.deepEqual(order.slice(0, 2), ['stdout', 'stderr']);
    assert.equal(frames.filter((f) => f.event === 'exit').length, 1);
  });

  test('streaming keeps a multi-byte character split across writes whole', async () => {
    const frames: ExecStreamFrame[] = [];
    for await (const f of h.client.execStream({
      command: "printf '\\303'; sleep 0.1; printf '\\251\\n'",
    })) {
      frames.push(f);
    }
    const stdout = frames
      .filter((f) => f.event === 'stdout')
      .map((f) => (f.data as { text: string }).text);
    assert.equal(stdout.join(''), 'é\n');
    assert.ok(stdout.every((t) => !t.includes('\uFFFD')));
  });

  test('streaming a missing program ends with exit 127', async () => {
    const frames: ExecStreamFrame[] = [];
    for await (const f of h.client.execStream({ argv: ['paddock-no-such-program'] }))
      frames.push(f);
    const last = frames.at(-1);
    assert.ok(last && last.event === 'exit');
    assert.equal(last.data.exit_code, 127);
  });

  test('a streaming client that hangs up kills the process group', async () => {
    let pid = 0;
    for await (const f of h.client.execStream({ command: 'sleep 30 & echo $!; wait' })) {
      if (f.event === 'stdout') {
        pid = Number(f.data.text.trim());
        break;
      }
    }
    assert.ok(pid > 0);
    assert.equal(await waitGone(pid), true, 'the stream consumer left, so the process was killed');
  });

  test('aborting a buffered exec kills the process group', async () => {
    const controller = new AbortController();
    const pidFile = path.join(h.ws, 'abort.pid');
    const run = h.client.exec(
      { command: 'sleep 30 & echo $! > abort.pid; wait' },
      controller.signal,
    );
    const pid = await eventually(async () => {
      const text = await readFile(pidFile, 'utf8').catch(() => '');
      return text.endsWith('\n') ? Number(text) : undefined;
    });
    controller.abort();
    await assert.rejects(run, { name: 'AbortError' });
    assert.equal(await waitGone(pid), true);
  });
});
