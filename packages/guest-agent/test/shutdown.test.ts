import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { AgentClient } from '../src/client.js';
import { eventually, paddockError, startAgent, waitGone } from './harness.js';

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
