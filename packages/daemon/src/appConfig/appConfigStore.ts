import type { ConfigEntry, InjectRule } from '@paddock/shared';
import type { Db } from '../store/database.js';
import type { AppConfigTable } from '../store/schema.js';
import { found } from '../store/found.js';

export type ConfigRow = AppConfigTable;

/** What the API shows: a sensitive value is never returned, only that it is set. */
export function configView(row: ConfigRow): ConfigEntry {
  return {
    key: row.key,
    sensitive: row.sensitive === 1,
    ...(row.sensitive === 1 ? {} : { value: row.value ?? '' }),
    value_set: row.sensitive === 1 ? row.sealed !== null : row.value !== null,
    access_policy: row.access_policy,
    inject: row.inject_json === null ? null : (JSON.parse(row.inject_json) as InjectRule),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** App config rows; callers check the app's owner first. */
export class AppConfigStore {
  constructor(private readonly db: Db) {}

  list(appId: string): Promise<ConfigRow[]> {
    return this.db
      .selectFrom('app_config')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('key')
      .execute();
  }

  get(appId: string, key: string): Promise<ConfigRow | undefined> {
    return this.db
      .selectFrom('app_config')
      .selectAll()
      .where('app_id', '=', appId)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  async insert(row: ConfigRow): Promise<void> {
    await this.db.insertInto('app_config').values(row).execute();
  }

  async update(
    appId: string,
    key: string,
    patch: Partial<Pick<ConfigRow, 'value' | 'sealed' | 'access_policy' | 'inject_json'>>,
  ): Promise<ConfigRow> {
    const row = await this.db
      .updateTable('app_config')
      .set({ ...patch, updated_at: new Date().toISOString() })
      .where('app_id', '=', appId)
      .where('key', '=', key)
      .returningAll()
      .executeTakeFirst();
    return found(row, `config key ${key} of app ${appId}`);
  }

  async remove(appId: string, key: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('app_config')
      .where('app_id', '=', appId)
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
