import { QUOTA_KEYS, type QuotaKey } from '@paddock/shared';
import type { Db } from '../store/database.js';

/** What one owner's sandboxes hold, as admission counts it. */
export interface SandboxUsage {
  sandboxes_running: number;
  memory_mb: number;
  cpus: number;
  disk_mb: number;
}

/** Statuses that hold memory and CPU: a stopping sandbox still runs until it has stopped. */
const RUNNING = ['starting', 'running', 'stopping'] as const;

/** Per-owner quota overrides, and the sums over the sandbox and snapshot tables they limit. */
export class QuotaStore {
  constructor(private readonly db: Db) {}

  async overrides(owner: string): Promise<Partial<Record<QuotaKey, number>>> {
    const rows = await this.db
      .selectFrom('owner_quotas')
      .select(['quota', 'value'])
      .where('owner_id', '=', owner)
      .execute();
    return Object.fromEntries(
      rows
        .filter((r) => (QUOTA_KEYS as readonly string[]).includes(r.quota))
        .map((r) => [r.quota, r.value]),
    );
  }

  /** Sets (a number) or clears (null) some overrides of one owner, in one transaction. */
  async patch(owner: string, patch: Partial<Record<QuotaKey, number | null>>): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (tx) => {
      for (const [quota, value] of Object.entries(patch)) {
        if (value === undefined) continue;
        if (value === null) {
          await tx
            .deleteFrom('owner_quotas')
            .where('owner_id', '=', owner)
            .where('quota', '=', quota)
            .execute();
          continue;
        }
        await tx
          .insertInto('owner_quotas')
          .values({ owner_id: owner, quota, value, updated_at: now })
          .onConflict((oc) =>
            oc.columns(['owner_id', 'quota']).doUpdateSet({ value, updated_at: now }),
          )
          .execute();
      }
    });
  }

  async clear(owner: string): Promise<void> {
    await this.db.deleteFrom('owner_quotas').where('owner_id', '=', owner).execute();
  }

  /** Every owner Paddock knows: those with keys, and those with overrides. */
  async owners(): Promise<string[]> {
    const known = await this.db.selectFrom('owners').select('id').execute();
    const overridden = await this.db
      .selectFrom('owner_quotas')
      .select('owner_id')
      .distinct()
      .execute();
    return [...new Set([...known.map((r) => r.id), ...overridden.map((r) => r.owner_id)])].sort();
  }

  /**
   * What the owner's sandboxes hold, leaving out `except` (sandboxes whose admission is under
   * way: they are counted by their reservation instead).
   */
  async sandboxUsage(owner: string, except: readonly string[] = []): Promise<SandboxUsage> {
    let q = this.db
      .selectFrom('sandboxes')
      .select(['status', 'memory_mb', 'cpus', 'disk_mb'])
      .where('owner_id', '=', owner)
      .where('status', '!=', 'deleted');
    if (except.length > 0) q = q.where('id', 'not in', except);
    const used: SandboxUsage = { sandboxes_running: 0, memory_mb: 0, cpus: 0, disk_mb: 0 };
    for (const r of await q.execute()) {
      used.disk_mb += r.disk_mb;
      if (!(RUNNING as readonly string[]).includes(r.status)) continue;
      used.sandboxes_running += 1;
      used.memory_mb += r.memory_mb;
      used.cpus += r.cpus;
    }
    return used;
  }

  /** MiB of files the owner's snapshots describe (as snapshot_storage_mb counts them). */
  async snapshotMb(owner: string): Promise<number> {
    const row = await this.db
      .selectFrom('snapshots')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size_bytes'), eb.lit(0)).as('bytes'))
      .where('owner_id', '=', owner)
      .where('status', '!=', 'failed')
      .executeTakeFirst();
    return Number(row?.bytes ?? 0) / (1024 * 1024);
  }
}
