import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  AGENT_ROUTES,
  type SupervisedInfo,
  type SupervisedLogs,
  type SupervisedSpec,
} from '@paddock/shared';
import {
  errorCode,
  eventually,
  rawRequest,
  startAgent,
  waitGone,
  type Harness,
  type RawResponse,
} from './harness.js';

const NODE = JSON.stringify(process.execPath);

async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

function put(h: Harness, processes: unknown): Promise<RawResponse> {
  return rawRequest(h.socket, {
    method: 'PUT',
    path: AGENT_ROUTES.supervisor,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ processes }),
  });
}

async function apply(h: Harness, processes: SupervisedSpec[]): Promise<SupervisedInfo[]> {
  const r = await put(h, processes);
  assert.equal(r.status, 200, r.text);
  return (r.json as { items: SupervisedInfo[] }).items;
}

async function list(h: Harness): Promise<SupervisedInfo[]> {
  const r = await rawRequest(h.socket, { method: 'GET', path: AGENT_ROUTES.supervisor });
  assert.equal(r.status, 200, r.text);
  return (r.json as { items: SupervisedInfo[] }).items;
}

async function info(h: Harness, name: string): Promise<SupervisedInfo | undefined> {
  return (await list(h)).find((p) => p.name === name);
}

/** Polls until the named process satisfies `ok`. */
function until(
  h: Harness,
  name: string,
  ok: (p: SupervisedInfo) => boolean,
  limitMs = 10_000,
): Promise<SupervisedInfo> {
  return eventually(async () => {
    const p = await info(h, name);
    return p !== undefined && ok(p) ? p : undefined;
  }, limitMs);
}

async function logs(h: Harness, name: string, tail?: number): Promise<SupervisedLogs> {
  const query = tail === undefined ? '' : `?tail=${tail}`;
  const r = await rawRequest(h.socket, {
    method: 'GET',
    path: `${AGENT_ROUTES.supervisorLogs(name)}${query}`,
  });
  assert.equal(r.status, 200, r.text);
  return r.json as SupervisedLogs;
}

function restart(h: Harness, name: string): Promise<RawResponse> {
  return rawRequest(h.socket, { method: 'POST', path: AGENT_ROUTES.supervisorRestart(name) });
}

function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
}

/** Runs `fn` against a fresh agent and always stops it. */
async function withAgent(fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startAgent();
  try {
    await fn(h);
  } finally {
    await h.stop();
  }
}

