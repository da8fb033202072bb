import fs from 'node:fs';
import { sha256Of } from './contentHash.js';
import type { ObjectIndex } from './objectIndex.js';
import { writePack, type Pack, type PackEntry } from './packFile.js';
import { COMPACT_AT, PACK_FLUSH_BYTES, SMALL_PACK_BYTES } from './packSizes.js';
import { readRange } from './syncedFiles.js';

/**
 * Rewrites packs into fewer: for a sweep, the packs mostly garbage (only the wanted objects
 * are copied), and for `compact`, the small packs that commits leave behind (every object
 * copied). The new pack is synced before the old ones go: it holds content already promised
 * durable.
 */
export class PackMerger {
  /** Packs whose merge by compact() failed (a damaged object, a full disk). */
  private readonly unmergeable = new WeakSet<Pack>();

  constructor(private readonly index: ObjectIndex) {}

  /**
   * Merges the small packs once COMPACT_AT of them have gathered (see ContentStore.compact).
   * Nothing is removed, so no lease or reference needs checking.
   */
  async compact(): Promise<{ merged: number; errors: unknown[] }> {
    const result = { merged: 0, errors: [] as unknown[] };
    // By file size first: it runs after every commit, and bounds what the pack indexes.
    const small = [...this.index.packs].filter(
      (p) => p.bytes < SMALL_PACK_BYTES && !this.unmergeable.has(p),
    );
    if (small.length < COMPACT_AT) return result;
    const size = (p: Pack) => sum(this.index.indexedIn(p));
    for (const group of rewriteGroups(small, size)) {
      try {
        await this.rewrite(group, () => true);
        result.merged += group.length;
      } catch (err) {
        // Left to sweeps (which log too), not tried again after every commit.
        for (const pack of group) this.unmergeable.add(pack);
        result.errors.push(err);
      }
    }
    return result;
  }

  /**
   * Writes the wanted objects of `group` into one new pack, then, in one synchronous step, sends
   * reads there and removes the old packs; unless something began to hold an object that was
   * not copied meanwhile, in which case the new pack is given up and the old ones stay.
   */
  async rewrite(
    group: Pack[],
    wanted: (sha256: string) => boolean,
  ): Promise<{ removed: number; bytes: number }> {
    const objects = await this.readWanted(group, wanted);
    const index = this.index;
    const fresh =
      objects.size > 0 ? await writePack(index.tmpFile(), index.packsDir, objects, true) : null;
    const lost = group.some(
      (pack) =>
        !index.packs.has(pack) ||
        index.indexedIn(pack).some((e) => !objects.has(e.sha256) && wanted(e.sha256)),
    );
    if (lost) {
      if (fresh !== null) fs.rmSync(fresh.file, { force: true });
      return { removed: 0, bytes: 0 };
    }
    let removed = 0;
    let bytes = 0;
    for (const pack of group) {
      const own = index.indexedIn(pack);
      removed += own.filter((e) => !objects.has(e.sha256)).length;
      bytes += pack.bytes;
      index.dropPack(pack, own);
    }
    if (fresh !== null) {
      index.addReplacement(fresh);
      bytes -= fresh.bytes;
    }
    return { removed, bytes };
  }

  /** The wanted objects of `group`, each checked against its hash. */
  private async readWanted(
    group: Pack[],
    wanted: (sha256: string) => boolean,
  ): Promise<Map<string, Buffer>> {
    const objects = new Map<string, Buffer>();
    for (const pack of group) {
      const fd = fs.openSync(pack.file, 'r');
      try {
        for (const e of this.index.indexedIn(pack)) {
          if (!wanted(e.sha256)) continue;
          const data = await readRange(fd, e.offset, e.size);
          if (sha256Of(data) !== e.sha256) {
            throw new Error(`stored object ${e.sha256} is damaged; its pack is left as it is`);
          }
          objects.set(e.sha256, data);
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    return objects;
  }
}

/** The bytes of `entries`' objects. */
export function sum(entries: readonly PackEntry[]): number {
  return entries.reduce((n, e) => n + e.size, 0);
}

/**
 * The packs to rewrite, in groups of up to a batch's worth of objects each. A group of one
 * small pack with no garbage is left out: rewriting it would change nothing.
 */
export function rewriteGroups(packs: Pack[], liveBytes: (pack: Pack) => number): Pack[][] {
  const groups: Pack[][] = [];
  let group: Pack[] = [];
  let bytes = 0;
  for (const pack of packs) {
    const live = liveBytes(pack);
    if (group.length > 0 && bytes + live > PACK_FLUSH_BYTES) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(pack);
    bytes += live;
  }
  if (group.length > 0) groups.push(group);
  return groups.filter((g) => g.length > 1 || liveBytes(g[0]!) < sum(g[0]!.entries));
}
