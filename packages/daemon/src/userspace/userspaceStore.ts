import type { Db } from '../store/database.js';
import type {
  PublisherKeysTable,
  UserspaceAppsTable,
  UserspaceVersionsTable,
} from '../store/schema.js';

export type UserspaceRow = UserspaceAppsTable;
export type VersionRow = UserspaceVersionsTable;
export type PublisherKeyRow = PublisherKeysTable;

/**
 * Userspace app rows, their kept versions and the pinned publisher keys. Installed apps
 * belong to the whole Paddock (one per id, like Sandstorm's); `owner_id` is who installed it.
 */
export class UserspaceStore {
  /** Bumped by every write of an app row, so readers may cache until it moves. */
  writes = 0;

  constructor(private readonly db: Db) {}

  /** The installed app whose service runs in `sandboxId`, if any. */
  bySandbox(sandboxId: string): Promise<UserspaceRow | undefined> {
    return this.db
      .selectFrom('userspace_apps')
      .selectAll()
      .where('sandbox_id', '=', sandboxId)
      .executeTakeFirst();
  }

  get(id: string): Promise<UserspaceRow | undefined> {
    return this.db.selectFrom('userspace_apps').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * The app with that id (or whose service runs in that sandbox), and whether its key is
   * pinned, in one query: the broker asks on every call.
   */
  async withPin(
    by: { id: string } | { sandboxId: string },
  ): Promise<{ row: UserspaceRow; pinned: boolean } | undefined> {
    const found = await this.db
      .selectFrom('userspace_apps')
      .leftJoin('publisher_keys', 'publisher_keys.app_id', 'userspace_apps.id')
      .selectAll('userspace_apps')
      .select('publisher_keys.app_id as pinned_id')
      .where(
        'id' in by ? 'userspace_apps.id' : 'userspace_apps.sandbox_id',
        '=',
        'id' in by ? by.id : by.sandboxId,
      )
      .executeTakeFirst();
    if (!found) return undefined;
    const { pinned_id, ...row } = found;
    return { row, pinned: pinned_id !== null };
  }

  list(trashed: boolean): Promise<UserspaceRow[]> {
    return this.db
      .selectFrom('userspace_apps')
      .selectAll()
      .where('trashed_at', trashed ? 'is not' : 'is', null)
      .orderBy('name')
      .orderBy('id')
      .execute();
  }

  /** Trashed apps whose time is up. */
  expired(now: string): Promise<UserspaceRow[]> {
    return this.db
      .selectFrom('userspace_apps')
      .selectAll()
      .where('purge_after', 'is not', null)
      .where('purge_after', '<=', now)
      .execute();
  }

  async insert(row: UserspaceRow): Promise<void> {
    this.writes++;
    await this.db.insertInto('userspace_apps').values(row).execute();
  }

  /** In `tx` when given: a switch of version recorded with the data it puts back. */
  async update(
    id: string,
    patch: Partial<Omit<UserspaceRow, 'id'>>,
    tx: Db = this.db,
  ): Promise<UserspaceRow> {
    this.writes++;
    await tx
      .updateTable('userspace_apps')
      .set({ ...patch, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
    return (await tx
      .selectFrom('userspace_apps')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst())!;
  }

  /** The app, its versions: gone for good (a purge). */
  async remove(id: string): Promise<void> {
    this.writes++;
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('userspace_versions').where('app_id', '=', id).execute();
      await tx.deleteFrom('userspace_apps').where('id', '=', id).execute();
    });
  }

  version(appId: string, version: number): Promise<VersionRow | undefined> {
    return this.db
      .selectFrom('userspace_versions')
      .selectAll()
      .where('app_id', '=', appId)
      .where('version', '=', version)
      .executeTakeFirst();
  }

  versions(appId: string): Promise<VersionRow[]> {
    return this.db
      .selectFrom('userspace_versions')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('version', 'desc')
      .execute();
  }

  async putVersion(row: VersionRow): Promise<void> {
    await this.db
      .insertInto('userspace_versions')
      .values(row)
      .onConflict((oc) => oc.columns(['app_id', 'version']).doUpdateSet(row))
      .execute();
  }

  /** Keeps only the listed versions' rows. */
  async keepVersions(appId: string, keep: number[]): Promise<void> {
    let q = this.db.deleteFrom('userspace_versions').where('app_id', '=', appId);
    if (keep.length > 0) q = q.where('version', 'not in', keep);
    await q.execute();
  }

  pinnedKeys(): Promise<PublisherKeyRow[]> {
    return this.db.selectFrom('publisher_keys').selectAll().orderBy('pinned_at').execute();
  }

  async isPinned(appId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('publisher_keys')
      .select('app_id')
      .where('app_id', '=', appId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async pin(row: PublisherKeyRow): Promise<void> {
    this.writes++;
    await this.db.insertInto('publisher_keys').values(row).execute();
  }

  async unpin(appId: string): Promise<boolean> {
    this.writes++;
    const r = await this.db
      .deleteFrom('publisher_keys')
      .where('app_id', '=', appId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
