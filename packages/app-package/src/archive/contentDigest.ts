import { createHash } from 'node:crypto';
import type { PackageListing } from './inspect.js';
import { SIGNATURE_PATH, walkPackage, type PackageEntry } from './walk.js';
import { sameContent } from './sameContent.js';

/**
 * The SHA-256 (hex) of a package's canonical content, what its signature signs: one line
 * `path\0size\0sha256(bytes)\n` per file except `paddock-app.sig`, sorted by the paths' UTF-8
 * bytes. Directory entries carry no content and are left out, so the same files give the same
 * digest whatever the zip's order, compression or directory records.
 *
 * `file` is read again and must still hold what `listing` says (else `package_invalid`).
 */
export async function contentDigest(listing: PackageListing, file: string): Promise<string> {
  const { entries } = await walkPackage(file, listing.limits);
  sameContent(listing.entries, entries);
  return digestOf(entries);
}

export function digestOf(entries: readonly PackageEntry[]): string {
  const files = entries
    .filter((e) => e.type === 'file' && e.path !== SIGNATURE_PATH)
    .map((e) => ({ e, key: Buffer.from(e.path, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.key, b.key));
  const hash = createHash('sha256');
  for (const { e } of files) hash.update(`${e.path}\0${e.size}\0${e.sha256}\n`, 'utf8');
  return hash.digest('hex');
}
