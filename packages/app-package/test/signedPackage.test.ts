/** The halves together: a real zip, inspected, digested, signed, and verified on the way in. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  contentDigest,
  generateAppKey,
  inspectPackage,
  parsePackageManifest,
  signPackage,
  verifyPackage,
} from '../src/index.js';
import { write } from './testPackages.js';
import { yazlZip, type YazlFile } from './zipCorpus.js';

describe('a signed .paddockapp, end to end', () => {
  it('verifies after a round trip through the zip, and not after a byte changed', async () => {
    const key = generateAppKey();
    const manifest = JSON.stringify({
      id: key.appId,
      name: 'Notes',
      version: 1,
      version_label: '1.0.0',
      min_upgradable_version: 1,
      app_type: 'web',
      entry: 'index.html',
      description: 'Notes.',
      permissions: ['app.kv'],
      optional_permissions: [],
    });
    const files: YazlFile[] = [
      { name: 'paddock-app.json', content: Buffer.from(manifest) },
      { name: 'index.html', content: Buffer.from('<h1>Notes</h1>') },
    ];
    const unsigned = write(await yazlZip(files));
    const digest = await contentDigest(await inspectPackage(unsigned), unsigned);
    const sig = Buffer.from(signPackage(key.privateKeyPem, digest));

    const signed = write(await yazlZip([...files, { name: 'paddock-app.sig', content: sig }]));
    const listing = await inspectPackage(signed);
    const parsed = parsePackageManifest(listing.manifest.toString('utf8'));
    assert.ok(parsed.valid, JSON.stringify(parsed));
    const verified = verifyPackage(
      listing.signature,
      await contentDigest(listing, signed),
      parsed.manifest.id,
    );
    assert.equal(verified.appId, key.appId);

    const tampered = write(
      await yazlZip([
        files[0]!,
        { name: 'index.html', content: Buffer.from('<h1>Notez</h1>') },
        { name: 'paddock-app.sig', content: sig },
      ]),
    );
    const bad = await inspectPackage(tampered);
    assert.throws(() => verifyPackage(bad.signature, '', key.appId), {
      code: 'package_signature_invalid',
    });
    await assert.rejects(
      (async () => verifyPackage(bad.signature, await contentDigest(bad, tampered), key.appId))(),
      { code: 'package_signature_invalid' },
    );
  });
});
