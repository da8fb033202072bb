import type { Db } from '../store/database.js';
import type { AppSigningKeysTable } from '../store/schema.js';

export type AppKeyRow = AppSigningKeysTable;

/** Build apps' signing keys (sealed) and their publish counters; callers check the owner. */
export class AppKeyStore {
  constructor(private readonly db: Db) {}

  get(appId: string): Promise<AppKeyRow | undefined> {
    return this.db
      .selectFrom('app_signing_keys')
      .selectAll()
      .where('app_id', '=', appId)
      .executeTakeFirst();
  }

  /** Inserts the app's key unless it has one already (a racing first publish): then keeps it. */
  async insertOnce(row: AppKeyRow): Promise<AppKeyRow> {
    await this.db
      .insertInto('app_signing_keys')
      .values(row)
      .onConflict((oc) => oc.column('app_id').doNothing())
      .execute();
    return (await this.get(row.app_id))!;
  }

  /** Whether Paddock made this key: by its raw public key (base64) or the id it makes. */
  async holds(key: { publicKey?: string; packageId?: string }): Promise<boolean> {
    let q = this.db.selectFrom('app_signing_keys').select('app_id');
    if (key.publicKey !== undefined) q = q.where('public_key', '=', key.publicKey);
    else if (key.packageId !== undefined) q = q.where('package_id', '=', key.packageId);
    else return false;
    return (await q.executeTakeFirst()) !== undefined;
  }

  /** Records a version a publish used; never moves the counter back. */
  async versionUsed(appId: string, version: number): Promise<void> {
    await this.db
      .updateTable('app_signing_keys')
      .set({ last_version: version, updated_at: new Date().toISOString() })
      .where('app_id', '=', appId)
      .where('last_version', '<', version)
      .execute();
  }
}
