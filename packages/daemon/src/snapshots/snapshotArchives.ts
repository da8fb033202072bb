import type { Readable } from 'node:stream';
import { PaddockError } from '@paddock/shared';
import {
  exportArchive,
  importArchive,
  manifestObjects,
  type ContentStore,
  type ImportOptions,
  type SnapshotManifest,
} from '@paddock/snapshots';
import type { EventLog } from '../events/eventLog.js';
import type { Slots } from './slots.js';
import type { SnapshotCommit } from './snapshotCommit.js';
import type { SnapshotGarbage } from './snapshotGarbage.js';
import type { SnapshotHistory } from './snapshotHistory.js';
import type { SnapshotQuota } from './snapshotQuota.js';
import { manifestOf } from './snapshotWorkspace.js';
import type { SnapshotRow, SnapshotStore } from './snapshotStore.js';

export interface SnapshotArchivesOptions {
  rows: SnapshotStore;
  content: ContentStore;
  events: EventLog;
  slots: Slots;
  quota: SnapshotQuota;
  commit: SnapshotCommit;
  garbage: SnapshotGarbage;
  history: SnapshotHistory;
  limits: { maxBytes: number; maxEntries: number };
}

/** Snapshots out of and into the host as tar archives. */
export class SnapshotArchives {
  constructor(private readonly o: SnapshotArchivesOptions) {}

  /**
   * The ready snapshot `row` as a tar stream, its history as the archive's metadata; its
   * content is held until the stream closes.
   */
  async export(row: SnapshotRow): Promise<{ row: SnapshotRow; stream: Readable }> {
    const manifest = await manifestOf(this.o.content, row);
    const metadata = await this.o.history.exported(row);
    const lease = this.o.content.lease();
    for (const sha of manifestObjects(manifest)) lease.hold(sha);
    // Held now; deleted (and swept) before the hold, it is gone: no truncated archive.
    if (!(await this.o.rows.get(row.owner_id, row.id))) {
      lease.release();
      throw new PaddockError('not_found', `no snapshot ${row.id}`);
    }
    const stream = exportArchive(manifest, this.o.content, metadata);
    stream.once('close', () => lease.release());
    return { row, stream };
  }

  /**
   * Runs `fn` over the ready snapshot's manifest with its files readable by SHA-256 (a package
   * made from it): its content is held until `fn` ends.
   */
  async read<T>(
    row: SnapshotRow,
    fn: (manifest: SnapshotManifest, open: (sha256: string) => Readable) => Promise<T>,
  ): Promise<T> {
    const manifest = await manifestOf(this.o.content, row);
    const lease = this.o.content.lease();
    try {
      for (const sha of manifestObjects(manifest)) lease.hold(sha);
      if (!(await this.o.rows.get(row.owner_id, row.id))) {
        throw new PaddockError('not_found', `no snapshot ${row.id}`);
      }
      return await fn(manifest, (sha) => this.o.content.objectStream(sha));
    } finally {
      lease.release();
    }
  }

  /** Takes a tar (or tar.gz) from outside, validated entry by entry, as a new snapshot. */
  async import(
    owner: string,
    name: string,
    body: AsyncIterable<Buffer>,
    agentKeyId: string | null,
    options: ImportOptions = {},
  ): Promise<SnapshotRow> {
    const started = performance.now();
    const failedSyncs = this.o.commit.begin();
    const room = await this.o.quota.roomFor(owner);
    if (room <= 0) {
      throw this.o.quota.overQuota(owner, { described: this.o.quota.limitBytes(owner) - room });
    }
    const row = await this.o.rows.insert({
      owner,
      name,
      source: 'import',
      appId: null,
      sandboxId: null,
    });
    const lease = this.o.content.lease();
    try {
      const result = await this.o.slots.run(() =>
        importArchive(body, this.o.content, lease, this.o.limits, options),
      );
      await this.o.history.imported(row, result.metadata, agentKeyId);
      const ready = await this.o.commit.markReady(row, lease, result, started, failedSyncs);
      await this.o.events.append({
        owner,
        sandboxId: null,
        type: 'snapshot.imported',
        message: `Snapshot "${name}" imported`,
        payload: { snapshot_id: row.id, files: result.files, size_bytes: result.bytes },
      });
      return ready;
    } catch (err) {
      // A refused archive leaves no snapshot behind; what it stored so far is garbage.
      await this.o.rows.remove(row.id);
      await this.o.history.forget(row.id);
      lease.release();
      void this.o.garbage.collect();
      throw err;
    } finally {
      lease.release();
    }
  }
}
