import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppDataGate } from '../src/index.js';

/** A hold that stays inside the gate until `release`; `inside` resolves once it entered. */
function holder(gate: AppDataGate, appId: string, exclusive: boolean, log: string[], name: string) {
  let entered!: () => void;
  let release!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const fn = async () => {
    log.push(`${name} in`);
    entered();
    await released;
    log.push(`${name} out`);
  };
  const done = exclusive ? gate.exclusive(appId, fn) : gate.shared(appId, fn);
  return { inside, release, done };
}

describe('the app data gate', () => {
  it('lets shared holds in side by side', async () => {
    const gate = new AppDataGate();
    const log: string[] = [];
    const a = holder(gate, 'app', false, log, 'a');
    const b = holder(gate, 'app', false, log, 'b');
    await Promise.all([a.inside, b.inside]);
    assert.deepEqual(log, ['a in', 'b in']);
    a.release();
    b.release();
    await Promise.all([a.done, b.done]);
  });

  it('lets an exclusive hold in once the shared ones left, and no later shared one before it', async () => {
    const gate = new AppDataGate();
    const log: string[] = [];
    const first = holder(gate, 'app', false, log, 'first');
    await first.inside;
    const writer = holder(gate, 'app', true, log, 'exclusive');
    const later = holder(gate, 'app', false, log, 'later');
    const other = holder(gate, 'other app', true, log, 'other app');
    await other.inside;
    assert.deepEqual(log, ['first in', 'other app in'], 'the exclusive one waits; so does later');
    first.release();
    await writer.inside;
    assert.deepEqual(log.slice(2), ['first out', 'exclusive in']);
    writer.release();
    await later.inside;
    assert.deepEqual(log.slice(4), ['exclusive out', 'later in']);
    later.release();
    other.release();
    await Promise.all([first.done, writer.done, later.done, other.done]);
  });

  it('keeps exclusive holds apart, and opens when one fails', async () => {
    const gate = new AppDataGate();
    const log: string[] = [];
    const failing = gate.exclusive('app', () => Promise.reject(new Error('copy failed')));
    const next = holder(gate, 'app', true, log, 'next');
    const last = holder(gate, 'app', false, log, 'last');
    await assert.rejects(failing, /copy failed/);
    await next.inside;
    assert.deepEqual(log, ['next in']);
    next.release();
    await last.inside;
    last.release();
    await Promise.all([next.done, last.done]);
    assert.deepEqual(log, ['next in', 'next out', 'last in', 'last out']);
  });
});
