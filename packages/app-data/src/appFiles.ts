import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import {
  BROKER_LIMITS,
  PaddockError,
  failpoint,
  type BrokerParams,
  type BrokerResult,
  type QuotaExceededDetails,
  type StoredFile,
} from '@paddock/shared';
import { afterOf, decodeCursor, encodeCursor, prefixLength } from './cursor.js';
import type { Filestore, OpenedFile, StagedFile } from './filestore.js';
import { segmentsOf, TooLarge } from './filestore.js';
import { mimeOf } from './mime.js';
import { checkQuota, usageOf, type QuotaOf } from './quota.js';
import { fileCharge, type AppDataDb } from './schema.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function mimeOrRefuse(filePath: string, declared: string | undefined): string {
  const mime = mimeOf(filePath, declared);
  if (mime === null) throw new PaddockError('bad_request', 'mime is not a type/subtype');
  return mime;
}

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
    const mime = mimeOrRefuse(p.path, p.mime);
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
    failpoint('broker.files.write.staged');
    return this.record(appId, p.path, mime, staged);
  }

  /**
   * A file written from a stream, never held whole: bytes go aside as they come and stop as
   * soon as they could not fit the app's quota (with what the old file frees), then the same
   * commit as `write`.
   */
  async writeStream(
    appId: string,
    p: { path: string; mime?: string | undefined },
    source: Readable,
    /** Wraps the commit alone (the daemon's data gate): a slow upload holds nothing. */
    commitUnder: <T>(commit: () => Promise<T>) => Promise<T> = (commit) => commit(),
  ): Promise<StoredFile> {
    segmentsOf(p.path);
    const mime = mimeOrRefuse(p.path, p.mime);
    const quota = this.quotaOf(appId);
    const old = await this.sizeOf(this.db, appId, p.path);
    const { used_bytes } = await usageOf(this.db, appId);
    const freed = old === null ? 0 : fileCharge(p.path, old);
    const room = Math.max(0, quota - used_bytes + freed - fileCharge(p.path, 0));
    let staged: StagedFile;
    try {
      staged = await this.store.stage(appId, p.path, source, room);
    } catch (err) {
      if (!(err instanceof TooLarge)) throw err;
      const details: QuotaExceededDetails = {
        quota_bytes: quota,
        used_bytes,
        needed_bytes: fileCharge(p.path, room + 1) - freed,
      };
      throw new PaddockError(
        'quota_exceeded',
        `the file would take the app's data past its ${quota} bytes; nothing was written`,
        details,
      );
    }
    try {
      return await commitUnder(() => this.record(appId, p.path, mime, staged));
    } catch (err) {
      await staged.discard();
      throw err;
    }
  }

  /** The file opened for streaming with what its index row says, or `file_not_found`. */
  async open(appId: string, filePath: string): Promise<{ mime: string; file: OpenedFile }> {
    segmentsOf(filePath);
    const row = await this.db
      .selectFrom('app_files')
      .select(['mime'])
      .where('app_id', '=', appId)
      .where('path', '=', filePath)
      .executeTakeFirst();
    const file = row ? await this.store.open(appId, filePath) : null;
    if (!row || file === null) throw new PaddockError('file_not_found', `no file ${filePath}`);
    return { mime: row.mime, file };
  }

  /**
   * In one transaction: checks the quota, records the file and commits its staged bytes (one
   * rename), so a refused or failed write leaves the old file as it was.
   */
  private async record(
    appId: string,
    filePath: string,
    mime: string,
    staged: StagedFile,
  ): Promise<StoredFile> {
    const { size } = staged;
    const modified_at = new Date().toISOString();
    try {
      await this.db.transaction().execute(async (tx) => {
        const old = await this.sizeOf(tx, appId, filePath);
        await checkQuota(
          tx,
          appId,
          this.quotaOf(appId),
          fileCharge(filePath, size),
          old === null ? 0 : fileCharge(filePath, old),
        );
        const row = { app_id: appId, path: filePath, size, mime, modified_at };
        await tx
          .insertInto('app_files')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['app_id', 'path']).doUpdateSet({ size, mime, modified_at }),
          )
          .execute();
        await staged.commit();
        failpoint('broker.files.write.renamed'); // the bytes in place, the row not committed
      });
    } catch (err) {
      await staged.discard();
      throw err;
    }
    return { path: filePath, size, mime, modified_at };
  }

  private async sizeOf(db: AppDataDb, appId: string, filePath: string): Promise<number | null> {
    const row = await db
      .selectFrom('app_files')
      .select('size')
      .where('app_id', '=', appId)
      .where('path', '=', filePath)
      .executeTakeFirst();
    return row?.size ?? null;
  }

  async read(
    appId: string,
    p: BrokerParams<'app.files.read'>,
  ): Promise<BrokerResult<'app.files.read'>> {
    segmentsOf(p.path);
    const row = await this.db
      .selectFrom('app_files')
      .select(['mime', 'size'])
      .where('app_id', '=', appId)
      .where('path', '=', p.path)
      .executeTakeFirst();
    if (row && row.size > BROKER_LIMITS.fileBytes) {
      throw new PaddockError(
        'payload_too_large',
        `${p.path} holds more than the ${BROKER_LIMITS.fileBytes} bytes one call carries: read it streamed (files.download)`,
      );
    }
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
      failpoint('broker.files.delete.removed');
      return { deleted: true };
    });
  }
}
