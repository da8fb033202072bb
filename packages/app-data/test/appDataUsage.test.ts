import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import {
  AppDataRows,
  AppFiles,
  AppKv,
  AppTable,
  FILE_ROW_BYTES,
  LocalFilestore,
  createAppDataTables,
  createAppDataUsage,
  type AppDataDatabase,
} from '../src/index.js';

const A = 'a'.repeat(52);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('app data usage counters', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-usage-'));
  const db = new Kysely<AppDataDatabase>({
    dialect: new SqliteDialect({ database: new SQLite(':memory:') }),
  });
  const quota = () => 1_000_000;
  const store = new LocalFilestore(path.join(dir, 'data'));
  const kv = new AppKv(db, quota);
  const table = new AppTable(db, quota);
  const files = new AppFiles(db, store, quota);
  const rows = new AppDataRows(db, store);

  before(async () => {
    await createAppDataTables(db as unknown as Kysely<unknown>);
    await createAppDataUsage(db as unknown as Kysely<unknown>);
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** What the rows hold, summed the slow way: the counters must always agree with it. */
  const summed = async () => {
    const one = async (q: string) =>
      Number((await sql<{ n: number }>`${sql.raw(q)}`.execute(db)).rows[0]?.n ?? 0);
    return {
      kv: await one(`select coalesce(sum(bytes), 0) as n from app_kv where app_id = '${A}'`),
      table: await one(
        `select coalesce(sum(bytes), 0) as n from app_table_rows where app_id = '${A}'`,
      ),
      files: await one(
        `select coalesce(sum(size + length(cast(path as blob)) + ${FILE_ROW_BYTES}), 0) as n from app_files where app_id = '${A}'`,
      ),
    };
  };
  const agree = async () => {
    const u = await rows.usage(A);
    const s = await summed();
    assert.deepEqual({ kv: u.kv_bytes, table: u.table_bytes, files: u.files_bytes }, s);
    return u;
  };

  it('keeps the counters equal to the rows through sets, overwrites, updates and deletes', async () => {
    await kv.set(A, { key: 'k', value: 'x'.repeat(10) });
    await kv.set(A, { key: 'k', value: 'x'.repeat(100) });
    await kv.set(A, { key: 'j', value: 1 });
    await kv.delete(A, { key: 'j' });
    const { id } = await table.insert(A, { table: 't', doc: { a: 1 } });
    await table.update(A, { table: 't', id, doc: { b: 'long'.repeat(20) } });
    await table.insert(A, { table: 't', doc: { c: 3 } });
    await table.delete(A, { table: 't', id });
    await files.write(A, { path: 'f.txt', content_base64: b64('hello') });
    await files.write(A, { path: 'f.txt', content_base64: b64('hello again') });
    const u = await agree();
    assert.ok(u.kv_bytes > 100 && u.table_bytes > 0 && u.files_bytes > 11);
  });

  it('charges an empty file for its name and its row, so empty files are not free', async () => {
    const before = (await rows.usage(A)).files_bytes;
    const name = `${Array.from({ length: 4 }, () => 'n'.repeat(200)).join('/')}.txt`;
    await files.write(A, { path: name, content_base64: '' });
    assert.equal((await rows.usage(A)).files_bytes - before, name.length + FILE_ROW_BYTES);
    await files.delete(A, { path: name });
    assert.equal((await rows.usage(A)).files_bytes, before);
    await agree();
  });

  it('follows a purge of the app to nothing', async () => {
    await rows.purge(A);
    const u = await agree();
    assert.equal(u.used_bytes, 0);
  });
});
