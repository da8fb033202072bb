import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { PTY_LIMITS, type PtyExit } from '@paddock/shared';
import type { AgentPty } from '../src/client/index.js';
import { eventually, paddockError, startAgent, type Harness } from './harness.js';

/** A terminal as a test reads it: output so far, and how it ended. */
function watch(pty: AgentPty): { text: () => string; ended: Promise<PtyExit | null> } {
  let bytes = Buffer.alloc(0);
  const ended = new Promise<PtyExit | null>((resolve) =>
    pty.listen({
      data: (b) => (bytes = Buffer.concat([bytes, b])),
      end: (exit) => resolve(exit),
    }),
  );
  return { text: () => bytes.toString('utf8'), ended };
}

/** Host pids whose command line has `marker` (the agent runs on the host in these tests). */
function pidsWith(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes('ps -eo'))
    .map((l) => l.trim().split(/\s+/, 1)[0] as string);
}

describe('terminals in the agent (script(1) over an upgrade)', () => {
  let h: Harness;
  before(async () => {
    h = await startAgent();
  });
  after(async () => {
    await h.stop();
  });

  test('a shell at the size asked for; its exit status comes last', async () => {
    const pty = await h.client.openPty({ cols: 90, rows: 33 });
    const t = watch(pty);
    pty.write(Buffer.from('stty size; exit 7\n'));
    assert.deepEqual(await t.ended, { type: 'exit', code: 7, signal: null });
    assert.match(t.text(), /33 90\r\n/);
  });

  test('a resize applies before the bytes sent after it', async () => {
    const pty = await h.client.openPty({ cols: 80, rows: 24, shell: '/bin/sh' });
    const t = watch(pty);
    pty.control({ type: 'resize', cols: 132, rows: 50 });
    pty.write(Buffer.from('stty size; exit 0\n'));
    assert.deepEqual(await t.ended, { type: 'exit', code: 0, signal: null });
    assert.match(t.text(), /50 132\r\n/);
  });

  test('the end of input reaches the shell as an EOF, even typed ahead', async () => {
    const pty = await h.client.openPty({ cols: 80, rows: 24 });
    const t = watch(pty);
    pty.write(Buffer.from('echo ahead-$((2*21))\n'));
    pty.control({ type: 'eof' });
    assert.deepEqual(await t.ended, { type: 'exit', code: 0, signal: null });
    assert.match(t.text(), /ahead-42\r\n/);
  });

  test('hanging up ends the session, also what ignores SIGHUP', async () => {
    const marker = `sleep 3${process.pid % 1000}`;
    const pty = await h.client.openPty({ cols: 80, rows: 24 });
    const t = watch(pty);
    pty.write(Buffer.from(`nohup ${marker} >/dev/null 2>&1 & ${marker}1\n`));
    await eventually(async () => (pidsWith(marker).length === 2 ? true : undefined));
    pty.destroy();
    assert.equal(await t.ended, null);
    await eventually(async () => (pidsWith(marker).length === 0 ? true : undefined), 10_000);
  });

  test('refuses what it cannot open, and more than the cap', async () => {
    assert.equal(
      (await paddockError(h.client.openPty({ cols: 80, rows: 24, cwd: '../x' }))).code,
      'invalid_path',
    );
    assert.equal(
      (await paddockError(h.client.openPty({ cols: 80, rows: 24, cwd: 'none' }))).code,
      'file_not_found',
    );
    assert.equal((await paddockError(h.client.openPty({ cols: 0, rows: 24 }))).code, 'bad_request');
    const noShell = h.client.openPty({ cols: 80, rows: 24, shell: '/no/such/shell' });
    assert.equal((await paddockError(noShell)).code, 'bad_request');
    const open = await Promise.all(
      Array.from({ length: PTY_LIMITS.maxPerSandbox }, () =>
        h.client.openPty({ cols: 80, rows: 24 }),
      ),
    );
    assert.equal((await paddockError(h.client.openPty({ cols: 80, rows: 24 }))).code, 'conflict');
    for (const pty of open) pty.destroy();
  });
});
