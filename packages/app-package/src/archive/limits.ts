import { PaddockError } from '@paddock/shared';

/** What one `.paddockapp` may hold. Every cap is checked on the declared sizes and again on the bytes read. */
export interface PackageLimits {
  /** Entries in the central directory, directories included. */
  maxEntries: number;
  /** Uncompressed bytes of one entry. */
  maxEntryBytes: number;
  /** Uncompressed bytes of all entries together. */
  maxTotalBytes: number;
  /** Uncompressed / compressed, per entry and for the whole package. */
  maxRatio: number;
  /** The ratio is only held against entries (and packages) larger than this: a small file of zeros is no bomb. */
  ratioFloorBytes: number;
  /** `paddock-app.json`, read into memory. */
  maxManifestBytes: number;
  /** `paddock-app.sig`, read into memory. */
  maxSignatureBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_PACKAGE_LIMITS: Readonly<PackageLimits> = Object.freeze({
  maxEntries: 10_000,
  maxEntryBytes: 64 * MiB,
  maxTotalBytes: 256 * MiB,
  maxRatio: 100,
  ratioFloorBytes: 1 * MiB,
  maxManifestBytes: 64 * 1024,
  maxSignatureBytes: 16 * 1024,
});

/** The defaults with `given` on top; every value must be a positive safe integer. */
export function resolveLimits(given: Partial<PackageLimits> = {}): PackageLimits {
  const limits = { ...DEFAULT_PACKAGE_LIMITS, ...given };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new PaddockError('bad_request', `package limit ${key} must be a positive integer`);
    }
  }
  return limits;
}
