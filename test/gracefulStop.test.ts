/**
 * A daemon stopped with SIGTERM (issue 20) takes no new work, lets what is in flight finish
 * within `PADDOCK_DRAIN_SECONDS`, then ends the streams still open with an error frame that says
 * why, and exits cleanly; its sandboxes run on for the next start.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ExecResult } from '@paddock/shared';
import { destroyEverything, readSse, startDaemon, tempDataDir } from './harness.js';

describe('a daemon stopping', () => {
  const dataDir = tempDataDir();
  after(async () => destroyEverything(dataDir));

  // Bounded: a stop that waited for the long command would take ten minutes.
  it(
    'finishes a request in flight, ends a long stream with a reason, refuses new work, and exits 0',
    { timeout: 120_000 },
    async () => {
      const d = await startDaemon({ dataDir, env: { PADDOCK_DRAIN_SECONDS: '3' } });
      const sb = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
      const exited = new Promise<number | null>((resolve) => d.proc.once('exit', resolve));

      // A stream that would outlive any drain; its first frame says it runs.
      const stream = await fetch(`${d.url}/v1/sandboxes/${sb}/exec`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${d.token}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
        },
        body: JSON.stringify({ command: 'echo started; sleep 600; echo never' }),
      });
      assert.equal(stream.status, 200);
      const frames = readSse(stream);
      // A short command, answered whole although the stop comes while it runs.
      const short = d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, {
        command: 'sleep 1; echo finished',
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      d.proc.kill('SIGTERM');

      const answered = await short;
      assert.equal(answered.status, 200);
      assert.equal(answered.body.stdout, 'finished\n');

      // No new work once the stop began: a create is refused or never reaches the daemon.
      const late = await d.api('POST', '/v1/sandboxes', {}).catch(() => null);
      assert.ok(late === null || late.status === 503, `a late create answered ${late?.status}`);

      const got = await frames;
      assert.ok(!got.some((f) => f.event === 'exit'), 'the long command did not run to its end');
      const error = got.find((f) => f.event === 'error');
      assert.equal(error?.data.code, 'sandbox_unavailable');
      assert.match(error?.data.message ?? '', /the daemon is stopping/);
      assert.equal(await exited, 0);

      // The sandbox ran on; the next start adopts it, and nothing was made meanwhile.
      const next = await startDaemon({ dataDir, token: d.token });
      try {
        const list = await next.api<{ items: { id: string; status: string }[] }>(
          'GET',
          '/v1/sandboxes',
        );
        assert.deepEqual(
          list.body.items.map((s) => [s.id, s.status]),
          [[sb, 'running']],
        );
      } finally {
        await next.stop();
      }
    },
  );
});
