import type { Sandbox, SandboxLimits, SandboxStatus } from '@paddock/shared';
import type { Db } from '../store/database.js';
import { pageOf } from '../store/pages.js';
import type { SandboxesTable } from '../store/schema.js';
import { found } from '../store/found.js';

export type SandboxRow = SandboxesTable;
type StoredStatus = SandboxesTable['status'];

export interface SandboxQuery {
  status?: SandboxStatus;
  metadata: Record<string, string>;
  cursor?: string;
  limit: number;
}

/** Rows → the API's view. Env values stay in the store; only names are shown. */
export function sandboxView(row: SandboxRow): Sandbox {
  return {
    id: row.id,
    status: row.status === 'deleted' ? 'stopped' : row.status,
    limits: { memory_mb: row.memory_mb, pids: row.pids, cpus: row.cpus, disk_mb: row.disk_mb },
    env_keys: Object.keys(JSON.parse(row.env_json) as Record<string, string>).sort(),
    metadata: JSON.parse(row.metadata_json) as Record<string, string>,
    created_at: row.created_at,
    updated_at: row.updated_at,
    started_at: row.started_at,
    stopped_at: row.stopped_at,
    status_reason: row.status_reason,
    oom_kills: row.oom_kills,
    last_active_at: row.last_active_at,
    keepalive_until: row.keepalive_until,
    app_id: row.app_id,
  };
}

export function rowLimits(row: SandboxRow): SandboxLimits {
  return { memory_mb: row.memory_mb, pids: row.pids, cpus: row.cpus, disk_mb: row.disk_mb };
}

/** Sandbox rows. Every read for an API caller is scoped by owner; deleted rows stay for history. */
export class SandboxStore {
  constructor(private readonly db: Db) {}

  async insert(input: {
    id: string;
    owner: string;
    status: StoredStatus;
    limits: SandboxLimits;
    env: Record<string, string>;
    metadata: Record<string, string>;
    app?: { id: string; preset: string | null };
    /** A sandbox of no app that runs a preset's runtime (a userspace service app). */
    preset?: string;
    /** Its workspace is filled before the create answers (see `filling_since`). */
    filling?: boolean;
  }): Promise<SandboxRow> {
    const now = new Date().toISOString();
    const row: SandboxRow = {
      id: input.id,
      owner_id: input.owner,
      status: input.status,
      status_reason: null,
      ...input.limits,
      env_json: JSON.stringify(input.env),
      metadata_json: JSON.stringify(input.metadata),
      oom_kills: 0,
      created_at: now,
      updated_at: now,
      started_at: input.status === 'running' ? now : null,
      stopped_at: null,
      deleted_at: null,
      last_active_at: now,
      keepalive_until: null,
      app_id: input.app?.id ?? null,
      preset: input.app?.preset ?? input.preset ?? null,
      seeded_at: null,
      web_port: null,
      preview_epoch: 1,
      filling_since: input.filling === true ? now : null,
      restoring_snapshot_id: null,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('sandboxes').values(row).execute();
      const meta = Object.entries(input.metadata).map(([key, value]) => ({
        sandbox_id: row.id,
        key,
        value,
      }));
      if (meta.length > 0) await tx.insertInto('sandbox_metadata').values(meta).execute();
    });
    return row;
  }

  async get(owner: string, id: string): Promise<SandboxRow | undefined> {
    return this.db
      .selectFrom('sandboxes')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', owner)
      .where('status', '!=', 'deleted')
      .executeTakeFirst();
  }

  /** Every sandbox that is not deleted, for reconciliation with the driver at start. */
  async listLive(): Promise<SandboxRow[]> {
    return this.db.selectFrom('sandboxes').selectAll().where('status', '!=', 'deleted').execute();
  }

  async listLiveForApp(appId: string): Promise<SandboxRow[]> {
    return this.db
      .selectFrom('sandboxes')
      .selectAll()
      .where('app_id', '=', appId)
      .where('status', '!=', 'deleted')
      .execute();
  }

  /** Running sandboxes with what idle stop needs to decide. */
  async listRunning(): Promise<
    Pick<SandboxRow, 'id' | 'owner_id' | 'last_active_at' | 'keepalive_until' | 'started_at'>[]
  > {
    return this.db
      .selectFrom('sandboxes')
      .select(['id', 'owner_id', 'last_active_at', 'keepalive_until', 'started_at'])
      .where('status', '=', 'running')
      .execute();
  }

  /** Any owner's: for the preview proxy, which authenticates by the link's token instead. */
  async getForPreview(id: string): Promise<SandboxRow | undefined> {
    return this.db
      .selectFrom('sandboxes')
      .selectAll()
      .where('id', '=', id)
      .where('status', '!=', 'deleted')
      .executeTakeFirst();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('sandboxes')
      .set({ last_active_at: at })
      .where('id', '=', id)
      .execute();
  }

  async countByStatus(): Promise<{ status: string; n: number }[]> {
    const rows = await this.db
      .selectFrom('sandboxes')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
  }

  /** Newest first, paged by id (ids are ULID-based, so they sort by creation time). */
  async list(
    owner: string,
    q: SandboxQuery,
  ): Promise<{ items: SandboxRow[]; next_cursor: string | null }> {
    let query = this.db
      .selectFrom('sandboxes')
      .selectAll()
      .where('owner_id', '=', owner)
      .where('status', '!=', 'deleted');
    if (q.status) query = query.where('status', '=', q.status);
    if (q.cursor) query = query.where('id', '<', q.cursor);
    for (const [key, value] of Object.entries(q.metadata)) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('sandbox_metadata')
            .select('sandbox_metadata.sandbox_id')
            .whereRef('sandbox_metadata.sandbox_id', '=', 'sandboxes.id')
            .where('sandbox_metadata.key', '=', key)
            .where('sandbox_metadata.value', '=', value),
        ),
      );
    }
    const rows = await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    return pageOf(rows, q.limit);
  }

  /** A new sandbox's workspace is filled: it counts as seeded (no template lands on it). */
  markFilled(id: string): Promise<SandboxRow> {
    return this.update(id, { seeded_at: new Date().toISOString(), filling_since: null });
  }

  /** Live rows with a workspace write in progress (see `filling_since`, `restoring_snapshot_id`). */
  async listWriting(kind: 'filling_since' | 'restoring_snapshot_id'): Promise<SandboxRow[]> {
    return this.db
      .selectFrom('sandboxes')
      .selectAll()
      .where('status', '!=', 'deleted')
      .where(kind, 'is not', null)
      .execute();
  }

  async update(
    id: string,
    patch: Partial<Omit<SandboxRow, 'id' | 'owner_id' | 'created_at'>>,
  ): Promise<SandboxRow> {
    const row = await this.db
      .updateTable('sandboxes')
      .set({ ...patch, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return found(row, `sandbox ${id}`);
  }
}
