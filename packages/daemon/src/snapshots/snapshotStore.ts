import { sql } from 'kysely';
import { ulid } from 'ulid';
import { PaddockError, type Snapshot } from '@paddock/shared';
import type { Db } from '../store/database.js';
import { pageOf } from '../store/pages.js';
import type { SnapshotsTable } from '../store/schema.js';

export type SnapshotRow = SnapshotsTable;

export function snapshotView(row: SnapshotRow): Snapshot {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    error: row.error,
    source: row.source,
    app_id: row.app_id,
    sandbox_id: row.sandbox_id,
    files: row.files,
    size_bytes: row.size_bytes,
    new_bytes: row.new_bytes,
    consistent: row.consistent === 1,
    skipped: JSON.parse(row.skipped_json) as string[],
    duration_ms: row.duration_ms,
    frozen_ms: row.frozen_ms,
    created_at: row.created_at,
    ready_at: row.ready_at,
  };
}

/** Snapshot rows; every API read is owner-scoped. The bytes live in the content store. */
export class SnapshotStore {
  constructor(private readonly db: Db) {}

  async insert(input: {
    owner: string;
    name: string;
    source: SnapshotRow['source'];
    appId: string | null;
    sandboxId: string | null;
  }): Promise<SnapshotRow> {
    const row: SnapshotRow = {
      id: `snp${ulid().toLowerCase()}`,
      owner_id: input.owner,
      app_id: input.appId,
      sandbox_id: input.sandboxId,
      name: input.name,
      source: input.source,
      status: 'capturing',
      error: null,
      manifest_sha256: null,
      files: 0,
      size_bytes: 0,
      new_bytes: 0,
      consistent: 0,
      skipped_json: '[]',
      duration_ms: null,
      frozen_ms: null,
      durable: 0,
      created_at: new Date().toISOString(),
      ready_at: null,
    };
    await this.db.insertInto('snapshots').values(row).execute();
    return row;
  }

  async get(owner: string, id: string): Promise<SnapshotRow | undefined> {
    return this.db
      .selectFrom('snapshots')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', owner)
      .executeTakeFirst();
  }

  /** An app's snapshots, newest first. */
  async listForApp(
    owner: string,
    appId: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: SnapshotRow[]; next_cursor: string | null }> {
    let query = this.db
      .selectFrom('snapshots')
      .selectAll()
      .where('owner_id', '=', owner)
      .where('app_id', '=', appId);
    if (q.cursor) query = query.where('id', '<', q.cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    return pageOf(rows, q.limit);
  }

  /**
   * Sets the fields and returns the row as it now stands. A row deleted meanwhile (its app
   * purged during a capture) is `not_found`, never reported as updated.
   */
  async update(
    row: SnapshotRow,
    patch: Partial<Omit<SnapshotRow, 'id' | 'owner_id' | 'created_at'>>,
  ): Promise<SnapshotRow> {
    const result = await this.db
      .updateTable('snapshots')
      .set(patch)
      .where('id', '=', row.id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) {
      throw new PaddockError('not_found', `snapshot ${row.id} was deleted meanwhile`);
    }
    return { ...row, ...patch };
  }

  /**
   * Sets the fields (a ready snapshot's) only if the owner's snapshots, failed ones aside and
   * this one counted at its new `size_bytes`, describe at most `limitBytes`. One statement, so
   * captures running side by side cannot pass the limit together. 'over' when they would.
   */
  async updateWithin(
    row: SnapshotRow,
    patch: Partial<Omit<SnapshotRow, 'id' | 'owner_id' | 'created_at'>>,
    limitBytes: number,
  ): Promise<SnapshotRow | 'over'> {
    const bytes = patch.size_bytes ?? row.size_bytes;
    const result = await this.db
      .updateTable('snapshots')
      .set(patch)
      .where('id', '=', row.id)
      .where(
        sql<boolean>`(select coalesce(sum(s.size_bytes), 0) from snapshots s where s.owner_id = ${row.owner_id} and s.status != 'failed' and s.id != ${row.id}) + ${bytes} <= ${limitBytes}`,
      )
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return { ...row, ...patch };
    const still = await this.db
      .selectFrom('snapshots')
      .select('id')
      .where('id', '=', row.id)
      .executeTakeFirst();
    if (!still) throw new PaddockError('not_found', `snapshot ${row.id} was deleted meanwhile`);
    return 'over';
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('snapshots').where('id', '=', id).execute();
  }

  /** Bytes of files the owner's snapshots describe, failed ones aside (the storage quota). */
  async describedBytes(owner: string): Promise<number> {
    const row = await this.db
      .selectFrom('snapshots')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size_bytes'), eb.lit(0)).as('bytes'))
      .where('owner_id', '=', owner)
      .where('status', '!=', 'failed')
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  }

  /** Every manifest a live snapshot points at: what garbage collection must keep. */
  async manifestHashes(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('snapshots')
      .select('manifest_sha256')
      .where('manifest_sha256', 'is not', null)
      .execute();
    return rows.map((r) => r.manifest_sha256!);
  }

  async markDurable(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('snapshots').set({ durable: 1 }).where('id', 'in', ids).execute();
  }

  /** Ready snapshots whose content may not have reached the disk before the daemon stopped. */
  async listUndurable(): Promise<SnapshotRow[]> {
    return this.db
      .selectFrom('snapshots')
      .selectAll()
      .where('status', '=', 'ready')
      .where('durable', '=', 0)
      .orderBy('id')
      .execute();
  }

  /** A ready snapshot whose content was lost: failed, and its manifest let go. */
  async failReady(id: string, reason: string): Promise<boolean> {
    const result = await this.db
      .updateTable('snapshots')
      .set({ status: 'failed', error: reason, manifest_sha256: null })
      .where('id', '=', id)
      .where('status', '=', 'ready')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** At start: captures the daemon was in the middle of can never finish. */
  /** Imports the daemon stopped in the middle of: never answered, so removed (not failed). */
  async unfinishedImports(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('snapshots')
      .select('id')
      .where('status', '=', 'capturing')
      .where('source', '=', 'import')
      .execute();
    return rows.map((r) => r.id);
  }

  async failUnfinished(reason: string): Promise<number> {
    const result = await this.db
      .updateTable('snapshots')
      .set({ status: 'failed', error: reason })
      .where('status', '=', 'capturing')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
