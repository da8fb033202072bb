import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { AgentClient } from '../src/client/index.js';
import { eventually, paddockError, rawRequest, startAgent, waitGone } from './harness.js';

test('shutdown: SIGTERM to every group, SIGKILL after the grace, then exit 0', async () => {
  const h = await startAgent();
  try {
    const exited = once(h.proc, 'exit');
    // Traps TERM (and keeps running), so only the SIGKILL after the grace period ends it.
    const stubborn = await h.client.startProcess({
      command: "trap 'echo got-term >> term.log' TERM; echo up; while :; do sleep 0.05; done",
    });
    const polite = await h.client.startProcess({ argv: ['sleep', '30'] });
    await eventually(async () =>
      (await h.client.processOutput(stubborn.id)).stdout === 'up\n' ? true : undefined,
    );

    await h.client.shutdown(300);
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    assert.equal(await waitGone(polite.pid), true);
    assert.equal(await waitGone(stubborn.pid), true);
    assert.match(
      await readFile(path.join(h.ws, 'term.log'), 'utf8'),
      /got-term/,
      'TERM came first',
    );
    const err = await paddockError(h.client.health());
    assert.equal(err.code, 'sandbox_unavailable');
  } finally {
    await h.stop();
  }
});

test('an exec already in flight when shutdown begins is refused, not started', async () => {
  const h = await startAgent();
  try {
    const exited = once(h.proc, 'exit');
    // Ignores TERM until released, holding shutdown in its grace period.
    const holder = await h.client.startProcess({
      command: "trap '' TERM; echo up; while [ ! -e release ]; do sleep 0.01; done",
    });
    await eventually(async () =>
      (await h.client.processOutput(holder.id)).stdout === 'up\n' ? true : undefined,
    );

    // An exec whose headers (and so the router's shutdown check) go through now, and whose body
    // arrives only once shutdown has been requested.
    const body = Buffer.from(JSON.stringify({ command: 'echo ran > ran.txt' }));
    const req = http.request({
      socketPath: h.socket,
      agent: false,
      method: 'POST',
      path: '/exec',
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    const answered = once(req, 'response') as Promise<[IncomingMessage]>;
    req.on('error', () => {});
    req.flushHeaders();
    req.write(body.subarray(0, 5));
    // Round trips on other connections: the agent has read the exec's head by their answers.
    for (let i = 0; i < 3; i++) assert.equal((await h.client.health()).ok, true);

    const stop = await rawRequest(h.socket, {
      method: 'POST',
      path: '/shutdown',
      headers: { 'content-type': 'application/json' },
      body: '{"grace_ms":60000}',
    });
    assert.equal(stop.status, 202);
    req.end(body.subarray(5));
    const [res] = await answered;
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    assert.equal(res.statusCode, 503, text);
    assert.equal(
      (JSON.parse(text) as { error: { code: string } }).error.code,
      'sandbox_unavailable',
    );

    await writeFile(path.join(h.ws, 'release'), '');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    assert.equal(existsSync(path.join(h.ws, 'ran.txt')), false, 'the command never ran');
  } finally {
    // Lets the holder exit even when an assertion failed, so nothing outlives the test.
    await writeFile(path.join(h.ws, 'release'), '').catch(() => {});
    await h.stop();
  }
});

test('SIGTERM to the agent stops its processes and exits 0', async () => {
  const h = await startAgent();
  const p = await h.client.startProcess({ argv: ['sleep', '30'] });
  const code = await h.stop();
  assert.equal(code, 0);
  assert.equal(await waitGone(p.pid), true);
});

test('an unreachable agent is sandbox_unavailable', async () => {
  const client = new AgentClient({
    transport: 'unix',
    socketPath: '/nonexistent/paddock/agent.sock',
  });
  try {
    assert.equal((await paddockError(client.health())).code, 'sandbox_unavailable');
    assert.equal(
      (await paddockError(client.waitUntilReady({ timeoutMs: 50 }))).code,
      'sandbox_unavailable',
    );
    const tcp = new AgentClient({ transport: 'tcp', host: '127.0.0.1', port: 1 });
    assert.equal((await paddockError(tcp.exec({ command: 'true' }))).code, 'sandbox_unavailable');
    tcp.close();
  } finally {
    client.close();
  }
});
