import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../src/rateLimiter.js';

describe('RateLimiter', () => {
  it('says how long until a token is back, over its window', () => {
    let now = 0;
    const hourly = new RateLimiter(
      () => 2,
      () => now,
      3_600_000,
    );
    assert.equal(hourly.retryAfterSeconds('a'), 0, 'a full bucket');
    assert.equal(hourly.take('a'), true);
    assert.equal(hourly.take('a'), true);
    assert.equal(hourly.take('a'), false);
    assert.equal(hourly.retryAfterSeconds('a'), 1800, 'one token refills in half an hour');
    now += 1_800_000;
    assert.equal(hourly.retryAfterSeconds('a'), 0);
    assert.equal(hourly.take('a'), true);
    assert.equal(hourly.take('b'), true, 'another key has its own bucket');
  });
});
