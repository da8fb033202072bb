import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, before, describe, it } from 'node:test';
import { PTY_LIMITS } from '@paddock/shared';
import { CLI, suiteDaemon } from './harness.js';
import { openPreview, waitFor } from './previewClient.js';
import { RefusedUpgrade, TestTerminal } from './ptyClient.js';

interface ExecResult {
  exit_code: number | null;
  stdout: string;
  stderr: string;
}

/** What a refused upgrade answered: the status and the error code. */
async function refusal(p: Promise<TestTerminal>): Promise<[number, string]> {
  try {
    const t = await p;
    await t.close();
  } catch (err) {
    if (!(err instanceof RefusedUpgrade)) throw err;
    const code = (JSON.parse(err.body) as { error?: { code?: string } }).error?.code ?? '';
    return [err.status, code];
  }
  throw new Error('the upgrade was accepted');
}

describe('terminals (PTYs) over the WebSocket API', () => {
  const d = suiteDaemon();
  let sb: string;
  const opened: TestTerminal[] = [];
  const open = async (query: Record<string, string> = {}, id = sb) => {
    const t = await TestTerminal.open(d.url, id, { token: d.token, query });
    opened.push(t);
    return t;
  };
  // A failed test must not leave terminals open for the next (the cap counts them).
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });
  const exec = async (command: string, id = sb): Promise<ExecResult> => {
    const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${id}/exec`, { command });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  /** Processes in the sandbox whose command line matches `pattern` (pgrep -f, no shell). */
  const pgrep = async (pattern: string, id = sb): Promise<string[]> => {
    const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${id}/exec`, {
      argv: ['pgrep', '-f', pattern],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.stdout.split('\n').filter(Boolean);
  };

  before(async () => {
    const res = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
    assert.equal(res.status, 201, JSON.stringify(res.body));
    sb = res.body.id;
  });

  it('runs a shell: typed input is read, output comes back', async () => {
    const t = await open();
    t.type('echo $((6*7))\n');
    await t.until(/[\r\n]42\r\n/);
    t.type('pwd; echo "$TERM $LANG"\n');
    await t.until(/[\r\n]\/workspace\r\nxterm-256color C\.UTF-8\r\n/);
    await t.close();
  });

  it('starts at the size asked for, and resizes', async () => {
    const t = await open({ cols: '120', rows: '40', cwd: '.' });
    t.type('stty size\n');
    await t.until(/[\r\n]40 120\r\n/);
    t.control({ type: 'resize', cols: 100, rows: 30 });
    // Bytes sent after a resize reach the shell once the size is in force.
    t.type('stty size\n');
    await t.until(/[\r\n]30 100\r\n/);
    await t.close();
  });

  it('passes UTF-8 both ways, also a character split across two messages', async () => {
    const t = await open();
    t.type("printf 'h\u00e9llo \u2192 \u2713\\n'\n");
    await t.until(/[\r\n]héllo → ✓\r\n/);
    const arrow = Buffer.from('→', 'utf8');
    t.type('echo x');
    t.type(arrow.subarray(0, 1));
    t.type(arrow.subarray(1));
    t.type('y\n');
    await t.until(/[\r\n]x→y\r\n/);
    await t.close();
  });

  it('Ctrl-C interrupts the foreground command and the shell goes on', async () => {
    const t = await open();
    t.type('sleep 171\n');
    await waitFor('sleep to run', async () => (await pgrep('sleep 171')).length === 1);
    t.type('\x03');
    await waitFor('sleep to end', async () => (await pgrep('sleep 171')).length === 0);
    t.type('echo alive-$((1+1))\n');
    await t.until(/[\r\n]alive-2\r\n/);
    await t.close();
  });

  it('sends a signal message to the foreground group; SIGHUP ends the shell with an exit message', async () => {
    const t = await open();
    t.type('sleep 172\n');
    await waitFor('sleep to run', async () => (await pgrep('sleep 172')).length === 1);
    t.control({ type: 'signal', signal: 'SIGTERM' });
    await waitFor('sleep to end', async () => (await pgrep('sleep 172')).length === 0);
    t.type('echo still-$((2+2))\n');
    await t.until(/[\r\n]still-4\r\n/);
    // A malformed control message is answered and ignored.
    t.control({ type: 'signal', signal: 'SIGSEGV' });
    assert.equal((await t.received('error')).code, 'bad_request');
    t.type('echo after-$((3+3))\n');
    await t.until(/[\r\n]after-6\r\n/);
    // Nothing runs in the foreground: the shell itself gets it.
    t.control({ type: 'signal', signal: 'SIGHUP' });
    const exit = await t.received('exit');
    assert.deepEqual(exit, { type: 'exit', code: 129, signal: null });
    assert.deepEqual(await t.closed, { code: 1000, reason: 'exited' });
  });

  it('reports the exit status when the shell exits, and opens sh when asked', async () => {
    const t = await open({ shell: '/bin/sh' });
    t.type('echo "$SHELL"; exit 3\n');
    await t.until(/[\r\n ]\/bin\/sh\r\n/);
    assert.deepEqual(await t.received('exit'), { type: 'exit', code: 3, signal: null });
    assert.equal((await t.closed).code, 1000);
  });

  it('keeps several terminals apart', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    a.type('X=from-a; echo pid=$$\n');
    b.type('echo pid=$$ x=${X:-unset}\n');
    const pa = (await a.until(/[\r\n]pid=(\d+)\r\n/))[1];
    const mb = await b.until(/[\r\n]pid=(\d+) x=(\S+)\r\n/);
    assert.notEqual(pa, mb[1]);
    assert.equal(mb[2], 'unset');
    a.type('echo x=$X\n');
    await a.until(/[\r\n]x=from-a\r\n/);
    await Promise.all([a.close(), b.close()]);
  });

  it('closing the WebSocket ends every process of the terminal, background ones too', async () => {
    const t = await open();
    t.type('sleep 181 & (sleep 182 &); nohup sleep 183 >/dev/null 2>&1 & sleep 184\n');
    await waitFor('all four to run', async () => (await pgrep('sleep 18[1-4]')).length === 4);
    assert.ok((await pgrep('script -q -f -e')).length >= 1);
    await t.close();
    // nohup ignores the hangup: the SIGKILL after the grace ends it. No other terminal is open
    // (each test closes its own), so no script(1) may be left either.
    await waitFor(
      'the terminal to be hung up',
      async () =>
        (await pgrep('sleep 18[1-4]')).length === 0 &&
        (await pgrep('script -q -f -e')).length === 0,
      10_000,
    );
  });

  it('paddock sandbox shell: stdin to the terminal, its end the end of input, the shell’s exit status', async () => {
    const run = (args: string[], input: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'sandbox', 'shell', ...args], {
          env: { ...process.env, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.once('close', (code) => resolve({ code, out, err }));
        child.stdin.end(input);
      });
    const ok = await run([sb, '--shell', '/bin/sh'], 'echo cli-$((6*7))\nexit 5\n');
    assert.equal(ok.code, 5, ok.err);
    assert.match(ok.out, /cli-42\r\n/);
    const eof = await run([sb], 'echo eof-$((1+2))\n');
    assert.equal(eof.code, 0, eof.err);
    assert.match(eof.out, /eof-3/);
    const refused = await run(['sb00000000000000000000000000'], '');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /not_found/);
  });

  it('refuses without a token (401), for another owner (404), with a sandbox token (403), without an upgrade (400)', async () => {
    assert.deepEqual(await refusal(TestTerminal.open(d.url, sb)), [401, 'unauthorized']);
    const bob = await d.api<{ token: string }>('POST', '/v1/api-keys', { name: 'b', owner: 'bob' });
    assert.deepEqual(await refusal(TestTerminal.open(d.url, sb, { token: bob.body.token })), [
      404,
      'not_found',
    ]);
    const sandboxToken = (await exec('cat /run/paddock/token')).stdout.trim();
    assert.deepEqual(await refusal(TestTerminal.open(d.url, sb, { token: sandboxToken })), [
      403,
      'forbidden',
    ]);
    const plain = await d.api<{ error: { code: string } }>('GET', `/v1/sandboxes/${sb}/pty`);
    assert.deepEqual([plain.status, plain.body.error.code], [400, 'bad_request']);
    assert.deepEqual(await refusal(open({ cwd: '../etc' })), [400, 'invalid_path']);
    assert.deepEqual(await refusal(open({ cols: '0' })), [400, 'bad_request']);
    assert.deepEqual(await refusal(open({ shell: '/nonexistent/sh' })), [400, 'bad_request']);
    assert.deepEqual(await refusal(open({ env: 'A=1' })), [400, 'unknown_field']);
    // An upgrade to a route that takes none is not opened and closed again: 404.
    const other = TestTerminal.openPath(d.url, `/v1/sandboxes/${sb}`, { token: d.token });
    assert.deepEqual(await refusal(other), [404, 'route_not_found']);
  });

  it('takes the session cookie only from the console’s own origin', async () => {
    const signIn = await fetch(`${d.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: d.token }),
    });
    assert.equal(signIn.status, 200);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const withOrigin = (origin?: string) =>
      TestTerminal.open(d.url, sb, { headers: { cookie, ...(origin ? { origin } : {}) } });
    assert.deepEqual(await refusal(withOrigin('http://evil.example')), [403, 'forbidden']);
    assert.deepEqual(await refusal(withOrigin(`http://127.0.0.1:1`)), [403, 'forbidden']);
    assert.deepEqual(await refusal(withOrigin()), [403, 'forbidden']);
    const t = await withOrigin(d.url);
    t.type('echo cookie-$((5*5))\n');
    await t.until(/[\r\n]cookie-25\r\n/);
    await t.close();
  });

  it(`opens at most ${PTY_LIMITS.maxPerSandbox} at once in a sandbox (429 rate_limited)`, async () => {
    // The daemon counts a terminal until its connection's end reaches it, a moment after the
    // client saw the close of the previous test's: wait for a place when there is none yet.
    const open8: TestTerminal[] = [];
    while (open8.length < PTY_LIMITS.maxPerSandbox) {
      open8.push(
        await waitFor('a place', () =>
          open().catch((err: unknown) => {
            if (err instanceof RefusedUpgrade && err.status === 429) return undefined;
            throw err;
          }),
        ),
      );
    }
    assert.deepEqual(await refusal(open()), [429, 'rate_limited']);
    await open8.pop()!.close();
    const again = await open();
    await Promise.all([again, ...open8].map((t) => t.close()));
  });

  it('audits opening and closing, never what was typed', async () => {
    const t = await open();
    t.type('echo typed-secret-$((7*7))\n');
    await t.until(/typed-secret-49/);
    await t.close();
    const page = await waitFor('the closing entry', async () => {
      const res = await d.api<{ items: { action: string; details: Record<string, unknown> }[] }>(
        'GET',
        '/v1/audit?action=pty.*&limit=500',
      );
      return res.body.items.some((e) => e.action === 'pty.closed') && res.body;
    });
    const opened = page.items.find((e) => e.action === 'pty.opened')!;
    assert.ok('shell' in opened.details);
    assert.ok(!JSON.stringify(page).includes('typed-secret'));
  });

  it('leaves preview WebSockets working beside the API’s', async () => {
    const server = [
      "import http from 'node:http';",
      "const s = http.createServer((q, r) => r.end('ok'));",
      "s.on('upgrade', (q, sock) => { sock.write('HTTP/1.1 101 Switching Protocols\\r\\nConnection: Upgrade\\r\\nUpgrade: websocket\\r\\n\\r\\n'); sock.pipe(sock); });",
      "s.listen(3000, '127.0.0.1');",
    ].join('\n');
    const put = async (p: string, body: string) => {
      const res = await fetch(`${d.url}/v1/sandboxes/${sb}/files?path=${p}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
        body,
      });
      assert.equal(res.status, 200, await res.text());
    };
    await put('server.mjs', server);
    await put('sandbox.yaml', 'version: 1\nweb:\n  command: node server.mjs\n  port: 3000\n');
    const link = await waitFor('the preview', async () => {
      const res = await d.api<{ preview: { url: string | null; status: string } }>(
        'GET',
        `/v1/sandboxes/${sb}`,
      );
      return res.body.preview.status === 'ready' && res.body.preview.url;
    });
    const { cookie } = await openPreview(d.url, link);
    const t = await open(); // an API terminal open at the same time
    const echoed = await new Promise<string>((resolve, reject) => {
      const port = Number(new URL(d.url).port);
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(
          `GET / HTTP/1.1\r\nHost: ${new URL(link).host}\r\nCookie: ${cookie}\r\n` +
            'Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
        );
      });
      let got = '';
      socket.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.includes('\r\n\r\n') && !got.includes('ping-through')) socket.write('ping-through');
        if (got.includes('ping-through')) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    assert.match(echoed, /^HTTP\/1\.1 101 /);
    t.type('echo both-$((8*8))\n');
    await t.until(/[\r\n]both-64\r\n/);
    await t.close();
  });

  it('keeps the sandbox from idle stop while a terminal is open', async () => {
    const t = await open();
    assert.equal((await d.api('PATCH', '/v1/settings', { idle_stop_seconds: 1 })).status, 200);
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      const row = await d.api<{ status: string }>('GET', `/v1/sandboxes/${sb}`);
      assert.equal(row.body.status, 'running');
      t.type('echo idle-$((9*9))\n');
      await t.until(/[\r\n]idle-81\r\n/);
      await t.close();
      await waitFor('the idle stop', async () => {
        const res = await d.api<{ status: string }>('GET', `/v1/sandboxes/${sb}`);
        return res.body.status === 'stopped';
      });
    } finally {
      await d.api('PATCH', '/v1/settings', { idle_stop_seconds: 900 });
    }
  });

  it('ends a terminal with an error message when its sandbox stops', async () => {
    const started = await d.api<{ status: string }>('POST', `/v1/sandboxes/${sb}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const t = await open();
    t.type('echo up-$((4*4))\n');
    await t.until(/[\r\n]up-16\r\n/);
    assert.equal((await d.api('POST', `/v1/sandboxes/${sb}/stop`)).status, 200);
    const error = await t.received('error');
    assert.equal(error.code, 'sandbox_not_running');
    assert.equal((await t.closed).code, 1011);
  });
});
