import { sql } from 'kysely';
import { BROKER_LIMITS, PaddockError, type BrokerParams, type BrokerResult } from '@paddock/shared';
import { afterOf, decodeCursor, encodeCursor, prefixLength } from './cursor.js';
import type { Filestore } from './filestore.js';
import { segmentsOf } from './filestore.js';
import { mimeOf } from './mime.js';
import { checkQuota, type QuotaOf } from './quota.js';
import { fileCharge, type AppDataDb } from './schema.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * An app's files: the index (path, size, MIME type) in the store, the bytes in a `Filestore`.
 * A write stages the bytes, then in one transaction checks the quota, records the file and
 * commits the bytes (one rename), so a refused or failed write leaves the old file as it was.
 */
export class AppFiles {
  constructor(
    private readonly db: AppDataDb,
    readonly store: Filestore,
    private readonly quotaOf: QuotaOf,
  ) {}

  async write(
    appId: string,
    p: BrokerParams<'app.files.write'>,
  ): Promise<BrokerResult<'app.files.write'>> {
    segmentsOf(p.path);
    const mime = mimeOf(p.path, p.mime);
    if (mime === null) throw new PaddockError('bad_request', 'mime is not a type/subtype');
    if (!BASE64.test(p.content_base64)) {
      throw new PaddockError('bad_request', 'content_base64 is not base64');
    }
    const bytes = Buffer.from(p.content_base64, 'base64');
    if (bytes.length > BROKER_LIMITS.fileBytes) {
      throw new PaddockError(
        'payload_too_large',
        `a file written in one call holds at most ${BROKER_LIMITS.fileBytes} bytes`,
      );
    }
    const staged = await this.store.stage(appId, p.path, bytes);
    const modified_at = new Date().toISOString();
    try {
      await this.db.transaction().execute(async (tx) => {
        const old = await tx
          .selectFrom('app_files')
          .select('size')
          .where('app_id', '=', appId)
          .where('path', '=', p.path)
          .executeTakeFirst();
        await checkQuota(
          tx,
          appId,
          this.quotaOf(appId),
          fileCharge(p.path, bytes.length),
          old ? fileCharge(p.path, old.size) : 0,
        );
        const row = { app_id: appId, path: p.path, size: bytes.length, mime, modified_at };
        await tx
          .insertInto('app_files')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['app_id', 'path']).doUpdateSet({ size: row.size, mime, modified_at }),
          )
          .execute();
        await staged.commit();
      });
    } catch (err) {
      await staged.discard();
      throw err;
    }
    return { path: p.path, size: bytes.length, mime, modified_at };
  }

  async read(
    appId: string,
    p: BrokerParams<'app.files.read'>,
  ): Promise<BrokerResult<'app.files.read'>> {
    segmentsOf(p.path);
    const row = await this.db
      .selectFrom('app_files')
      .select(['mime'])
      .where('app_id', '=', appId)
      .where('path', '=', p.path)
      .executeTakeFirst();
    const bytes = row ? await this.store.read(appId, p.path) : null;
    if (!row || bytes === null) throw new PaddockError('file_not_found', `no file ${p.path}`);
    return { content_base64: bytes.toString('base64'), mime: row.mime, size: bytes.length };
  }

  /** Files in path order, from `prefix`, a page at a time (keyset: the cursor is the last path). */
  async list(
    appId: string,
    p: BrokerParams<'app.files.list'>,
  ): Promise<BrokerResult<'app.files.list'>> {
    const limit = p.limit ?? BROKER_LIMITS.pageSize;
    const after = afterOf(decodeCursor(p.cursor));
    let q = this.db
      .selectFrom('app_files')
      .select(['path', 'size', 'mime', 'modified_at'])
      .where('app_id', '=', appId)
      .orderBy('path')
      .limit(limit + 1);
    if (p.prefix) {
      const prefix = p.prefix;
      q = q
        .where('path', '>=', prefix)
        .where(sql<string>`substr(path, 1, ${prefixLength(prefix)})`, '=', prefix);
    }
    if (after !== null) q = q.where('path', '>', after);
    const rows = await q.execute();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: rows.length > limit && last ? encodeCursor({ after: last.path }) : null,
    };
  }

  async delete(
    appId: string,
    p: BrokerParams<'app.files.delete'>,
  ): Promise<BrokerResult<'app.files.delete'>> {
    segmentsOf(p.path);
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .deleteFrom('app_files')
        .where('app_id', '=', appId)
        .where('path', '=', p.path)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return { deleted: false };
      await this.store.remove(appId, p.path);
      return { deleted: true };
    });
  }
}
