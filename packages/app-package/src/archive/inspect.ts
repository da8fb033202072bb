import { resolveLimits, type PackageLimits } from './limits.js';
import { scanReport, type ScanReport } from './scanReport.js';
import { walkPackage, type PackageEntry } from './walk.js';

/** A package read through and found acceptable; nothing of it is on disk yet. */
export interface PackageListing {
  /** In the zip's order. */
  entries: PackageEntry[];
  /** The raw bytes of `paddock-app.json` (at most maxManifestBytes). */
  manifest: Buffer;
  /** The raw bytes of `paddock-app.sig`, or null when the package has none. */
  signature: Buffer | null;
  report: ScanReport;
  /** The limits it was checked against; extraction holds it to the same. */
  limits: PackageLimits;
}

/**
 * Reads an untrusted `.paddockapp` through, checking every entry and every byte, and lists it.
 * Refuses with a `PaddockError` whose code says why (`package_*`) and whose details name the
 * entry. Writes nothing.
 */
export async function inspectPackage(
  file: string,
  limits?: Partial<PackageLimits>,
): Promise<PackageListing> {
  const resolved = resolveLimits(limits);
  const { entries, manifest, signature } = await walkPackage(file, resolved);
  return { entries, manifest, signature, report: scanReport(entries), limits: resolved };
}
