import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SseParser, WATCH_LIMITS, type FileWatchFrame } from '@paddock/shared';
import { call, CLI, suiteDaemon } from './harness.js';

/** Generous: CI machines are busy; nothing here asserts how fast an event comes. */
const DEADLINE_MS = 30_000;

interface Watch {
  status: number;
  contentType: string | null;
  /** The error answer, when the watch was refused. */
  error?: { code: string; message: string };
  frames: FileWatchFrame[];
  /** Resolves when the stream has ended (from either side). */
  ended: Promise<void>;
  /** Waits for a frame matching `pred` and returns it. */
  waitFor(pred: (f: FileWatchFrame) => boolean, what?: string): Promise<FileWatchFrame>;
  /** The change events so far as `type kind path` lines, in order. */
  changes(): string[];
  /** Hangs up. */
  close(): void;
}

const change = (line: string) => (f: FileWatchFrame) =>
  'type' in f.data && `${f.data.type} ${f.data.kind} ${f.data.path}` === line;

describe('file watch API', () => {
  const d = suiteDaemon({ env: { PADDOCK_DRAIN_SECONDS: '1' } });
  let id: string;

  const auth = (token = d.token) => ({ authorization: `Bearer ${token}` });
  const sh = async (command: string, sandbox = id): Promise<void> => {
    const res = await d.api<{ exit_code: number; stderr: string }>(
      'POST',
      `/v1/sandboxes/${sandbox}/exec`,
      { command },
    );
    assert.equal(res.body.exit_code, 0, res.body.stderr);
  };
  const put = async (p: string, body: string): Promise<void> => {
    const res = await fetch(`${d.url}/v1/sandboxes/${id}/files?path=${encodeURIComponent(p)}`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body,
    });
    assert.equal(res.status, 200);
  };

  /** Opens a watch; a 200 is read in the background until it ends or `close`. */
  const watch = async (query: string, opts: { sandbox?: string; token?: string } = {}) => {
    const stop = new AbortController();
    const res = await fetch(
      `${d.url}/v1/sandboxes/${opts.sandbox ?? id}/files/watch${query ? `?${query}` : ''}`,
      { headers: auth(opts.token), signal: stop.signal },
    );
    const frames: FileWatchFrame[] = [];
    let wake = (): void => undefined;
    let ended = Promise.resolve();
    let done = false;
    let error: Watch['error'];
    if (res.status === 200) {
      const parser = new SseParser<FileWatchFrame>();
      const decoder = new TextDecoder();
      ended = (async () => {
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            frames.push(...parser.push(decoder.decode(chunk, { stream: true })));
            wake();
          }
        } catch {
          // hung up
        } finally {
          done = true;
          wake();
        }
      })();
    } else {
      error = ((await res.json()) as { error: Watch['error'] }).error;
    }
    const w: Watch = {
      status: res.status,
      contentType: res.headers.get('content-type'),
      error,
      frames,
      ended,
      waitFor: async (pred, what = 'a frame') => {
        const deadline = Date.now() + DEADLINE_MS;
        for (;;) {
          const hit = frames.find(pred);
          if (hit) return hit;
          if (done || Date.now() > deadline)
            throw new Error(`no ${what}; got ${JSON.stringify(frames)}`);
          await Promise.race([new Promise<void>((r) => (wake = r)), sleep(200)]);
        }
      },
      changes: () =>
        frames.flatMap((f) =>
          'type' in f.data ? [`${f.data.type} ${f.data.kind} ${f.data.path}`] : [],
        ),
      close: () => stop.abort(),
    };
    return w;
  };
  /** A watch that must open; waits for its `ready` frame. */
  const open = async (query: string, sandbox?: string): Promise<Watch> => {
    const w = await watch(query, { sandbox });
    assert.equal(w.status, 200, JSON.stringify(w.error));
    await w.waitFor((f) => f.event === 'ready', 'ready');
    return w;
  };
  const order = (w: Watch, ...lines: string[]) => {
    const at = lines.map((l) => w.changes().indexOf(l));
    assert.ok(
      at.every((i, k) => i >= 0 && (k === 0 || i > (at[k - 1] as number))),
      `expected in this order: ${lines.join(', ')}; got ${w.changes().join(', ')}`,
    );
  };

  before(async () => {
    id = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
  });

  it('streams the changes made through the files API and by commands', async () => {
    const w = await open('path=.&recursive=true');
    assert.match(w.contentType ?? '', /^text\/event-stream/);
    assert.deepEqual(w.frames[0], { event: 'ready', data: { path: '.' } });

    await put('notes/a.md', 'one');
    await w.waitFor(change('created file notes/a.md'));
    await put('notes/a.md', 'two, longer');
    await w.waitFor(change('changed file notes/a.md'));
    const moved = await d.api('POST', `/v1/sandboxes/${id}/files/move`, {
      from: 'notes/a.md',
      to: 'notes/b.md',
    });
    assert.equal(moved.status, 200);
    await w.waitFor(change('created file notes/b.md'));
    await w.waitFor(change('removed file notes/a.md'));
    const mkdir = await d.api('POST', `/v1/sandboxes/${id}/files/mkdir`, { path: 'empty' });
    assert.equal(mkdir.status, 201);
    await w.waitFor(change('created directory empty'));
    const del = await d.api('DELETE', `/v1/sandboxes/${id}/files?path=notes&recursive=true`);
    assert.equal(del.status, 204);
    await w.waitFor(change('removed directory notes'));
    order(w, 'created directory notes', 'created file notes/a.md', 'changed file notes/a.md');
    order(w, 'created directory notes', 'removed directory notes');

    await sh('echo x > a.txt; mkdir d; echo y > d/b.txt');
    await w.waitFor(change('created file a.txt'));
    await w.waitFor(change('created file d/b.txt'));
    await sh('echo more >> a.txt');
    await w.waitFor(change('changed file a.txt'));
    await sh('rm a.txt; rm -r d');
    await w.waitFor(change('removed file a.txt'));
    await w.waitFor(change('removed directory d'));
    order(w, 'created file a.txt', 'changed file a.txt', 'removed file a.txt');
    order(w, 'created directory d', 'created file d/b.txt');
    order(w, 'created directory d', 'removed directory d');
    // The files API's temp files never show.
    assert.ok(!w.changes().some((c) => c.includes('.paddock-')), w.changes().join('\n'));
    w.close();
    await w.ended;
  });

  it('without recursive ignores nested changes; skips node_modules unless asked', async () => {
    await sh('mkdir -p proj/sub');
    const flat = await open('path=proj');
    const deep = await open('path=proj&recursive=true');
    const all = await open('path=/workspace/proj&recursive=true&include_ignored=true');
    await sh(
      'echo n > proj/sub/nested.txt; mkdir -p proj/node_modules/pkg; echo m > proj/node_modules/pkg/index.js',
    );
    // Written last and named to sort last: whatever was coming for the changes above comes first.
    await sh('echo z > proj/zz-marker.txt');
    for (const w of [flat, deep, all]) await w.waitFor(change('created file proj/zz-marker.txt'));

    assert.deepEqual(flat.changes(), [
      'created directory proj/node_modules',
      'created file proj/zz-marker.txt',
    ]);
    assert.deepEqual(deep.changes().sort(), [
      'created directory proj/node_modules',
      'created file proj/sub/nested.txt',
      'created file proj/zz-marker.txt',
    ]);
    await all.waitFor(change('created file proj/node_modules/pkg/index.js'));
    for (const w of [flat, deep, all]) w.close();
  });

  it('refuses what is not a workspace directory, unknown parameters, and sandbox tokens', async () => {
    await put('plain.txt', 'x');
    for (const [q, status, code] of [
      ['path=../outside', 400, 'invalid_path'],
      ['path=/etc', 400, 'invalid_path'],
      ['path=plain.txt', 400, 'not_a_directory'],
      ['path=missing', 404, 'file_not_found'],
      ['path=.&recursive=maybe', 400, 'bad_request'],
      ['path=.&depth=2', 400, 'unknown_field'],
    ] as const) {
      const w = await watch(q);
      assert.equal(w.status, status, q);
      assert.equal(w.error?.code, code, q);
    }
    const token = (
      await d.api<{ stdout: string }>('POST', `/v1/sandboxes/${id}/exec`, {
        command: 'cat /run/paddock/token',
      })
    ).body.stdout.trim();
    const w = await watch('path=.', { token });
    assert.equal(w.status, 403);
    assert.equal(w.error?.code, 'forbidden');
    const missing = await call(
      d.url,
      d.token,
      'GET',
      `/v1/sandboxes/sb${'0'.repeat(26)}/files/watch`,
    );
    assert.equal(missing.status, 404);
  });

  it(`caps open watches at ${WATCH_LIMITS.maxWatches} a sandbox; hanging up frees them`, async () => {
    const open16 = async (): Promise<Watch[]> => {
      const ws: Watch[] = [];
      for (let i = 0; i < WATCH_LIMITS.maxWatches; i++) {
        // The daemon notices a hang-up a moment after it: a slot just freed may need a retry.
        const deadline = Date.now() + DEADLINE_MS;
        for (;;) {
          const w = await watch('path=.');
          if (w.status === 200) {
            await w.waitFor((f) => f.event === 'ready', 'ready');
            ws.push(w);
            break;
          }
          assert.equal(w.error?.code, 'rate_limited');
          assert.ok(Date.now() < deadline, 'closed watches were not dropped');
          await sleep(100);
        }
      }
      return ws;
    };
    const first = await open16();
    const refused = await watch('path=.');
    assert.equal(refused.status, 429);
    assert.equal(refused.error?.code, 'rate_limited');
    for (const w of first) w.close();
    // All of them again: possible only once the agent dropped every watch hung up on.
    const second = await open16();
    for (const w of second) w.close();
    await Promise.all(second.map((w) => w.ended));
  });

  it('paddock files watch prints a line per change', async () => {
    const child = spawn(process.execPath, [CLI, 'files', 'watch', id, 'cli', '--recursive'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        PADDOCK_URL: d.url,
        PADDOCK_TOKEN: d.token,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const until = async (cond: () => boolean, what: string) => {
      const deadline = Date.now() + DEADLINE_MS;
      while (!cond()) {
        assert.ok(Date.now() < deadline, `${what}; stdout ${out}, stderr ${err}`);
        await sleep(50);
      }
    };
    try {
      await sh('mkdir -p cli');
      await until(() => err.includes('watching cli'), 'not watching');
      await put('cli/x/new.txt', 'x');
      await until(() => out.includes('created\tfile\tcli/x/new.txt\n'), 'no line for the file');
      assert.match(out, /^created\tdirectory\tcli\/x\n/);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('ends an open watch when the sandbox stops, and refuses one on a stopped sandbox', async () => {
    const other = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    const w = await open('path=.', other);
    const stopped = await d.api('POST', `/v1/sandboxes/${other}/stop`);
    assert.equal(stopped.status, 200);
    await w.ended;
    const last = w.frames.at(-1);
    assert.equal(last?.event, 'error');
    assert.equal((last?.data as { code: string }).code, 'sandbox_unavailable');
    const refused = await watch('path=.', { sandbox: other });
    assert.equal(refused.status, 409);
    assert.equal(refused.error?.code, 'sandbox_not_running');
  });

  // Last: it stops the suite's daemon.
  it('ends open watches when the daemon stops, rather than holding it up', async () => {
    const w = await open('path=.&recursive=true');
    // Resolves once the daemon has exited: without the watch ended, its server would stay open.
    await d.stop();
    await w.ended;
    assert.deepEqual(w.frames.at(-1), {
      event: 'error',
      data: {
        code: 'daemon_stopping',
        message: 'the daemon is stopping: the file watch was ended; reconnect once it is back',
      },
    });
  });
});
