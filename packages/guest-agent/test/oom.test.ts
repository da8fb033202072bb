import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  CHILD_OOM_SCORE_MARGIN,
  childOomScore,
  raiseChildOomScore,
} from '../src/agent/oomScore.js';
import { eventually, startAgent } from './harness.js';

async function score(pid: number): Promise<number> {
  return Number((await readFile(`/proc/${pid}/oom_score_adj`, 'utf8')).trim());
}

describe('oom_score_adj', () => {
  test('a child runs a fixed margin above the agent, within the kernel range', async () => {
    assert.equal(childOomScore(-500), -500 + CHILD_OOM_SCORE_MARGIN);
    assert.equal(childOomScore(0), CHILD_OOM_SCORE_MARGIN);
    assert.equal(childOomScore(900), 1000);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    try {
      raiseChildOomScore(child.pid as number, 100);
      assert.equal(await score(child.pid as number), 100 + CHILD_OOM_SCORE_MARGIN);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    // A child that is already gone is not an error (no such pid can exist).
    assert.doesNotThrow(() => raiseChildOomScore(2 ** 30, 0));
  });

  test('every child of the agent is a likelier OOM victim than the agent', async () => {
    // Raising needs no privilege, so this runs the same on every host.
    const h = await startAgent({}, { oomScoreAdj: 100 });
    const want = String(childOomScore(100));
    try {
      assert.equal(await score(h.ready.pid as number), 100);

      // Background: raised before startProcess answers, and what it forks later inherits it.
      const bg = await h.client.startProcess({
        command: 'while [ ! -e go ]; do sleep 0.01; done; cat /proc/self/oom_score_adj',
      });
      assert.equal(String(await score(bg.pid)), want);
      await writeFile(path.join(h.ws, 'go'), '');
      const out = await eventually(async () => {
        const o = await h.client.processOutput(bg.id);
        return o.stdout === '' ? undefined : o.stdout;
      });
      assert.equal(out, `${want}\n`);

      // Streamed: the start frame comes after the raise; the leader is still running.
      for await (const frame of h.client.execStream({ argv: ['sleep', '30'] })) {
        assert.equal(frame.event, 'start');
        if (frame.event === 'start') assert.equal(String(await score(frame.data.pid)), want);
        break; // hangs up, and the agent kills the group
      }

      // Buffered: the child polls its own score, so the answer does not depend on whether it
      // looks before or after the agent's write.
      const r = await h.client.exec({
        command:
          `i=0; while read v < /proc/self/oom_score_adj && [ "$v" != ${want} ] && [ $i -lt 300 ]; ` +
          'do i=$((i+1)); sleep 0.01; done; echo $v',
      });
      assert.equal(r.stdout, `${want}\n`);
      assert.equal(await score(h.ready.pid as number), 100, 'the agent keeps its own score');
    } finally {
      await h.stop();
    }
  });
});
