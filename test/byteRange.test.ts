// The one byte range a Range header asks for (GET /v1/broker/files), or why none fits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { byteRange } from '../packages/daemon/src/http/byteRange.js';

describe('byteRange', () => {
  it('reads a-b, a- and -n, clamped to the file', () => {
    assert.equal(byteRange(undefined, 100), null);
    assert.deepEqual(byteRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(byteRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(byteRange('bytes=90-500', 100), { start: 90, end: 99 });
    assert.deepEqual(byteRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(byteRange('bytes=-500', 100), { start: 0, end: 99 });
  });

  it('ignores a unit other than bytes, as HTTP says', () => {
    assert.equal(byteRange('items=0-1', 100), null);
  });

  it('refuses several ranges, a range past the end, or one backwards', () => {
    for (const header of ['bytes=0-1,5-6', 'bytes=100-', 'bytes=5-4', 'bytes=-0', 'bytes=x-1']) {
      assert.throws(
        () => byteRange(header, 100),
        (e: unknown) => e instanceof PaddockError && e.code === 'range_not_satisfiable',
        header,
      );
    }
    assert.throws(() => byteRange('bytes=0-', 0), PaddockError, 'an empty file has no bytes');
  });
});
