import { sql } from 'kysely';
import { BROKER_LIMITS, failpoint, type BrokerParams, type BrokerResult } from '@paddock/shared';
import { afterOf, decodeCursor, encodeCursor, prefixLength } from './cursor.js';
import { checkQuota, jsonOf, type QuotaOf } from './quota.js';
import type { AppDataDb } from './schema.js';

/** An app's keys and JSON values, apart from every other app's (every query names the app). */
export class AppKv {
  constructor(
    private readonly db: AppDataDb,
    private readonly quotaOf: QuotaOf,
  ) {}

  async get(appId: string, p: BrokerParams<'app.kv.get'>): Promise<BrokerResult<'app.kv.get'>> {
    const row = await this.db
      .selectFrom('app_kv')
      .select('value_json')
      .where('app_id', '=', appId)
      .where('key', '=', p.key)
      .executeTakeFirst();
    return row ? { found: true, value: JSON.parse(row.value_json) } : { found: false, value: null };
  }

  async set(appId: string, p: BrokerParams<'app.kv.set'>): Promise<BrokerResult<'app.kv.set'>> {
    const value_json = jsonOf(p.value, BROKER_LIMITS.valueBytes, 'the value');
    const bytes = Buffer.byteLength(p.key) + Buffer.byteLength(value_json);
    const updated_at = new Date().toISOString();
    await this.db.transaction().execute(async (tx) => {
      const old = await tx
        .selectFrom('app_kv')
        .select('bytes')
        .where('app_id', '=', appId)
        .where('key', '=', p.key)
        .executeTakeFirst();
      await checkQuota(tx, appId, this.quotaOf(appId), bytes, old?.bytes ?? 0);
      await tx
        .insertInto('app_kv')
        .values({ app_id: appId, key: p.key, value_json, bytes, updated_at })
        .onConflict((oc) =>
          oc.columns(['app_id', 'key']).doUpdateSet({ value_json, bytes, updated_at }),
        )
        .execute();
      failpoint('broker.kv.set.written'); // the usage trigger ran; nothing committed yet
    });
    return {};
  }

  async delete(
    appId: string,
    p: BrokerParams<'app.kv.delete'>,
  ): Promise<BrokerResult<'app.kv.delete'>> {
    const r = await this.db
      .deleteFrom('app_kv')
      .where('app_id', '=', appId)
      .where('key', '=', p.key)
      .executeTakeFirst();
    return { deleted: Number(r.numDeletedRows) > 0 };
  }

  /** Keys in order, from `prefix`, a page at a time (keyset: the cursor is the last key). */
  async list(appId: string, p: BrokerParams<'app.kv.list'>): Promise<BrokerResult<'app.kv.list'>> {
    const limit = p.limit ?? BROKER_LIMITS.pageSize;
    const after = afterOf(decodeCursor(p.cursor));
    let q = this.db
      .selectFrom('app_kv')
      .select(['key', 'value_json'])
      .where('app_id', '=', appId)
      .orderBy('key')
      .limit(limit + 1);
    if (p.prefix) {
      const prefix = p.prefix;
      q = q
        .where('key', '>=', prefix)
        .where(sql<string>`substr(key, 1, ${prefixLength(prefix)})`, '=', prefix);
    }
    if (after !== null) q = q.where('key', '>', after);
    const rows = await q.execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ key: r.key, value: JSON.parse(r.value_json) })),
      next_cursor: rows.length > limit && last ? encodeCursor({ after: last.key }) : null,
    };
  }
}
