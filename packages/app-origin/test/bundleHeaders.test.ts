import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleCsp, bundleHeaders, consoleOrigin, refusalCsp } from '../src/index.js';

const CONSOLE = 'http://127.0.0.1:7070';

describe('bundle headers', () => {
  it('builds the CSP of a web app with no network grant', () => {
    assert.equal(
      bundleCsp({ tier: 'ai-generated', connect: [], ancestor: CONSOLE }),
      [
        'sandbox allow-scripts',
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
        "worker-src 'none'",
        `frame-ancestors ${CONSOLE}`,
      ].join('; '),
    );
  });

  it('puts exactly the granted https origins in connect-src, and nothing malformed', () => {
    const csp = bundleCsp({
      tier: 'user-uploaded',
      connect: [
        'https://api.example.com',
        'https://data.example.com:8443',
        'https://api.example.com',
        'http://plain.example.com',
        "https://x.example.com; script-src 'unsafe-inline'",
        '*',
      ],
      ancestor: CONSOLE,
    });
    assert.match(
      csp,
      /; connect-src https:\/\/api\.example\.com https:\/\/data\.example\.com:8443; /,
    );
    assert.doesNotMatch(csp, /unsafe-inline'[^;]*;[^;]*script/);
    assert.equal(csp.match(/script-src/g)?.length, 1);
  });

  it('gives the unknown tier stricter rules: no inline style, no data:/blob: images, no network', () => {
    const csp = bundleCsp({
      tier: 'unknown',
      connect: ['https://api.example.com'],
      ancestor: CONSOLE,
    });
    assert.equal(
      csp,
      [
        'sandbox allow-scripts',
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
        "worker-src 'none'",
        `frame-ancestors ${CONSOLE}`,
      ].join('; '),
    );
  });

  it('seed 000 gap: the CSP never grants allow-same-origin', () => {
    for (const tier of ['first-party', 'ai-generated', 'user-uploaded', 'unknown'] as const) {
      const csp = bundleCsp({ tier, connect: ['https://a.example'], ancestor: CONSOLE });
      assert.doesNotMatch(csp, /allow-same-origin/);
      assert.match(csp, /^sandbox allow-scripts;/);
    }
    assert.doesNotMatch(refusalCsp(CONSOLE), /allow-/);
  });

  it('seed 001 gap: img-src never allows https:', () => {
    for (const tier of ['first-party', 'ai-generated', 'user-uploaded', 'unknown'] as const) {
      const csp = bundleCsp({ tier, connect: ['https://a.example'], ancestor: CONSOLE });
      const img = /img-src ([^;]*)/.exec(csp)?.[1] ?? '';
      assert.doesNotMatch(img, /https?:|\*/);
    }
  });

  it('names a framing console only when it is an origin, else none', () => {
    assert.equal(consoleOrigin('http://127.0.0.1:7070'), 'http://127.0.0.1:7070');
    assert.equal(consoleOrigin('https://console.example.com'), 'https://console.example.com');
    assert.equal(consoleOrigin('http://[::1]:7070'), 'http://[::1]:7070');
    for (const bad of [
      'null',
      '',
      'http://a.example/path',
      'javascript:alert(1)',
      "http://a.example; script-src 'unsafe-inline'",
      'http://user@a.example',
      'file:///etc',
    ]) {
      assert.equal(consoleOrigin(bad), null, bad);
    }
    const csp = bundleCsp({ tier: 'first-party', connect: [], ancestor: 'http://a.example/x' });
    assert.match(csp, /frame-ancestors 'none'$/);
    assert.match(refusalCsp(null), /frame-ancestors 'none'$/);
  });

  it('sets the other headers on every bundle response', () => {
    const h = bundleHeaders({ tier: 'first-party', connect: [], ancestor: CONSOLE });
    assert.equal(h['referrer-policy'], 'no-referrer');
    assert.equal(h['x-content-type-options'], 'nosniff');
    assert.equal(h['cross-origin-resource-policy'], 'cross-origin');
    assert.equal(h['cross-origin-opener-policy'], 'same-origin');
    assert.equal(h['access-control-allow-origin'], '*');
    assert.equal(h['access-control-allow-credentials'], undefined);
  });
});
