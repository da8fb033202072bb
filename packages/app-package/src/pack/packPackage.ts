import { createHash } from 'node:crypto';
import path from 'node:path';
import { PaddockError, type AppPackageManifest } from '@paddock/shared';
import { digestOf } from '../archive/contentDigest.js';
import { resolveLimits, type PackageLimits } from '../archive/limits.js';
import { refuse } from '../archive/refusal.js';
import { MANIFEST_PATH, SIGNATURE_PATH, type PackageEntry } from '../archive/walk.js';
import { parsePackageManifest } from '../manifest/parsePackageManifest.js';
import { appKeyFromPem } from '../signing/appKeys.js';
import { signPackage } from '../signing/packageSignature.js';
import { collectSourceFiles, hashSourceFiles, type SourceFile } from './sourceFiles.js';
import { writePackage, type PackResult } from './writePackage.js';

export interface PackOptions {
  /** The app's files. */
  dir: string;
  /** Written as `paddock-app.json` (pretty JSON); checked like an installed package's. */
  manifest: AppPackageManifest;
  /** The app's key (PKCS#8 PEM): the package is signed with it, and the manifest's id must be its. */
  privateKeyPem?: string;
  outFile: string;
  /**
   * Left out, with everything under them, like .gitignore lines: a name without a slash at any
   * depth (`node_modules`, `.git`); a path with a slash at its start or middle from the top of
   * `dir` (`web/cache`, `/key.pem`).
   */
  exclude?: readonly string[];
}

/**
 * Writes the files of `dir` and `manifest` as a `.paddockapp` at `outFile` (atomically), signed
 * when a key is given. What `inspectPackage` would refuse is refused, with the same codes; the
 * written file is read back with it before it is put in place. The digest is `contentDigest`'s
 * over the files as read; a file that changes while it is packed fails the pack (`conflict`).
 */
export async function packPackage(options: PackOptions): Promise<PackResult> {
  const limits = resolveLimits();
  const manifest = manifestFile(options.manifest, limits);
  const key = options.privateKeyPem === undefined ? null : appKeyFromPem(options.privateKeyPem);
  if (key !== null && key.appId !== options.manifest.id) {
    throw new PaddockError(
      'package_id_mismatch',
      `the manifest's id is not the signing key's (${key.appId})`,
      { signed_by: key.appId },
    );
  }
  const outFile = path.resolve(options.outFile);
  const listed = await collectSourceFiles(path.resolve(options.dir), {
    exclude: options.exclude ?? [],
    skip: new Set([outFile]),
    limits,
  });
  const files = await hashSourceFiles(listed);
  const digest = digestOf([manifestEntry(manifest), ...files.map(fileEntry)]);
  const signature = key === null ? null : Buffer.from(signPackage(key.privateKeyPem, digest));
  const { bytes, files: count } = await writePackage(outFile, digest, async (zip) => {
    zip.addBuffer(manifest, MANIFEST_PATH);
    for (const f of files) zip.addFile(f.abs, f.path, f.size);
    if (signature !== null) zip.addBuffer(signature, SIGNATURE_PATH);
  });
  return { digest, bytes, files: count };
}

/** The manifest's bytes, once it passes the checks an install makes. */
function manifestFile(manifest: AppPackageManifest, limits: PackageLimits): Buffer {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const parsed = parsePackageManifest(text);
  if (!parsed.valid) {
    const [first] = parsed.errors;
    const where = first && first.path !== '' ? `${first.path}: ` : '';
    throw new PaddockError(
      'package_manifest_invalid',
      `${MANIFEST_PATH} is not valid: ${where}${first?.message ?? ''}`,
      { errors: parsed.errors },
    );
  }
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > limits.maxManifestBytes) {
    throw refuse(
      'package_too_large',
      `entry larger than ${limits.maxManifestBytes} bytes`,
      MANIFEST_PATH,
    );
  }
  return bytes;
}

function manifestEntry(bytes: Buffer): PackageEntry {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { path: MANIFEST_PATH, type: 'file', size: bytes.length, compressedSize: 0, sha256 };
}

function fileEntry(f: SourceFile): PackageEntry {
  return { path: f.path, type: 'file', size: f.size, compressedSize: 0, sha256: f.sha256 };
}