describe('supervisor', { concurrency: true }, () => {
  test('a web process becomes running and ready', () =>
    withAgent(async (h) => {
      const port = await freePort();
      const command = `exec ${NODE} -e "require('http').createServer((q,s)=>s.end('ok')).listen(${port},'127.0.0.1')"`;
      const [first] = await apply(h, [{ name: 'web', kind: 'web', command, port }]);
      assert.equal(first?.name, 'web');
      assert.equal(first?.kind, 'web');
      assert.ok(first?.status === 'starting' || first?.status === 'running');
      const ready = await until(h, 'web', (p) => p.status === 'running' && p.health === 'ready');
      assert.ok(ready.pid !== null && ready.pid > 0);
      assert.equal(ready.restarts, 0);
      assert.ok(!Number.isNaN(Date.parse(ready.since)));
      assert.match((await logs(h, 'web')).output, /\[paddock\] started, pid \d+/);
      await apply(h, []);
      assert.deepEqual(await list(h), []);
    }));

  test('a worker that keeps failing quickly ends failed; restart brings it back', () =>
    withAgent(async (h) => {
      await apply(h, [{ name: 'bad', kind: 'worker', command: 'echo boom; exit 1' }]);
      const failed = await until(h, 'bad', (p) => p.status === 'failed', 25_000);
      assert.ok(failed.restarts >= 4, `restarts: ${failed.restarts}`);
      assert.equal(failed.exit_code, 1);
      assert.equal(failed.pid, null);
      assert.equal(failed.health, null);
      const out = (await logs(h, 'bad')).output;
      assert.match(out, /boom/);
      assert.match(out, /\[paddock\] exited with code 1; restarting in \d+ ms/);
      assert.match(out, /\[paddock\] exited with code 1; failed/);
      // Still failed a moment later: no loop.
      assert.equal((await info(h, 'bad'))?.status, 'failed');

      const r = await restart(h, 'bad');
      assert.equal(r.status, 200, r.text);
      const restarted = r.json as SupervisedInfo;
      assert.equal(restarted.restarts, failed.restarts + 1);
      assert.notEqual(restarted.status, 'failed');

      const missing = await restart(h, 'nope');
      assert.equal(missing.status, 404);
      assert.equal(errorCode(missing), 'process_not_found');
      await apply(h, []);
    }));

  test('a killed worker is restarted; a changed spec restarts; a removed one is stopped', () =>
    withAgent(async (h) => {
      await apply(h, [{ name: 'w', kind: 'worker', command: 'exec sleep 300' }]);
      const first = await until(h, 'w', (p) => p.status === 'running' && p.pid !== null);
      process.kill(first.pid as number, 'SIGKILL');
      const second = await until(
        h,
        'w',
        (p) => p.status === 'running' && p.restarts === 1 && p.pid !== null,
      );
      assert.notEqual(second.pid, first.pid);
      assert.equal(second.signal, 'SIGKILL');
      assert.match((await logs(h, 'w')).output, /killed by SIGKILL; restarting in \d+ ms/);

      // Unchanged: keeps running.
      const same = await apply(h, [{ name: 'w', kind: 'worker', command: 'exec sleep 300' }]);
      assert.equal(same[0]?.pid, second.pid);

      // Changed: restarted, with a grandchild to prove the whole group gets TERM on removal.
      const grandchild = `trap 'echo term-$A > gc.txt; exit 0' TERM; echo gc-up; sleep 301 & wait`;
      const [third] = await apply(h, [
        {
          name: 'w',
          kind: 'worker',
          command: `sh -c "${grandchild}" & exec sleep 302`,
          env: { A: '1' },
        },
      ]);
      assert.ok(third !== undefined && third.pid !== null);
      assert.notEqual(third.pid, second.pid);
      assert.equal(await waitGone(second.pid as number), true);
      assert.ok(third.restarts > second.restarts);

      await eventually(async () =>
        (await logs(h, 'w')).output.includes('gc-up') ? true : undefined,
      );
      const after = await apply(h, []);
      assert.deepEqual(after, []);
      await eventually(async () => (groupGone(third.pid as number) ? true : undefined));
      assert.equal(await readFile(path.join(h.ws, 'gc.txt'), 'utf8'), 'term-1\n');
    }));

  test('logs: tail and an SSE stream that delivers new output', () =>
    withAgent(async (h) => {
      await apply(h, [
        {
          name: 'talk',
          kind: 'worker',
          command:
            'echo hello; while [ ! -e go ]; do sleep 0.05; done; echo after-go; exec sleep 300',
        },
      ]);
      await eventually(async () =>
        (await logs(h, 'talk')).output.includes('hello\n') ? true : undefined,
      );

      const req = http.request({
        socketPath: h.socket,
        agent: false,
        method: 'GET',
        path: AGENT_ROUTES.supervisorLogs('talk'),
        headers: { accept: 'text/event-stream' },
      });
      req.end();
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      try {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /^text\/event-stream/);
        let text = '';
        res.setEncoding('utf8').on('data', (s: string) => (text += s));
        const frames = (): { text: string }[] =>
          [...text.matchAll(/^event: output\ndata: (.*)\n\n/gm)].map(
            (m) => JSON.parse(m[1] as string) as { text: string },
          );
        await eventually(async () => (frames().length >= 1 ? true : undefined));
        assert.match(frames()[0]?.text ?? '', /hello\n/);
        await writeFile(path.join(h.ws, 'go'), '');
        await eventually(async () =>
          frames()
            .slice(1)
            .some((f) => f.text.includes('after-go'))
            ? true
            : undefined,
        );
      } finally {
        req.destroy();
      }

      const tail = await logs(h, 'talk', 9);
      assert.deepEqual(tail, { output: 'after-go\n', truncated: true });
      const bad = await rawRequest(h.socket, {
        method: 'GET',
        path: `${AGENT_ROUTES.supervisorLogs('talk')}?lines=3`,
      });
      assert.equal(errorCode(bad), 'unknown_field');
      const missing = await rawRequest(h.socket, {
        method: 'GET',
        path: AGENT_ROUTES.supervisorLogs('nope'),
      });
      assert.equal(errorCode(missing), 'process_not_found');
      await apply(h, []);
    }));

  test('bad specs are refused', () =>
    withAgent(async (h) => {
      const w = { name: 'a', kind: 'worker', command: 'true' };
      const cases: [unknown, string][] = [
        [[w, { ...w }], 'bad_request'],
        [[{ ...w, name: 'no spaces' }], 'bad_request'],
        [[{ ...w, name: '' }], 'bad_request'],
        [[{ ...w, name: 'x'.repeat(65) }], 'bad_request'],
        [[{ ...w, port: 8080 }], 'bad_request'],
        [[{ ...w, kind: 'web', port: 0 }], 'bad_request'],
        [[{ ...w, kind: 'web', port: 70000 }], 'bad_request'],
        [[{ ...w, kind: 'web', health_path: '/x' }], 'bad_request'],
        [[{ ...w, kind: 'web', port: 80, health_path: 'x y' }], 'bad_request'],
        [[{ ...w, kind: 'daemon' }], 'bad_request'],
        [[{ ...w, command: '' }], 'bad_request'],
        [[{ ...w, env: { 'BAD-NAME': '1' } }], 'bad_request'],
        [[{ ...w, env: { A: 1 } }], 'bad_request'],
        [[{ ...w, restart: 'always' }], 'unknown_field'],
        [['a'], 'bad_request'],
        ['a', 'bad_request'],
      ];
      for (const [processes, code] of cases) {
        const r = await put(h, processes);
        assert.equal(r.status, 400, JSON.stringify(processes));
        assert.equal(errorCode(r), code, JSON.stringify(processes));
      }
      const extra = await rawRequest(h.socket, {
        method: 'PUT',
        path: AGENT_ROUTES.supervisor,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ processes: [], other: 1 }),
      });
      assert.equal(errorCode(extra), 'unknown_field');
      assert.deepEqual(await list(h), []);
    }));

  test('shutdown stops supervised processes and does not restart them', () =>
    withAgent(async (h) => {
      await apply(h, [{ name: 'w', kind: 'worker', command: 'sleep 303 & exec sleep 304' }]);
      const running = await until(h, 'w', (p) => p.status === 'running' && p.pid !== null);
      const exited = once(h.proc, 'exit');
      await h.client.shutdown(300);
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
      assert.equal(await waitGone(running.pid as number), true);
      await eventually(async () => (groupGone(running.pid as number) ? true : undefined));
    }));
});
