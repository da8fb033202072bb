import { ulid } from 'ulid';
import type { Db } from '../store/database.js';
import { pageOf } from '../store/pages.js';
import type { AppsTable } from '../store/schema.js';
import { found } from '../store/found.js';

export type AppRow = AppsTable;

export function newAppId(): string {
  return `app${ulid().toLowerCase()}`;
}

/** App rows, owner-scoped for every API read; deleted apps stay as history (deleted_at). */
export class AppStore {
  constructor(private readonly db: Db) {}

  async insert(input: {
    owner: string;
    name: string;
    preset: string | null;
    /** An import's record: its processes wait until its state says `started`. */
    importJson?: string;
  }): Promise<AppRow> {
    const now = new Date().toISOString();
    const row: AppRow = {
      id: newAppId(),
      owner_id: input.owner,
      name: input.name,
      preset: input.preset,
      public: 0,
      sandbox_id: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
      import_json: input.importJson ?? null,
    };
    await this.db.insertInto('apps').values(row).execute();
    return row;
  }

  async get(owner: string, id: string): Promise<AppRow | undefined> {
    return this.db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', owner)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Whether the app's previews are public (no link token needed); false for a deleted app. */
  async isPublic(id: string): Promise<boolean> {
    return (await this.getById(id))?.public === 1;
  }

  /** Any owner's live app: the preview proxy asks whether a sandbox's app is public. */
  async getById(id: string): Promise<AppRow | undefined> {
    return this.db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Newest first, paged by id (ULID-based, so by creation time). */
  async list(
    owner: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: AppRow[]; next_cursor: string | null }> {
    let query = this.db
      .selectFrom('apps')
      .selectAll()
      .where('owner_id', '=', owner)
      .where('deleted_at', 'is', null);
    if (q.cursor) query = query.where('id', '<', q.cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    return pageOf(rows, q.limit);
  }

  async update(
    id: string,
    patch: Partial<
      Pick<AppRow, 'name' | 'public' | 'sandbox_id' | 'deleted_at' | 'preset' | 'import_json'>
    >,
  ): Promise<AppRow> {
    const row = await this.db
      .updateTable('apps')
      .set({ ...patch, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return found(row, `app ${id}`);
  }

  /** Live apps never given a sandbox: their create was cut short (one answers only after). */
  async listUnlinked(): Promise<AppRow[]> {
    return this.db
      .selectFrom('apps')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('sandbox_id', 'is', null)
      .execute();
  }

  /** Every owner's live apps of these presets, oldest first (an admin's dependency update). */
  async listOfPresets(presets: string[]): Promise<AppRow[]> {
    if (presets.length === 0) return [];
    return this.db
      .selectFrom('apps')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('preset', 'in', presets)
      .orderBy('id', 'asc')
      .execute();
  }

  /** Live apps whose import never finished (the daemon stopped during one). */
  async listImporting(): Promise<AppRow[]> {
    return this.db
      .selectFrom('apps')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('import_json', 'like', '%"state":"importing"%')
      .execute();
  }

  /** Only for an app whose first sandbox could not be made: nothing else refers to it yet. */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('apps').where('id', '=', id).execute();
  }
}
