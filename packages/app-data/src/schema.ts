import { sql, type Kysely } from 'kysely';

/** One key of one app: its JSON value and what it counts against the quota. */
export interface AppKvTable {
  app_id: string;
  key: string;
  value_json: string;
  bytes: number;
  updated_at: string;
}

/** One document of one app's table. */
export interface AppTableRowsTable {
  app_id: string;
  table_name: string;
  id: string;
  doc_json: string;
  bytes: number;
  created_at: string;
  updated_at: string;
}

/** One file of one app's filestore: the index (its bytes are in the `Filestore`). */
export interface AppFilesTable {
  app_id: string;
  path: string;
  size: number;
  mime: string;
  modified_at: string;
}

/**
 * What each app's data counts against its quota, kept by triggers on the three tables in the
 * same transaction as every write (so a quota check reads one row, not a sum over the app's).
 */
export interface AppDataUsageTable {
  app_id: string;
  kv_bytes: number;
  table_bytes: number;
  files_bytes: number;
}

/** The tables this package reads and writes; the daemon's `Database` includes them. */
export interface AppDataDatabase {
  app_kv: AppKvTable;
  app_table_rows: AppTableRowsTable;
  app_files: AppFilesTable;
  app_data_usage: AppDataUsageTable;
}

/**
 * What a file counts against the quota: its bytes, its path and a fixed share for its index row,
 * so empty files with long names are not free. The usage triggers compute the same in SQL.
 */
export const FILE_ROW_BYTES = 256;
export function fileCharge(path: string, size: number): number {
  return size + Buffer.byteLength(path) + FILE_ROW_BYTES;
}

export type AppDataDb = Kysely<AppDataDatabase>;

/** Creates the tables (the daemon's migration calls this once). Portable column types only. */
export async function createAppDataTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('app_kv')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value_json', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_kv_pk', ['app_id', 'key'])
    .execute();
  await db.schema
    .createTable('app_table_rows')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('table_name', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('doc_json', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_table_rows_pk', ['app_id', 'table_name', 'id'])
    .execute();
  await db.schema
    .createTable('app_files')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('modified_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_files_pk', ['app_id', 'path'])
    .execute();
}

/**
 * The usage counters and the triggers that keep them (SQLite's syntax; PostgreSQL, later, gets
 * its own), filled from what the tables hold. The daemon's migration calls this once. No
 * `OR IGNORE` in a trigger: an upsert that fires it imposes its own conflict policy.
 */
export async function createAppDataUsage(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('app_data_usage')
    .addColumn('app_id', 'text', (c) => c.primaryKey())
    .addColumn('kv_bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('table_bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('files_bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  const charge = {
    app_kv: ['kv_bytes', (row: string) => `${row}.bytes`],
    app_table_rows: ['table_bytes', (row: string) => `${row}.bytes`],
    app_files: [
      'files_bytes',
      (row: string) => `(${row}.size + length(CAST(${row}.path AS BLOB)) + ${FILE_ROW_BYTES})`,
    ],
  } as const;
  for (const [table, [column, of]] of Object.entries(charge)) {
    const add = (row: string, sign: '+' | '-') =>
      `INSERT INTO app_data_usage (app_id) SELECT ${row}.app_id
         WHERE NOT EXISTS (SELECT 1 FROM app_data_usage WHERE app_id = ${row}.app_id);
       UPDATE app_data_usage SET ${column} = ${column} ${sign} ${of(row)} WHERE app_id = ${row}.app_id;`;
    await sql
      .raw(
        `CREATE TRIGGER ${table}_usage_insert AFTER INSERT ON ${table} BEGIN ${add('NEW', '+')} END`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${table}_usage_delete AFTER DELETE ON ${table} BEGIN ${add('OLD', '-')} END`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${table}_usage_update AFTER UPDATE ON ${table} BEGIN ${add('OLD', '-')} ${add('NEW', '+')} END`,
      )
      .execute(db);
    await sql
      .raw(
        `INSERT INTO app_data_usage (app_id) SELECT DISTINCT app_id FROM ${table} WHERE true
         ON CONFLICT (app_id) DO NOTHING`,
      )
      .execute(db);
    await sql
      .raw(
        `UPDATE app_data_usage SET ${column} = (SELECT coalesce(sum(${of(table)}), 0) FROM ${table} WHERE ${table}.app_id = app_data_usage.app_id)`,
      )
      .execute(db);
  }
}
