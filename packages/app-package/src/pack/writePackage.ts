import path from 'node:path';
import { PaddockError } from '@paddock/shared';
import { digestOf } from '../archive/contentDigest.js';
import { inspectPackage, type PackageListing } from '../archive/inspect.js';
import { ZipWriter } from './zipWriter.js';

/** A package written: its content digest, the file's size, and its files (manifest and signature included). */
export interface PackResult {
  digest: string;
  bytes: number;
  files: number;
}

/**
 * Writes a package to `outFile` atomically: `fill` adds the entries to a temporary zip, which
 * is then read back by `inspectPackage` (so nothing is written that the reader would refuse)
 * and must have `digest` as its content digest (else a file changed while it was packed)
 * before it is renamed into place. A zip the reader takes for a bomb (content that compresses
 * more than `maxRatio`) is written once more, stored.
 */
export async function writePackage(
  outFile: string,
  digest: string,
  fill: (zip: ZipWriter) => Promise<void>,
): Promise<PackResult & { listing: PackageListing }> {
  const target = path.resolve(outFile);
  for (const compress of [true, false]) {
    const zip = await ZipWriter.create(target, compress);
    try {
      await Promise.race([fill(zip), zip.failed]);
      const bytes = await zip.finish();
      const listing = await inspectPackage(zip.tempFile);
      if (digestOf(listing.entries) !== digest) {
        throw new PaddockError('conflict', 'a file changed while it was packed; pack again');
      }
      await zip.commit();
      return { digest, bytes, files: listing.report.files, listing };
    } catch (err) {
      await zip.abort();
      if (compress && err instanceof PaddockError && err.code === 'package_bomb') continue;
      throw err;
    }
  }
  throw new Error('unreachable');
}
