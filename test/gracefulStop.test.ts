/**
 * A daemon stopped with SIGTERM (issue 20) takes no new work, lets what is in flight finish
 * within `PADDOCK_DRAIN_SECONDS`, then ends the streams still open with an error frame that says
 * why (`daemon_stopping`; a terminal's WebSocket closes with 1001), and exits cleanly; its
 * sandboxes run on for the next start.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Paddock, PaddockError } from '@paddock/sdk';
import { SseParser, type ExecResult } from '@paddock/shared';
import { destroyEverything, readSse, startDaemon, tempDataDir } from './harness.js';
import { TestTerminal } from './ptyClient.js';

/** What a stream or a call ended with: the PaddockError's code and close details, or a value. */
async function outcome(p: Promise<unknown>): Promise<{ code: string; details?: unknown }> {
  try {
    await p;
    return { code: 'resolved' };
  } catch (err) {
    assert.ok(err instanceof PaddockError, `not a PaddockError: ${String(err)}`);
    return { code: err.code, details: err.details };
  }
}

describe('a daemon stopping', () => {
  const dataDir = tempDataDir();
  after(async () => destroyEverything(dataDir));

  // Bounded: a stop that waited for the long command would take ten minutes.
  it(
    'finishes a request in flight, ends long streams and terminals with a reason, refuses new work, and exits 0',
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
      // An event stream that never ends by itself, and a terminal.
      const watch = await fetch(`${d.url}/v1/sandboxes/${sb}/files/watch?path=.`, {
        headers: { authorization: `Bearer ${d.token}`, accept: 'text/event-stream' },
      });
      assert.equal(watch.status, 200);
      const watchFrames = watch.text().then((text) => new SseParser().push(text));
      const term = await TestTerminal.open(d.url, sb, { token: d.token });
      // The same through the SDK: its errors carry the code.
      const pd = new Paddock({ url: d.url, token: d.token });
      const sdkSandbox = pd.sandboxes.connect(sb);
      const sdkExec = outcome(sdkSandbox.exec('sleep 600'));
      const sdkTerm = await sdkSandbox.pty.open();
      const sdkTermEnd = outcome(sdkTerm.exited);
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
      if (late) {
        const refused = late.body as { error: { code: string } };
        assert.equal(refused.error.code, 'daemon_stopping', 'in the API error format');
      }

      const got = await frames;
      assert.ok(!got.some((f) => f.event === 'exit'), 'the long command did not run to its end');
      const error = got.find((f) => f.event === 'error');
      assert.equal(error?.data.code, 'daemon_stopping');
      assert.match(error?.data.message ?? '', /the daemon is stopping: the command was ended/);

      // The event stream's last frame says why it ended.
      const last = (await watchFrames).at(-1);
      assert.equal(last?.event, 'error');
      assert.equal((last?.data as { code: string }).code, 'daemon_stopping');
      assert.match((last?.data as { message: string }).message, /the daemon is stopping/);

      // The terminal is told, then closed as "going away".
      assert.deepEqual(await term.closed, { code: 1001, reason: 'daemon_stopping' });
      const said = term.controls.at(-1);
      assert.equal(said?.type, 'error');
      assert.equal(said?.code, 'daemon_stopping');

      assert.deepEqual(await sdkExec, { code: 'daemon_stopping', details: undefined });
      assert.deepEqual(await sdkTermEnd, {
        code: 'daemon_stopping',
        details: { close: { code: 1001, reason: 'daemon_stopping' } },
      });
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
