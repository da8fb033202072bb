import { monotonicFactory } from 'ulid';
import { BROKER_LIMITS, PaddockError, type BrokerParams, type BrokerResult } from '@paddock/shared';
import { afterOf, decodeCursor, encodeCursor } from './cursor.js';
import { checkQuota, jsonOf, type QuotaOf } from './quota.js';
import type { AppDataDb } from './schema.js';
import { conditionOf, fieldOf, mergePatch } from './tableFilters.js';

const bytesOf = (table: string, id: string, docJson: string): number =>
  Buffer.byteLength(table) + id.length + Buffer.byteLength(docJson);

/**
 * An app's tables of JSON documents, apart from every other app's. A query filters with
 * `json_extract` and bound values; unordered pages are keyset (by id, which is time-ordered),
 * ordered ones are offset pages.
 */
export class AppTable {
  private readonly nextId = monotonicFactory();

  constructor(
    private readonly db: AppDataDb,
    private readonly quotaOf: QuotaOf,
  ) {}

  async insert(
    appId: string,
    p: BrokerParams<'app.table.insert'>,
  ): Promise<BrokerResult<'app.table.insert'>> {
    const doc_json = jsonOf(p.doc, BROKER_LIMITS.valueBytes, 'the document');
    const id = this.nextId().toLowerCase();
    const now = new Date().toISOString();
    const bytes = bytesOf(p.table, id, doc_json);
    await this.db.transaction().execute(async (tx) => {
      await checkQuota(tx, appId, this.quotaOf(appId), bytes, 0);
      await tx
        .insertInto('app_table_rows')
        .values({
          ...{ app_id: appId, table_name: p.table, id, doc_json, bytes },
          ...{ created_at: now, updated_at: now },
        })
        .execute();
    });
    return { id };
  }

  async get(
    appId: string,
    p: BrokerParams<'app.table.get'>,
  ): Promise<BrokerResult<'app.table.get'>> {
    const row = await this.db
      .selectFrom('app_table_rows')
      .select('doc_json')
      .where('app_id', '=', appId)
      .where('table_name', '=', p.table)
      .where('id', '=', p.id)
      .executeTakeFirst();
    return row ? { found: true, doc: JSON.parse(row.doc_json) } : { found: false, doc: null };
  }

  async query(
    appId: string,
    p: BrokerParams<'app.table.query'>,
  ): Promise<BrokerResult<'app.table.query'>> {
    const limit = p.limit ?? BROKER_LIMITS.pageSize;
    const cursor = decodeCursor(p.cursor);
    let q = this.db
      .selectFrom('app_table_rows')
      .select(['id', 'doc_json'])
      .where('app_id', '=', appId)
      .where('table_name', '=', p.table);
    for (const f of p.where ?? []) q = q.where(conditionOf(f));
    if (p.order_by) {
      if (cursor !== null && !('offset' in cursor)) {
        throw new PaddockError('bad_request', 'the cursor is not one this query gave');
      }
      const offset = cursor?.offset ?? 0;
      const dir = p.order_by.direction ?? 'asc';
      const rows = await q
        .orderBy(fieldOf(p.order_by.field), dir)
        .orderBy('id', dir)
        .limit(limit + 1)
        .offset(offset)
        .execute();
      return page(rows, limit, () => encodeCursor({ offset: offset + limit }));
    }
    const after = afterOf(cursor);
    if (after !== null) q = q.where('id', '>', after);
    const rows = await q
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    return page(rows, limit, (last) => encodeCursor({ after: last }));
  }

  /** Merges `doc` into the document (RFC 7396: null removes a field). */
  async update(
    appId: string,
    p: BrokerParams<'app.table.update'>,
  ): Promise<BrokerResult<'app.table.update'>> {
    return this.db.transaction().execute(async (tx) => {
      const where = tx
        .selectFrom('app_table_rows')
        .select(['doc_json', 'bytes'])
        .where('app_id', '=', appId)
        .where('table_name', '=', p.table)
        .where('id', '=', p.id);
      const old = await where.executeTakeFirst();
      if (!old) return { updated: false };
      const merged = mergePatch(JSON.parse(old.doc_json), p.doc);
      const doc_json = jsonOf(merged, BROKER_LIMITS.valueBytes, 'the document');
      const bytes = bytesOf(p.table, p.id, doc_json);
      await checkQuota(tx, appId, this.quotaOf(appId), bytes, old.bytes);
      await tx
        .updateTable('app_table_rows')
        .set({ doc_json, bytes, updated_at: new Date().toISOString() })
        .where('app_id', '=', appId)
        .where('table_name', '=', p.table)
        .where('id', '=', p.id)
        .execute();
      return { updated: true };
    });
  }

  async delete(
    appId: string,
    p: BrokerParams<'app.table.delete'>,
  ): Promise<BrokerResult<'app.table.delete'>> {
    const r = await this.db
      .deleteFrom('app_table_rows')
      .where('app_id', '=', appId)
      .where('table_name', '=', p.table)
      .where('id', '=', p.id)
      .executeTakeFirst();
    return { deleted: Number(r.numDeletedRows) > 0 };
  }
}

function page(
  rows: { id: string; doc_json: string }[],
  limit: number,
  next: (lastId: string) => string,
): BrokerResult<'app.table.query'> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map((r) => ({ id: r.id, doc: JSON.parse(r.doc_json) })),
    next_cursor: rows.length > limit && last ? next(last.id) : null,
  };
}
