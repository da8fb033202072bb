import fs from 'node:fs';
import path from 'node:path';
import { SHA256 } from './contentHash.js';
import type { ObjectIndex } from './objectIndex.js';
import type { Pack } from './packFile.js';
import { rewriteGroups, sum, type PackMerger } from './packMerge.js';
import { SMALL_PACK_BYTES } from './packSizes.js';

export interface SweepResult {
  removed: number;
  bytes: number;
  /** Packs the sweep meant to rewrite but could not (a full disk, say); they stay as they were. */
  rewriteErrors: unknown[];
}

/**
 * The sweep of the mark and sweep: removes every object `wanted` says no to (ContentStore.sweep
 * decides what is wanted, and runs one sweep at a time). Each object and each pack is checked
 * and removed in one synchronous step: see ContentStore.holdExisting.
 */
export async function sweepObjects(
  index: ObjectIndex,
  merger: PackMerger,
  wanted: (sha256: string) => boolean,
): Promise<SweepResult> {
  const result: SweepResult = { removed: 0, bytes: 0, rewriteErrors: [] };
  await sweepLoose(index, wanted, result);
  // Packs nothing wants first: dropping one writes nothing, so it works on a full disk too.
  const rewrite = dropUnwantedPacks(index, wanted, result);
  const liveBytes = (p: Pack) => sum(index.indexedIn(p).filter((e) => wanted(e.sha256)));
  for (const group of rewriteGroups(rewrite, liveBytes)) {
    try {
      const r = await merger.rewrite(group, wanted);
      result.removed += r.removed;
      result.bytes += r.bytes;
    } catch (err) {
      result.rewriteErrors.push(err);
    }
  }
  return result;
}

/** Unlinks the large objects nothing wants. */
async function sweepLoose(
  index: ObjectIndex,
  wanted: (sha256: string) => boolean,
  result: SweepResult,
): Promise<void> {
  for (const prefix of await fs.promises.readdir(index.objectsDir)) {
    const dir = path.join(index.objectsDir, prefix);
    for (const rest of await fs.promises.readdir(dir).catch(() => [] as string[])) {
      const sha256 = prefix + rest;
      if (!SHA256.test(sha256) || wanted(sha256)) continue;
      // Checked and unlinked in one synchronous step: see holdExisting.
      const file = path.join(dir, rest);
      // Forgotten first: the set may say absent for a file still there (it is written
      // again), never present for one that is gone.
      index.loose.delete(sha256);
      try {
        result.bytes += fs.statSync(file).size;
        fs.unlinkSync(file);
        result.removed++;
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Drops every pack nothing in it is wanted from; returns the packs worth rewriting: less than
 * half their object bytes wanted, or small.
 */
function dropUnwantedPacks(
  index: ObjectIndex,
  wanted: (sha256: string) => boolean,
  result: SweepResult,
): Pack[] {
  const rewrite: Pack[] = [];
  for (const pack of [...index.packs]) {
    // Each pack is checked and dropped in one synchronous step, like a loose object.
    const own = index.indexedIn(pack);
    const live = own.filter((e) => wanted(e.sha256));
    if (live.length === 0) {
      result.removed += own.length;
      result.bytes += pack.bytes;
      index.dropPack(pack, own);
      continue;
    }
    // Copies of objects indexed elsewhere count as garbage too.
    const all = sum(pack.entries);
    if (sum(live) * 2 < all || all < SMALL_PACK_BYTES) rewrite.push(pack);
  }
  return rewrite;
}
