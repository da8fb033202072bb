import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AGENT_LIMITS, type SignalName } from '@paddock/shared';
import { eventually, paddockError, startAgent, waitGone, type Harness } from './harness.js';

describe('background processes', () => {
  let h: Harness;
  before(async () => {
    h = await startAgent();
  });
  after(async () => {
    await h.stop();
  });

  const waitExited = (id: string) =>
    eventually(async () => {
      const p = await h.client.getProcess(id);
      return p.status === 'exited' ? p : undefined;
    });

  test('start, list, output, signal', async () => {
    const started = await h.client.startProcess({
      command: 'echo out; echo err >&2; exec sleep 30',
    });
    assert.match(started.id, /^p\d+$/);
    assert.equal(started.status, 'running');
    assert.equal(started.command, 'echo out; echo err >&2; exec sleep 30');
    assert.ok(started.pid > 0);
    assert.equal(started.ended_at, null);
    assert.equal(started.state, null);

    const listed = await h.client.listProcesses();
    assert.ok(listed.some((p) => p.id === started.id && p.status === 'running'));
    assert.ok((await h.client.health()).processes >= 1);

    const output = await eventually(async () => {
      const o = await h.client.processOutput(started.id);
      return o.stdout === 'out\n' && o.stderr === 'err\n' ? o : undefined;
    });
    assert.equal(output.truncated, false);

    const signalled = await h.client.signalProcess(started.id, 'SIGTERM');
    assert.equal(signalled.id, started.id);
    const done = await waitExited(started.id);
    assert.equal(done.state, 'killed');
    assert.equal(done.signal, 'SIGTERM');
    assert.equal(done.exit_code, null);
    assert.notEqual(done.ended_at, null);
    assert.equal(
      (await paddockError(h.client.signalProcess(started.id, 'SIGTERM'))).code,
      'conflict',
    );
  });

  test('argv processes show a quoted command and keep their exit code', async () => {
    const p = await h.client.startProcess({ argv: ['sh', '-c', 'exit 7'] });
    assert.equal(p.command, "sh -c 'exit 7'");
    const done = await waitExited(p.id);
    assert.equal(done.state, 'exited');
    assert.equal(done.exit_code, 7);
  });

  test('the output ring keeps the newest bytes; tail reads the end', async () => {
    const p = await h.client.startProcess({
      command: `head -c ${AGENT_LIMITS.processRingBytes + 10000} /dev/zero | tr '\\0' x; echo END`,
    });
    await waitExited(p.id);
    const out = await h.client.processOutput(p.id);
    assert.equal(out.truncated, true);
    assert.equal(out.stdout.length, AGENT_LIMITS.processRingBytes);
    assert.ok(out.stdout.endsWith('xxxEND\n'));
    const tail = await h.client.processOutput(p.id, 4);
    assert.equal(tail.stdout, 'END\n');
    assert.equal(tail.truncated, true);
  });

  test('kill sends SIGKILL to the group and answers once it exited', async () => {
    const p = await h.client.startProcess({ command: 'sleep 30 & echo $!; wait' });
    const grandchild = Number(
      await eventually(async () => {
        const o = await h.client.processOutput(p.id);
        return o.stdout.endsWith('\n') ? o.stdout : undefined;
      }),
    );
    const killed = await h.client.killProcess(p.id);
    assert.equal(killed.status, 'exited');
    assert.equal(killed.state, 'killed');
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(await waitGone(p.pid), true);
    assert.equal(await waitGone(grandchild), true, 'the whole group was killed');
    // Killing an exited process is idempotent.
    assert.equal((await h.client.killProcess(p.id)).state, 'killed');
  });

  test('a background timeout reports timed_out', async () => {
    const p = await h.client.startProcess({ argv: ['sleep', '30'], timeout_ms: 200 });
    const done = await waitExited(p.id);
    assert.equal(done.state, 'timed_out');
    assert.equal(done.signal, 'SIGKILL');
  });

  test('a background program that does not exist ends with 127', async () => {
    const p = await h.client.startProcess({ argv: ['paddock-no-such-program'] });
    const done = await waitExited(p.id);
    assert.equal(done.exit_code, 127);
    assert.match((await h.client.processOutput(p.id)).stderr, /command not found/);
  });

  test('unknown ids and signals are refused', async () => {
    for (const call of [
      () => h.client.getProcess('p999999'),
      () => h.client.killProcess('p999999'),
      () => h.client.processOutput('p999999'),
      () => h.client.signalProcess('p999999', 'SIGTERM'),
    ]) {
      assert.equal((await paddockError(call())).code, 'process_not_found');
    }
    const p = await h.client.startProcess({ argv: ['sleep', '30'] });
    const err = await paddockError(h.client.signalProcess(p.id, 'SIGFOO' as SignalName));
    assert.equal(err.code, 'bad_request');
    await h.client.killProcess(p.id);
  });
});
