import { PaddockError, type AppDataUsage, type QuotaExceededDetails } from '@paddock/shared';
import type { AppDataDb } from './schema.js';

export type Usage = Omit<AppDataUsage, 'app_id' | 'quota_bytes'>;

/** The app's byte budget, read at each write (a setting the admin may change at run time). */
export type QuotaOf = (appId: string) => number;

/** What an app's data counts against its quota now (in a transaction when given one). */
export async function usageOf(db: AppDataDb, appId: string): Promise<Usage> {
  const row = await db
    .selectFrom('app_data_usage')
    .select(['kv_bytes', 'table_bytes', 'files_bytes'])
    .where('app_id', '=', appId)
    .executeTakeFirst();
  const kv_bytes = row?.kv_bytes ?? 0;
  const table_bytes = row?.table_bytes ?? 0;
  const files_bytes = row?.files_bytes ?? 0;
  return { kv_bytes, table_bytes, files_bytes, used_bytes: kv_bytes + table_bytes + files_bytes };
}

/**
 * Inside the write's transaction: refuses with `quota_exceeded` when replacing `freed` bytes
 * with `needed` would take the app past its quota. A write that shrinks the data always passes.
 */
export async function checkQuota(
  tx: AppDataDb,
  appId: string,
  quota: number,
  needed: number,
  freed: number,
): Promise<void> {
  if (needed <= freed) return;
  const { used_bytes } = await usageOf(tx, appId);
  if (used_bytes - freed + needed <= quota) return;
  const details: QuotaExceededDetails = {
    quota_bytes: quota,
    used_bytes,
    needed_bytes: needed - freed,
  };
  throw new PaddockError(
    'quota_exceeded',
    `the app's data would take more than its ${quota} bytes; nothing was written`,
    details,
  );
}

/** JSON text of a value, refused past `max` bytes (a value that is not JSON is refused too). */
export function jsonOf(value: unknown, max: number, what: string): string {
  const text = JSON.stringify(value === undefined ? null : value);
  if (Buffer.byteLength(text) > max) {
    throw new PaddockError('payload_too_large', `${what} is larger than ${max} bytes as JSON`);
  }
  return text;
}
