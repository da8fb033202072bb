import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  APP_CAPABILITIES,
  PROVENANCE_TIERS,
  TIER_CEILINGS,
  capabilityCovers,
  ceilingCovers,
  isCapability,
} from '../src/index.js';

describe('capabilities and provenance ceilings', () => {
  it('knows the vocabulary, and a network capability names one https origin', () => {
    for (const c of APP_CAPABILITIES) assert.ok(isCapability(c), c);
    assert.ok(isCapability('network:https://api.example.com'));
    assert.ok(isCapability('network:https://api.example.com:8443'));
    for (const bad of [
      'app.kvx',
      'app',
      'network:http://api.example.com',
      'network:https://api.example.com/path',
      'network:https://user@api.example.com',
      'network:https://API.example.com',
      'fs.read',
    ]) {
      assert.equal(isCapability(bad), false, bad);
    }
  });

  it('matches methods under a namespace, never a longer name or another origin', () => {
    assert.ok(capabilityCovers('app.kv', 'app.kv'));
    assert.ok(capabilityCovers('app.kv', 'app.kv.get'));
    assert.equal(capabilityCovers('app.kv', 'app.kvx.get'), false);
    assert.equal(capabilityCovers('app.kv.get', 'app.kv.set'), false);
    assert.ok(capabilityCovers('network:https://a.example', 'network:https://a.example'));
    assert.equal(
      capabilityCovers('network:https://a.example', 'network:https://a.example.evil'),
      false,
    );
    assert.equal(capabilityCovers('app', 'app.kv'), true, 'a namespace covers what is under it');
  });

  it('gives every tier a ceiling of known capabilities, and unknown apps none', () => {
    for (const tier of PROVENANCE_TIERS) {
      for (const c of TIER_CEILINGS[tier]) assert.ok(isCapability(c), `${tier}: ${c}`);
    }
    assert.deepEqual(TIER_CEILINGS.unknown, []);
    assert.ok(ceilingCovers('ai-generated', 'app.kv.get'));
    assert.equal(ceilingCovers('ai-generated', 'app.llm'), false, 'models need a grant');
    assert.equal(ceilingCovers('unknown', 'app.kv.get'), false);
    assert.equal(ceilingCovers('first-party', 'network:https://a.example'), false);
  });
});
