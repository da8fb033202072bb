import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedQueue } from '../src/keyedQueue.js';

describe('KeyedQueue', () => {
  it('runs operations on one key in order, even after a failure, and different keys in parallel', async () => {
    const q = new KeyedQueue();
    const events: string[] = [];
    const slow = q.run('a', async () => {
      events.push('a1 start');
      await sleep(30);
      events.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = q.run('a', async () => {
      events.push('a2');
      return 2;
    });
    const other = q.run('b', async () => {
      events.push('b1');
    });
    await assert.rejects(slow, /a1 failed/);
    assert.equal(await second, 2);
    await other;
    assert.deepEqual(events, ['a1 start', 'b1', 'a1 end', 'a2']);
    await q.idle();
  });

  it('starts an operation only after the one before it on that key has settled', async () => {
    const q = new KeyedQueue();
    let running = 0;
    let overlapped = false;
    const ops = [1, 2, 3].map((n) =>
      q.run('k', async () => {
        running++;
        if (running > 1) overlapped = true;
        await sleep(5);
        running--;
        if (n === 2) throw new Error('two');
        return n;
      }),
    );
    const settled = await Promise.allSettled(ops);
    assert.equal(overlapped, false);
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [1, 'two', 3],
    );
  });

  it("turns a synchronous throw into that caller's rejection and keeps the key usable", async () => {
    const q = new KeyedQueue();
    await assert.rejects(
      q.run('k', () => {
        throw new Error('sync');
      }),
      /sync/,
    );
    assert.equal(await q.run('k', async () => 'after'), 'after');
  });

  it('idle waits for operations queued while it waits', async () => {
    const q = new KeyedQueue();
    const done: string[] = [];
    void q.run('a', async () => {
      await sleep(10);
      done.push('a');
      void q.run('b', async () => {
        await sleep(10);
        done.push('b');
      });
    });
    await q.idle();
    assert.deepEqual(done, ['a', 'b']);
    await q.idle();
  });
});
