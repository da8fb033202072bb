import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyRedactor } from '../packages/daemon/src/tasks/keyRedactor.js';

const KEY = 'sk-live-0123456789';

function through(chunks: string[]): string {
  const r = new KeyRedactor(KEY);
  return chunks.map((c) => r.push(c)).join('') + r.end();
}

describe('key redaction in task logs', () => {
  it('masks the key whole, split across chunks, and a trailing start of it', () => {
    assert.equal(through([`a ${KEY} b`]), 'a [redacted] b');
    assert.equal(through(['x sk-li', 've-0123', '456789 y']), 'x [redacted] y');
    assert.equal(through(['ends with sk-live-01']), 'ends with [redacted]');
    assert.equal(through(['no', ' secret ', 'here']), 'no secret here');
  });

  it('passes text unchanged without a key', () => {
    const r = new KeyRedactor(undefined);
    assert.equal(r.push('anything'), 'anything');
    assert.equal(r.end(), '');
    assert.equal(KeyRedactor.mask(`x ${KEY}`, KEY), 'x [redacted]');
  });
});
