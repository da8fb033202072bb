import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { unescapeMountPath } from '../src/host/mountTable.js';
import { isAlive, parseProcStat, processIdentity } from '../src/host/procStat.js';
import { assertValidId, dataDirTag, SandboxFiles } from '../src/jail/sandboxFiles.js';
import { WarmPool } from '../src/pool/warmPool.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('procStat', () => {
  it('parses state and start time even when the command name has spaces and parens', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    fields[19] = '987654';
    const stat = parseProcStat(`1234 (evil) (name) x) ${fields.join(' ')}\n`);
    assert.deepEqual(stat, { state: 'S', startTime: '987654' });
  });

  it('tells a live process from a recycled pid', () => {
    const me = processIdentity(process.pid);
    assert.ok(me !== null && isAlive(me));
    assert.equal(isAlive({ pid: process.pid, start_time: '1' }), false);
  });
});

describe('sandboxState', () => {
  it('rejects ids that could escape the sandboxes dir', () => {
    for (const bad of ['../x', 'a/b', '', 'A', '.hidden', 'x'.repeat(65)]) {
      assert.throws(() => assertValidId(bad), /invalid sandbox id/);
    }
    assertValidId('sb01h2x3y4z5a6b7c8d9e0f1g2h3');
  });

  it('derives a stable per-data-dir tag and short socket paths', () => {
    assert.equal(dataDirTag('/var/lib/paddock'), dataDirTag('/var/lib/paddock'));
    assert.notEqual(dataDirTag('/a'), dataDirTag('/b'));
    assert.match(dataDirTag('/a'), /^[0-9a-f]{10}$/);
    const files = new SandboxFiles('/data', '/run/paddock');
    const socket = files.socketPath('sb01h2x3y4z5a6b7c8d9e0f1g2h3');
    assert.ok(Buffer.byteLength(socket) <= 107);
    assert.ok(!socket.startsWith('/data'));
    const long = new SandboxFiles('/data', `/run/${'x'.repeat(80)}`);
    assert.throws(
      () => long.assertSocketPathFits('sb01h2x3y4z5a6b7c8d9e0f1g2h3'),
      /longer than 107 bytes/,
    );
  });

  it('unescapes octal escapes in mountinfo paths', () => {
    assert.equal(unescapeMountPath('/tmp/a\\040b\\011c'), '/tmp/a b\tc');
  });
});

describe('WarmPool (with fake boots)', () => {
  it('fills to size one boot at a time, hands out members once and refills', async () => {
    let booted = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const destroyed: string[] = [];
    const pool = new WarmPool({
      size: 2,
      log: quiet,
      boot: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(5);
        concurrent--;
        return `m${++booted}`;
      },
      destroy: async (id) => {
        destroyed.push(id);
      },
    });
    pool.refill();
    while (pool.readyCount < 2) await sleep(5);
    assert.equal(maxConcurrent, 1);
    assert.equal(pool.take(), 'm1');
    assert.equal(pool.take(), 'm2');
    assert.equal(pool.take(), undefined);
    while (pool.readyCount < 2) await sleep(5);
    assert.equal(booted, 4);
    pool.forget('m3');
    await pool.close();
    assert.deepEqual(destroyed, ['m4']);
    pool.refill();
    assert.equal(pool.readyCount, 0, 'a closed pool does not refill');
  });

  it('logs boot failures and retries with backoff instead of throwing', async () => {
    let attempts = 0;
    const errors: unknown[] = [];
    const pool = new WarmPool({
      size: 1,
      log: { ...quiet, error: (obj) => errors.push(obj) },
      minBackoffMs: 5,
      maxBackoffMs: 20,
      boot: async () => {
        attempts++;
        if (attempts < 3) throw new Error('no luck');
        return 'ok';
      },
      destroy: async () => undefined,
    });
    pool.refill();
    while (pool.readyCount < 1) await sleep(5);
    assert.equal(attempts, 3);
    assert.equal(errors.length, 2);
    await pool.close();
  });
});
