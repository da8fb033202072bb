import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideHost } from '../src/egressRules.js';

describe('egress host rules', () => {
  it('lets an entry without a port cover every port, and one with a port only that one', () => {
    const policy = { allow: ['api.example.test', 'data.example.test:8443'], deny: [] };
    assert.equal(decideHost('api.example.test', 443, policy).allowed, true);
    assert.equal(decideHost('api.example.test', 8080, policy).allowed, true);
    assert.equal(decideHost('data.example.test', 8443, policy).allowed, true);
    assert.equal(decideHost('data.example.test', 443, policy).allowed, false);
    assert.equal(decideHost('other.example.test', 8443, policy).allowed, false);
  });

  it('lets a deny entry with a port win for that port only', () => {
    const policy = { allow: ['*.example.test'], deny: ['a.example.test:25'] };
    assert.deepEqual(decideHost('a.example.test', 25, policy), {
      allowed: false,
      rule: 'deny a.example.test:25',
    });
    assert.equal(decideHost('a.example.test', 443, policy).allowed, true);
  });
});
