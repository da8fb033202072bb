/**
 * A hostile guest (issue 20): code in sandbox A takes over A's guest agent from inside (its
 * inspector, opened with SIGUSR1 as the sandbox's own uid; the agent socket itself is pinned and
 * cannot be rebound) and answers the daemon with garbage, oversized, endless, lying, hanging and
 * wrongly upgraded replies, and well-formed ones naming host paths. For every one the API answers
 * A's calls with a 4xx/502/503 error envelope (never 500), within the stated timeouts; sandbox B
 * answers meanwhile; the daemon's memory and descriptors stay bounded; nothing outside A on the
 * host is written; and the owner can still stop and delete A. The hostile programs are
 * test/fixtures/hostile-guest/.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExecStreamParser, type ExecResult } from '@paddock/shared';
import { suiteDaemon } from './harness.js';
import { RefusedUpgrade, TestTerminal } from './ptyClient.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures/hostile-guest');
/**
 * The daemon's deadline for an agent's answer (default 60 s), shortened so the hanging case is
 * quick, yet longer than a terminal's own opening deadline (15 s) so that one is met too.
 */
const AGENT_TIMEOUT_SECONDS = 16;
/**
 * Generous: the daemon holds at most 16 MiB of one answer, but seven calls at once may each do so,
 * and freed memory is not always handed straight back (a run peaks 100-150 MiB over the baseline,
 * then settles lower). It shows memory stays bounded under this load, not that nothing leaks.
 */
const RSS_GROWTH_LIMIT = 200 * 1024 * 1024;
/** Keep-alive connections to the two agents and the test's own come and go around a baseline. */
const FD_SLACK = 12;

const ERROR_CODES = new Set(['agent_error', 'sandbox_unavailable']);

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m);
  return Number(m[1]) * 1024;
}

const fdCount = (pid: number): number => fs.readdirSync(`/proc/${pid}/fd`).length;

