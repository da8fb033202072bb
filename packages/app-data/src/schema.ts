import type { Kysely } from 'kysely';

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

/** The tables this package reads and writes; the daemon's `Database` includes them. */
export interface AppDataDatabase {
  app_kv: AppKvTable;
  app_table_rows: AppTableRowsTable;
  app_files: AppFilesTable;
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
