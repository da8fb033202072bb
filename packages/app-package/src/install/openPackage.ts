import fs from 'node:fs';
import { PaddockError, type AppPackageManifest } from '@paddock/shared';
import {
  contentDigest,
  digestOf,
  inspectPackage,
  type PackageLimits,
  type PackageListing,
} from '../archive/index.js';
import { parsePackageManifest } from '../manifest/parsePackageManifest.js';
import { verifyPackage } from '../signing/packageSignature.js';

/** A package file read through and checked: safe entries, a valid manifest, a good signature. */
export interface OpenedPackage {
  file: string;
  bytes: number;
  listing: PackageListing;
  manifest: AppPackageManifest;
  /** SHA-256 (hex) of the canonical content: what the signature signs. */
  digest: string;
  /** The signing key (raw Ed25519) whose id the manifest carries. */
  publicKey: Buffer;
}

/**
 * Everything an install must know before it may touch the apps' disk, in the order that
 * refuses cheapest first: the zip's entries, the manifest, then the signature over the
 * content and the id it must name. Nothing is extracted.
 *
 * `private`: the file is in a directory only this process writes (the daemon's own 0700
 * `incoming/`), so the digest comes from the one pass that inspected it; otherwise the file is
 * read a second time and must still hold what the first pass saw. Extraction checks every byte
 * against the listing again either way.
 */
export async function openPackage(
  file: string,
  options: { limits?: Partial<PackageLimits>; private?: boolean } = {},
): Promise<OpenedPackage> {
  const limits = options.limits;
  const listing = await inspectPackage(file, limits);
  const parsed = parsePackageManifest(listing.manifest.toString('utf8'));
  if (!parsed.valid) {
    throw new PaddockError(
      'package_manifest_invalid',
      `paddock-app.json: ${parsed.errors.map((e) => `${e.line}:${e.column} ${e.path || '(root)'}: ${e.message}`).join('; ')}`,
      { issues: parsed.errors },
    );
  }
  const digest = options.private ? digestOf(listing.entries) : await contentDigest(listing, file);
  const { publicKey } = verifyPackage(listing.signature, digest, parsed.manifest.id);
  return {
    file,
    bytes: fs.statSync(file).size,
    listing,
    manifest: parsed.manifest,
    digest,
    publicKey,
  };
}
