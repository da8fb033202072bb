import { PaddockError } from '@paddock/shared';
import type { SnapshotStore } from './snapshotStore.js';

export interface SnapshotQuotaOptions {
  rows: SnapshotStore;
  /**
   * Bytes of files one owner's snapshots may describe in all (`snapshot_storage_mb`, or the
   * owner's override: read at each use).
   */
  storageLimitBytes: (owner: string) => number;
}

/** Each owner's snapshot storage limit (`snapshot_storage_mb`, overridable per owner). */
export class SnapshotQuota {
  constructor(private readonly o: SnapshotQuotaOptions) {}

  /** The owner's limit as it stands now. */
  limitBytes(owner: string): number {
    return this.o.storageLimitBytes(owner);
  }

  /**
   * Bytes the owner's next snapshot may describe, looked up before it is captured so that an
   * owner already at the limit is refused before anything is read. The limit itself is held by
   * SnapshotStore.updateWithin, in the statement that marks a snapshot ready.
   */
  async roomFor(owner: string): Promise<number> {
    return this.o.storageLimitBytes(owner) - (await this.o.rows.describedBytes(owner));
  }

  /** Refused for the limit: by what one snapshot would add, or by what is there already. */
  overQuota(owner: string, over: { adding: number } | { described: number }): PaddockError {
    const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
    const limit = `${mib(this.o.storageLimitBytes(owner))} (snapshot_storage_mb)`;
    return new PaddockError(
      'snapshot_quota_exceeded',
      'adding' in over
        ? `this snapshot (${mib(over.adding)}) would take your snapshots past ${limit}; delete some first`
        : `your snapshots already describe ${mib(over.described)}, the most is ${limit}; delete some first`,
    );
  }
}
