import { PaddockError } from '@paddock/shared';
import { digestOf } from '../archive/contentDigest.js';
import { inspectPackage } from '../archive/inspect.js';
import { sameContent } from '../archive/sameContent.js';
import { drain, SIGNATURE_PATH, walkPackage } from '../archive/walk.js';
import { parsePackageManifest } from '../manifest/parsePackageManifest.js';
import { appKeyFromPem } from '../signing/appKeys.js';
import { signPackage } from '../signing/packageSignature.js';
import { writePackage, type PackResult } from './writePackage.js';

/**
 * Signs an existing package with `privateKeyPem`, adding or replacing its `paddock-app.sig`,
 * and writes the result to `outFile` atomically (`outFile` may be `inFile`). The package is
 * inspected first, like an untrusted one; its manifest must be valid and its id the key's.
 * Every entry is copied as it is read again, checked against the first reading, so what is
 * signed is what was inspected.
 */
export async function signPackageFile(
  inFile: string,
  privateKeyPem: string,
  outFile: string,
): Promise<PackResult> {
  const key = appKeyFromPem(privateKeyPem);
  const listing = await inspectPackage(inFile);
  const parsed = parsePackageManifest(listing.manifest.toString('utf8'));
  if (!parsed.valid) {
    throw new PaddockError('package_manifest_invalid', 'the package manifest is not valid', {
      errors: parsed.errors,
    });
  }
  if (parsed.manifest.id !== key.appId) {
    throw new PaddockError(
      'package_id_mismatch',
      `the manifest's id is not the signing key's (${key.appId})`,
      { signed_by: key.appId },
    );
  }
  const digest = digestOf(listing.entries);
  const signature = Buffer.from(signPackage(privateKeyPem, digest));
  const sizes = new Map(listing.entries.map((e) => [e.path, e.size]));
  const { bytes, files } = await writePackage(outFile, digest, async (zip) => {
    const { entries } = await walkPackage(
      inFile,
      listing.limits,
      async (p) => (p === SIGNATURE_PATH ? drain() : zip.addStream(p, sizes.get(p) ?? 0)),
      async (p) => zip.addDirectory(p),
    );
    sameContent(listing.entries, entries);
    zip.addBuffer(signature, SIGNATURE_PATH);
  });
  return { digest, bytes, files };
}
