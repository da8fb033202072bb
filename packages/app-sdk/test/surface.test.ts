// The method table the browser holds is BROKER_METHODS' (the compiler checks it too), and the
// single-file bundle apps copy is browser-only and never posts to "*".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BROKER_METHODS } from '@paddock/shared';
import { isBrokerMethod, METHOD_CAPABILITIES } from '../src/methods.js';

const BUNDLE = path.resolve(import.meta.dirname, '../dist/paddock-app-sdk.js');

describe('the SDK surface', () => {
  it('knows exactly the broker methods, with their capabilities', () => {
    assert.deepEqual(
      Object.entries(METHOD_CAPABILITIES).sort(),
      Object.entries(BROKER_METHODS)
        .map(([m, spec]) => [m, spec.capability])
        .sort(),
    );
    assert.equal(isBrokerMethod('app.kv.get'), true);
    assert.equal(isBrokerMethod('toString'), false);
    assert.equal(isBrokerMethod('app.kv'), false);
  });

  it('ships a web bundle with no imports, no Node and no "*" target', () => {
    const text = fs.readFileSync(BUNDLE, 'utf8');
    assert.doesNotMatch(text, /^\s*import\s/m);
    assert.doesNotMatch(text, /\brequire\(|node:/);
    assert.doesNotMatch(text, /postMessage\([^)]*["']\*["']/);
    assert.match(text, /export\s*\{[^}]*\bconnect\b/);
  });
});
