import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PreviewLimits } from '../src/previewLimits.js';

describe('PreviewLimits', () => {
  it('keeps a bucket per sandbox and one per address, read from the rates at each request', () => {
    const rates = { perSandbox: 2, perAddress: 3 };
    const limits = new PreviewLimits(() => rates);
    assert.equal(limits.take('sb1', '10.0.0.1'), null);
    assert.equal(limits.take('sb1', '10.0.0.2'), null);
    assert.equal(limits.exhausted('sb1', '10.0.0.3'), true, 'sb1 is spent, whoever asks');
    const wait = limits.take('sb1', '10.0.0.3');
    assert.ok(wait !== null && wait >= 1, 'seconds until a token is back');
    assert.equal(limits.take('sb2', '10.0.0.1'), null, 'another sandbox has its own bucket');
    // 10.0.0.1 has taken twice (sb1, sb2); its third request of any preview is its last.
    assert.equal(limits.take('sb3', '10.0.0.1'), null);
    assert.notEqual(limits.take('sb4', '10.0.0.1'), null, 'the address bucket is spent');
    rates.perAddress = 0;
    rates.perSandbox = 0;
    assert.equal(limits.take('sb1', '10.0.0.1'), null, '0: no limit');
    assert.equal(limits.exhausted('sb1', '10.0.0.1'), false);
  });
});