describe('a hostile guest agent', () => {
  const d = suiteDaemon({ env: { PADDOCK_AGENT_TIMEOUT_SECONDS: String(AGENT_TIMEOUT_SECONDS) } });
  const canary = path.join(os.tmpdir(), `pdk-hostile-canary-${randomBytes(6).toString('hex')}`);
  const absent = `${canary}-absent`;
  let a = '';
  let b = '';

  const auth = () => ({ authorization: `Bearer ${d.token}` });
  const put = (id: string, p: string, body: string | Buffer) =>
    fetch(`${d.url}/v1/sandboxes/${id}/files?path=${encodeURIComponent(p)}`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body,
    });
  const setMode = async (mode: string) => {
    const res = await put(a, '.hostile-mode', `${mode} ${canary}`);
    assert.equal(res.status, 200, `setting mode ${mode}: ${await res.text()}`);
  };

  /** One call to A must end in our error envelope: 4xx, 502 or 503, never 500. */
  const refused = (what: string, res: { status: number; body: unknown }) => {
    const err = (res.body as { error?: { code: string } }).error;
    assert.ok(
      res.status === 502 || res.status === 503 || (res.status >= 400 && res.status < 500),
      `${what}: ${res.status} ${JSON.stringify(res.body)}`,
    );
    assert.ok(err && ERROR_CODES.has(err.code), `${what}: ${JSON.stringify(res.body)}`);
  };

  /** A streamed exec: the head is already 200, so the refusal is the stream's last frame. */
  const streamedExec = async (id: string) => {
    const res = await fetch(`${d.url}/v1/sandboxes/${id}/exec`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ command: 'true' }),
    });
    return new ExecStreamParser().push(await res.text());
  };

  /**
   * A file read: refused, or a 200 passed on as the agent declared it. Its body is read up to
   * 8 MiB (the rest is left: the test hangs up) and is never longer than declared; `whole`
   * says whether a body as long as declared is a right answer here.
   */
  const readFile = async (what: string, whole = false) => {
    const res = await fetch(`${d.url}/v1/sandboxes/${a}/files?path=x`, { headers: auth() });
    if (res.status !== 200) {
      const body: unknown = await res.json();
      refused(what, { status: res.status, body });
      return;
    }
    const declared = Number(res.headers.get('content-length'));
    const reader = res.body!.getReader();
    let got = 0;
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        got += chunk.value.length;
        if (got > 8 * 1024 * 1024) break;
      }
    } catch {
      got = -1; // cut off: the daemon cannot take back a 200 it started
    }
    await reader.cancel().catch(() => undefined);
    assert.ok(got <= declared && (whole || got < declared), `${what}: ${got} of ${declared}`);
  };

  const terminal = async (what: string) => {
    const opened = await TestTerminal.open(d.url, a, { token: d.token }).then(
      async (t) => {
        await t.close();
        return null;
      },
      (err: unknown) => err,
    );
    assert.ok(opened instanceof RefusedUpgrade, `${what}: ${String(opened)}`);
    refused(what, { status: opened.status, body: JSON.parse(opened.body) });
  };

  /** A's control calls, each of which the hostile agent answers wrongly. */
  const controlCalls = (mode: string) =>
    Promise.all(
      [
        // A command without a timeout_ms may run for as long as its caller waits: no deadline.
        ...(mode === 'hang' ? [] : [['exec', 'POST', 'exec', { command: 'true' }]]),
        ['timed exec', 'POST', 'exec', { command: 'true', timeout_ms: 100 }],
        ['stat', 'GET', 'files/stat?path=x'],
        ['list', 'GET', 'files/list?path=.'],
        ['delete', 'DELETE', 'files?path=x'],
        ['mkdir', 'POST', 'files/mkdir', { path: 'd' }],
        ['commands', 'GET', 'commands'],
      ].map(async ([what, method, p, body]) =>
        refused(
          `${mode} ${String(what)}`,
          await d.api(String(method), `/v1/sandboxes/${a}/${String(p)}`, body),
        ),
      ),
    );

  /** B keeps working: a command, a write and a read back. */
  const bAnswers = async () => {
    const r = await d.api<ExecResult>('POST', `/v1/sandboxes/${b}/exec`, { command: 'echo b' });
    assert.equal(r.status, 200);
    assert.equal(r.body.stdout, 'b\n');
    const w = await put(b, 'b.txt', 'still here');
    assert.equal(w.status, 200);
    const back = await fetch(`${d.url}/v1/sandboxes/${b}/files?path=b.txt`, { headers: auth() });
    assert.equal(await back.text(), 'still here');
  };

  let baseline = { rss: 0, fds: 0 };

  before(() => fs.writeFileSync(canary, 'untouched\n'));
  after(() => {
    fs.rmSync(canary, { force: true });
    fs.rmSync(absent, { force: true });
  });

  it('code in the sandbox takes over its agent; the pinned socket cannot be rebound', async () => {
    for (const which of ['a', 'b']) {
      const res = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
      assert.equal(res.status, 201, JSON.stringify(res.body));
      if (which === 'a') a = res.body.id;
      else b = res.body.id;
    }
    for (const name of ['takeover.mjs', 'answers.cjs']) {
      const res = await put(a, `.hostile/${name}`, fs.readFileSync(path.join(FIXTURES, name)));
      assert.equal(res.status, 200);
    }
    // Replacing the socket's name in the run dir reaches nothing: the daemon uses its own link.
    const rebound = await d.api<ExecResult>('POST', `/v1/sandboxes/${a}/exec`, {
      command: 'rm /run/paddock/agent.sock && echo removed',
    });
    assert.equal(rebound.body.stdout, 'removed\n');
    assert.equal((await d.api('GET', `/v1/sandboxes/${a}/files/stat?path=.`)).status, 200);

    const took = await d.api<ExecResult>('POST', `/v1/sandboxes/${a}/exec`, {
      command: 'env -u NODE_OPTIONS node --experimental-websocket .hostile/takeover.mjs',
    });
    assert.equal(took.body.exit_code, 0, took.body.stderr);
    assert.match(took.body.stderr, /took over the guest agent/);
    await setMode('garbage');
    const res = await d.api('GET', `/v1/sandboxes/${a}/files/stat?path=x`);
    assert.equal(res.status, 502, 'the agent now answers as the hostile program says');

    await setMode('pass');
    await bAnswers();
    baseline = { rss: rssBytes(d.proc.pid!), fds: fdCount(d.proc.pid!) };
  });

  for (const mode of [
    'garbage',
    'internal',
    'unknown-code',
    'unauthorized',
    'not-an-envelope',
    'huge-declared',
    'endless',
    'short-body',
    'long-body',
  ]) {
    it(`answers A's calls with an error envelope when the agent sends ${mode}`, async () => {
      await setMode(mode);
      await controlCalls(mode);
      await readFile(`${mode} read`);
      const frames = await streamedExec(a);
      const last = frames.at(-1);
      assert.ok(
        last?.event === 'error' && ERROR_CODES.has(last.data.code),
        `${mode} stream: ${JSON.stringify(frames.slice(-2))}`,
      );
      await terminal(`${mode} terminal`);
      await setMode('pass');
      await bAnswers();
    });
  }

  it('passes on well-formed answers naming host paths, and touches none of them', async () => {
    await setMode('host-paths');
    const stat = await d.api<{ path: string }>('GET', `/v1/sandboxes/${a}/files/stat?path=x`);
    assert.equal(stat.status, 200);
    assert.equal(stat.body.path, canary);
    const list = await d.api('GET', `/v1/sandboxes/${a}/files/list?path=.`);
    assert.equal(list.status, 200);
    const exec = await d.api<ExecResult>('POST', `/v1/sandboxes/${a}/exec`, { command: 'true' });
    assert.equal(exec.status, 200);
    await readFile('host-paths read', true);
    assert.equal(fs.readFileSync(canary, 'utf8'), 'untouched\n');
    assert.equal(fs.existsSync(absent), false);
  });

  it('ends an endless stream of valid frames when the client hangs up', async () => {
    await setMode('flood');
    const res = await fetch(`${d.url}/v1/sandboxes/${a}/exec`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ command: 'yes' }),
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 32 * 1024 * 1024) {
      const chunk = await reader.read();
      assert.equal(chunk.done, false);
      got += chunk.value!.length;
    }
    await reader.cancel();
    await terminal('flood terminal (an answer to an upgrade that is not one)');
  });

  it('a hanging agent: A answers 503 at the deadlines while B keeps answering', async () => {
    await setMode('hang');
    const calls = Promise.all([
      controlCalls('hang'),
      readFile('hang read'),
      // The terminal's own opening deadline (15 s) comes first; the others' is the agent's.
      terminal('hang terminal'),
      streamedExec(a).then((frames) => {
        const last = frames.at(-1);
        assert.ok(last?.event === 'error', JSON.stringify(frames));
        assert.equal(last.data.code, 'sandbox_unavailable');
      }),
    ]);
    const untimed = new AbortController();
    const command = fetch(`${d.url}/v1/sandboxes/${a}/exec`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'sleep infinity' }),
      signal: untimed.signal,
    }).catch((err: unknown) => err);
    // B while A's answers are outstanding.
    await bAnswers();
    await bAnswers();
    await calls;
    // The command without a timeout waits for its caller, who now hangs up (descriptors below).
    untimed.abort();
    assert.ok((await command) instanceof Error);
  });

  it('leaves the daemon serving, bounded in memory and descriptors', async (t) => {
    const pid = d.proc.pid!;
    assert.equal((await fetch(`${d.url}/readyz`)).status, 200);
    await bAnswers();
    const grown = rssBytes(pid) - baseline.rss;
    assert.ok(grown < RSS_GROWTH_LIMIT, `RSS grew by ${grown} bytes`);
    // Descriptors of finished calls are closed; allow the keep-alive pool its slack.
    let fds = fdCount(pid);
    for (let i = 0; i < 50 && fds > baseline.fds + FD_SLACK; i++) {
      await new Promise((r) => setTimeout(r, 100));
      fds = fdCount(pid);
    }
    t.diagnostic(`RSS grew ${grown} bytes; ${fds} descriptors, ${baseline.fds} before`);
    assert.ok(fds <= baseline.fds + FD_SLACK, `${fds} descriptors, ${baseline.fds} before`);
    assert.equal(fs.readFileSync(canary, 'utf8'), 'untouched\n');
    assert.equal(fs.existsSync(absent), false);
  });

  it('lets the owner stop and delete A, and nothing of it is left', async () => {
    // Stopping asks the agent to shut down, which it does not answer either.
    await setMode('hang');
    const stop = await d.api('POST', `/v1/sandboxes/${a}/stop`, {});
    assert.ok(stop.status === 200 || stop.status === 409, JSON.stringify(stop.body));
    const del = await d.api('DELETE', `/v1/sandboxes/${a}`);
    assert.ok(del.status === 200 || del.status === 204, JSON.stringify(del.body));
    assert.equal((await d.api('GET', `/v1/sandboxes/${a}`)).status, 404);
    assert.equal(fs.existsSync(path.join(d.dataDir, 'sandboxes', a)), false);
    await bAnswers();
  });
});
