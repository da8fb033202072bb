import type { ContentStore, Lease, SnapshotManifest } from '@paddock/snapshots';
import type { SnapshotDurability } from './snapshotDurability.js';
import type { SnapshotGarbage } from './snapshotGarbage.js';
import type { SnapshotQuota } from './snapshotQuota.js';
import type { SnapshotRow, SnapshotStore } from './snapshotStore.js';

export interface SnapshotCommitOptions {
  rows: SnapshotStore;
  content: ContentStore;
  durability: SnapshotDurability;
  quota: SnapshotQuota;
  garbage: SnapshotGarbage;
}

/** What a capture or import has stored, ready to become a snapshot. */
export interface StoredContent {
  manifest: SnapshotManifest;
  files: number;
  bytes: number;
  written: number;
}

/** The end of a capture or an import: its content committed and its row marked ready. */
export class SnapshotCommit {
  constructor(private readonly o: SnapshotCommitOptions) {}

  /** Where a capture or import begins: pass what it returns to `markReady`. */
  begin(): number {
    return this.o.durability.begin();
  }

  /**
   * The manifest stored beside the content, then the row marked ready within the owner's
   * storage limit (over it: `snapshot_quota_exceeded`), then handed on to be put on disk.
   */
  async markReady(
    row: SnapshotRow,
    lease: Lease,
    result: StoredContent,
    started: number,
    failedSyncs: number,
    fields: Partial<SnapshotRow> = {},
  ): Promise<SnapshotRow> {
    const manifest = await this.storeManifest(lease, result.manifest);
    const ready = await this.o.rows.updateWithin(
      row,
      {
        status: 'ready',
        manifest_sha256: manifest.sha256,
        files: result.files,
        size_bytes: result.bytes,
        new_bytes: result.written + manifest.written,
        consistent: 1,
        duration_ms: Math.round(performance.now() - started),
        ready_at: new Date().toISOString(),
        ...fields,
      },
      this.o.quota.limitBytes(row.owner_id),
    );
    if (ready === 'over') throw this.o.quota.overQuota(row.owner_id, { adding: result.bytes });
    this.o.durability.track(ready, failedSyncs);
    return ready;
  }

  /**
   * The manifest stored beside the content, and all of it written: then it may be ready. It is
   * put on disk right after (see SnapshotDurability).
   */
  private async storeManifest(
    lease: Lease,
    manifest: SnapshotManifest,
  ): Promise<{ sha256: string; written: number }> {
    const stored = await this.o.content.putBuffer(lease, Buffer.from(JSON.stringify(manifest)));
    await this.o.content.commit(lease);
    this.o.garbage.compactPacks();
    return stored;
  }
}
