import fs from 'node:fs';
import { PaddockError } from '@paddock/shared';

/**
 * Admission control for workspace images. Images are sparse: each costs ~1 MiB until its sandbox
 * writes, so without a check many sandboxes could promise more disk than the host has, and the
 * host file system (the data dir, the daemon's database) would fill up before any workspace did.
 * A new image is admitted only if every image's unwritten remainder, plus the new image, fits in
 * the free space minus a reserve. Free space used by anything else on the host counts as it is
 * found at the time of the check.
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** What the check looks at; all in bytes. */
export interface DiskBudgetInput {
  /** Free space for unprivileged writers on the data dir's file system (statfs bavail * bsize). */
  freeBytes: number;
  /** Size of that file system (statfs blocks * bsize). */
  totalBytes: number;
  /** Every existing workspace image of this data dir: its size and what it already occupies. */
  images: ReadonlyArray<{ sizeBytes: number; allocatedBytes: number }>;
  /** The size of the image about to be created. */
  newImageBytes: number;
}

export interface DiskBudget {
  /** Never handed out: max(1 GiB, 5 % of the file system). */
  reserveBytes: number;
  /** Capacity existing images may still claim: the sum of size - allocated. */
  promisedBytes: number;
  /** promised + the new image. */
  neededBytes: number;
  /** free - reserve (may be negative). */
  grantableBytes: number;
  admitted: boolean;
}

/** Keep at least 1 GiB, or 5 % of a large file system, free of workspace promises. */
export function reserveFor(totalBytes: number): number {
  return Math.max(GiB, Math.ceil(totalBytes * 0.05));
}

/** The admission arithmetic, pure. */
export function diskBudget(input: DiskBudgetInput): DiskBudget {
  const reserveBytes = reserveFor(input.totalBytes);
  let promisedBytes = 0;
  // A full image occupies a little more than its size (the host file system's own extent
  // blocks); it promises nothing further, never less than nothing.
  for (const img of input.images) promisedBytes += Math.max(0, img.sizeBytes - img.allocatedBytes);
  const neededBytes = promisedBytes + input.newImageBytes;
  const grantableBytes = input.freeBytes - reserveBytes;
  return {
    reserveBytes,
    promisedBytes,
    neededBytes,
    grantableBytes,
    admitted: neededBytes <= grantableBytes,
  };
}

function mib(bytes: number): number {
  return Math.floor(bytes / MiB);
}

/** The `insufficient_storage` refusal, with the numbers that led to it. */
export function insufficientStorage(
  input: DiskBudgetInput,
  budget: DiskBudget,
  where: string,
): PaddockError {
  const left = Math.max(0, budget.grantableBytes - budget.promisedBytes);
  return new PaddockError(
    'insufficient_storage',
    `not enough host disk for a ${mib(input.newImageBytes)} MiB workspace: ` +
      `${mib(input.freeBytes)} MiB free on the file system of ${where}, ` +
      `${mib(budget.reserveBytes)} MiB of it kept in reserve, ` +
      `${mib(budget.promisedBytes)} MiB promised to ${input.images.length} existing workspace(s) ` +
      `not yet filled; at most ${mib(left)} MiB can be granted now`,
    {
      requested_mb: mib(input.newImageBytes),
      free_mb: mib(input.freeBytes),
      reserve_mb: mib(budget.reserveBytes),
      promised_mb: mib(budget.promisedBytes),
      grantable_mb: mib(left),
    },
  );
}

/** Gather the check's input from the host: statfs of `dataDir`, stat of each image that exists. */
export function measureDisk(
  dataDir: string,
  imageFiles: readonly string[],
  newImageBytes: number,
): DiskBudgetInput {
  const fsStats = fs.statfsSync(dataDir);
  const images: Array<{ sizeBytes: number; allocatedBytes: number }> = [];
  for (const file of imageFiles) {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      continue; // a half-created or just-removed sandbox: no image, no promise
    }
    images.push({ sizeBytes: st.size, allocatedBytes: st.blocks * 512 });
  }
  return {
    freeBytes: fsStats.bavail * fsStats.bsize,
    totalBytes: fsStats.blocks * fsStats.bsize,
    images,
    newImageBytes,
  };
}

/**
 * Throw `insufficient_storage` unless a new image of `newImageBytes` fits. Synchronous on
 * purpose: run it in the same tick as the image's creation, so two creates cannot both be
 * admitted against the same free space.
 */
export function assertDiskBudget(
  dataDir: string,
  imageFiles: readonly string[],
  newImageBytes: number,
): void {
  const input = measureDisk(dataDir, imageFiles, newImageBytes);
  const budget = diskBudget(input);
  if (!budget.admitted) throw insufficientStorage(input, budget, dataDir);
}
