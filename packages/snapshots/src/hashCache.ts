import type { BigIntStats } from 'node:fs';

/**
 * What earlier captures of one workspace learned: a file's hash, trusted while its inode, size,
 * mtime and ctime are all unchanged, so an unchanged file is not read again. The ctime is what
 * makes this safe: only the kernel sets it, on every change of content or metadata.
 */
export class HashCache {
  private readonly known = new Map<string, { key: string; sha256: string }>();

  /**
   * File timestamps come from the kernel's coarse clock (one tick: 1 to 10 ms), so a file
   * changed twice within one tick, with a capture in between, keeps its ctime. A file whose
   * ctime is this close to the capture's start is therefore not remembered (git's "racy clean"
   * rule, with a wide margin over any tick length).
   */
  static readonly RACY_NS = 250_000_000n;

  lookup(rel: string, st: BigIntStats): string | undefined {
    const hit = this.known.get(rel);
    return hit !== undefined && hit.key === keyOf(st) ? hit.sha256 : undefined;
  }

  /** Paths remembered at most: beyond it a huge workspace is simply read again. */
  static readonly MAX_ENTRIES = 100_000;

  remember(rel: string, st: BigIntStats, sha256: string, captureStartNs: bigint): void {
    if (!this.known.has(rel) && this.known.size >= HashCache.MAX_ENTRIES) return;
    if (st.ctimeNs >= captureStartNs - HashCache.RACY_NS) {
      this.known.delete(rel);
      return;
    }
    this.known.set(rel, { key: keyOf(st), sha256 });
  }

  /** Drops paths the last capture did not see, so the cache never outgrows the workspace. */
  retainOnly(paths: ReadonlySet<string>): void {
    for (const rel of this.known.keys()) if (!paths.has(rel)) this.known.delete(rel);
  }
}

function keyOf(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}
