import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { appIdOf, base32, generateAppKey, signPackage, verifyPackage } from '../src/index.js';

const digest = () => crypto.randomBytes(32).toString('hex');

describe('package signatures and app ids', () => {
  it('derives the id from the public key: 52 lower-case base32 characters', () => {
    const key = generateAppKey();
    assert.match(key.appId, /^[a-z2-7]{52}$/);
    assert.equal(key.appId, appIdOf(key.publicKey));
    // RFC 4648's test vectors, in lower case without padding.
    assert.equal(base32(Buffer.from('foobar')), 'mzxw6ytboi');
    assert.equal(base32(Buffer.from('f')), 'my');
    assert.notEqual(generateAppKey().appId, key.appId);
  });

  it("verifies a package signed by its app's key", () => {
    const key = generateAppKey();
    const d = digest();
    const sig = Buffer.from(signPackage(key.privateKeyPem, d));
    const verified = verifyPackage(sig, d, key.appId);
    assert.equal(verified.appId, key.appId);
    assert.ok(verified.publicKey.equals(key.publicKey));
  });

  it('refuses a changed content, another id, a forged or missing signature', () => {
    const key = generateAppKey();
    const other = generateAppKey();
    const d = digest();
    const sig = Buffer.from(signPackage(key.privateKeyPem, d));
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as { code?: string }).code;
      }
      return 'accepted';
    };
    const changed = `${d[0] === '0' ? '1' : '0'}${d.slice(1)}`;
    assert.equal(
      code(() => verifyPackage(sig, changed, key.appId)),
      'package_signature_invalid',
    );
    // Signed by another key for our id: the signature holds, the id does not.
    const byOther = Buffer.from(signPackage(other.privateKeyPem, d));
    assert.equal(
      code(() => verifyPackage(byOther, d, key.appId)),
      'package_id_mismatch',
    );
    // Our key swapped into another's signature file: the signature no longer holds.
    const swapped = JSON.parse(byOther.toString()) as Record<string, string>;
    swapped.public_key = key.publicKey.toString('base64url');
    assert.equal(
      code(() => verifyPackage(Buffer.from(JSON.stringify(swapped)), d, key.appId)),
      'package_signature_invalid',
    );
    assert.equal(
      code(() => verifyPackage(null, d, key.appId)),
      'package_unsigned',
    );
    assert.equal(
      code(() => verifyPackage(Buffer.from('not json'), d, key.appId)),
      'package_signature_invalid',
    );
  });
});
