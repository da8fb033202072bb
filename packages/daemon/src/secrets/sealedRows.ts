import type { Db } from '../store/database.js';
import {
  appKeyPlace,
  instancePlace,
  sealPlace,
  type SealedValue,
  type SealedValues,
} from './secretsService.js';

/**
 * Every value the store keeps sealed with the master key, wherever it is: sensitive app
 * config values, build apps' signing keys and the install's own (the model API key). A rotation reseals all of them in one
 * transaction, so no value is ever left under a key that is gone.
 */
export class SealedRows implements SealedValues {
  constructor(private readonly db: Db) {}

  async sealedRows(): Promise<SealedValue[]> {
    const [config, keys, instance] = await Promise.all([
      this.configRows(this.db),
      this.keyRows(this.db),
      this.instanceRows(this.db),
    ]);
    return [...config, ...keys, ...instance].map(({ place, sealed }) => ({ place, sealed }));
  }

  async resealAll(rows: SealedValue[]): Promise<void> {
    const byPlace = new Map(rows.map((r) => [r.place, r.sealed]));
    await this.db.transaction().execute(async (tx) => {
      for (const row of await this.configRows(tx)) {
        const sealed = byPlace.get(row.place);
        if (sealed === undefined) continue;
        await tx
          .updateTable('app_config')
          .set({ sealed })
          .where('app_id', '=', row.app_id)
          .where('key', '=', row.key)
          .execute();
      }
      for (const row of await this.keyRows(tx)) {
        const sealed = byPlace.get(row.place);
        if (sealed === undefined) continue;
        await tx
          .updateTable('app_signing_keys')
          .set({ sealed_private_key: sealed })
          .where('app_id', '=', row.app_id)
          .execute();
      }
      for (const row of await this.instanceRows(tx)) {
        const sealed = byPlace.get(row.place);
        if (sealed === undefined) continue;
        await tx
          .updateTable('instance_secrets')
          .set({ sealed })
          .where('name', '=', row.name)
          .execute();
      }
    });
  }

  private async instanceRows(db: Db) {
    const rows = await db.selectFrom('instance_secrets').select(['name', 'sealed']).execute();
    return rows.map((r) => ({ ...r, place: instancePlace(r.name) }));
  }

  private async configRows(db: Db) {
    const rows = await db
      .selectFrom('app_config')
      .select(['app_id', 'key', 'sealed'])
      .where('sealed', 'is not', null)
      .execute();
    return rows.map((r) => ({ ...r, sealed: r.sealed!, place: sealPlace(r.app_id, r.key) }));
  }

  private async keyRows(db: Db) {
    const rows = await db
      .selectFrom('app_signing_keys')
      .select(['app_id', 'sealed_private_key'])
      .execute();
    return rows.map((r) => ({
      app_id: r.app_id,
      sealed: r.sealed_private_key,
      place: appKeyPlace(r.app_id),
    }));
  }
}
