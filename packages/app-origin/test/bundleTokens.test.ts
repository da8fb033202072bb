import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { BundleTokens, type BundleClaims } from '../src/index.js';

const A = 'a'.repeat(52);
const B = 'b'.repeat(52);

describe('bundle tokens', () => {
  const tokens = new BundleTokens('secret-one');
  const claims: BundleClaims = {
    appId: A,
    version: 3,
    keyId: 'key_1',
    binding: tokens.bind('the-cookie'),
    ancestor: 'http://127.0.0.1:7070',
  };

  it('round-trips for its app, and is refused for another', async () => {
    const { token, expiresAt } = await tokens.issue(claims);
    assert.deepEqual(await tokens.verify(token, A), claims);
    // Cached: the second check answers the same.
    assert.deepEqual(await tokens.verify(token, A), claims);
    assert.equal(await tokens.verify(token, B), null);
    const ttl = expiresAt.getTime() - Date.now();
    assert.ok(ttl > 59 * 60_000 && ttl <= 3600_000, `ttl ${ttl}`);
  });

  it('never outlives the app session it was issued with', async () => {
    const notAfter = new Date(Date.now() + 5 * 60_000);
    const { expiresAt } = await tokens.issue(claims, notAfter);
    assert.ok(expiresAt.getTime() <= notAfter.getTime());
  });

  it('refuses expired, forged, foreign-key, wrong-audience and oversized tokens', async () => {
    const { token: expired } = await tokens.issue(claims, new Date(Date.now() - 1000));
    assert.equal(await tokens.verify(expired, A), null);
    const other = new BundleTokens('secret-two');
    const { token: foreign } = await other.issue(claims);
    assert.equal(await tokens.verify(foreign, A), null);
    const key = new TextEncoder().encode('secret-one');
    const wrongAudience = await new SignJWT({ ver: 3, kid: 'k', bnd: 'b', anc: 'http://x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(A)
      .setAudience('paddock-app-session')
      .setExpirationTime('1h')
      .sign(key);
    assert.equal(await tokens.verify(wrongAudience, A), null);
    const missingClaim = await new SignJWT({ ver: 3, kid: 'k', bnd: 'b' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(A)
      .setAudience('paddock-app-bundle')
      .setExpirationTime('1h')
      .sign(key);
    assert.equal(await tokens.verify(missingClaim, A), null);
    const { token } = await tokens.issue(claims);
    const [h, p, s] = token.split('.');
    assert.equal(await tokens.verify(`${h}.${p}.${s!.slice(0, -2)}AA`, A), null);
    assert.equal(await tokens.verify('x'.repeat(5000), A), null);
    assert.equal(await tokens.verify('', A), null);
  });

  it('binds with a keyed hash: never the credential, different per key and per credential', () => {
    const b = tokens.bind('the-cookie');
    assert.notEqual(b, 'the-cookie');
    assert.ok(!b.includes('the-cookie'));
    assert.equal(tokens.bind('the-cookie'), b);
    assert.notEqual(tokens.bind('another-cookie'), b);
    assert.notEqual(new BundleTokens('secret-two').bind('the-cookie'), b);
  });
});
