import type { AppFilesTable, AppKvTable, AppTableRowsTable, AppDataDb } from './schema.js';
import { scanFiles, type Filestore } from './filestore.js';
import { mimeOf } from './mime.js';
import { usageOf, type Usage } from './quota.js';

/** An app's rows as a data snapshot keeps them (JSON, next to the copy of its files). */
export interface AppRowsDump {
  kv: AppKvTable[];
  table: AppTableRowsTable[];
  files: AppFilesTable[];
}

/**
 * An app's data as a whole: a dump of its rows for a data snapshot, the restore of one (rows
 * replaced in one transaction), the purge, and its usage. The files' bytes are copied with the
 * app's data directory by whoever takes the snapshot; a restore re-indexes what is on disk
 * when the dump has no index for it.
 */
export class AppDataRows {
  constructor(
    private readonly db: AppDataDb,
    private readonly store: Filestore,
  ) {}

  async dump(appId: string): Promise<AppRowsDump> {
    return {
      kv: await this.db.selectFrom('app_kv').selectAll().where('app_id', '=', appId).execute(),
      table: await this.db
        .selectFrom('app_table_rows')
        .selectAll()
        .where('app_id', '=', appId)
        .execute(),
      files: await this.db
        .selectFrom('app_files')
        .selectAll()
        .where('app_id', '=', appId)
        .execute(),
    };
  }

  /**
   * Makes the app's rows those of `dump` (taken of this app), in one transaction. The file index
   * follows the files: those `staged` holds when given (a copy laid out as the app's filestore
   * root, put in place by `staged.commit`, which runs last in the transaction: a failure
   * before it changes nothing, and one in it rolls the rows back), else what the filestore
   * holds now. MIME types are the dump's where it knows the path. `staged.commit` gets the
   * transaction, for what must be recorded with the rows (a rollback's switch of version).
   */
  async restore(
    appId: string,
    dump: AppRowsDump,
    staged?: { root: string; commit(tx: AppDataDb): void | Promise<void> },
  ): Promise<void> {
    const known = new Map(dump.files.map((f) => [f.path, f.mime]));
    const onDisk = staged ? scanFiles(staged.root) : await this.store.scan(appId);
    await this.db.transaction().execute(async (tx) => {
      await this.purgeIn(tx, appId);
      for (const r of dump.kv)
        await tx
          .insertInto('app_kv')
          .values({ ...r, app_id: appId })
          .execute();
      for (const r of dump.table) {
        await tx
          .insertInto('app_table_rows')
          .values({ ...r, app_id: appId })
          .execute();
      }
      for (const f of onDisk) {
        const mime = known.get(f.path) ?? mimeOf(f.path) ?? 'application/octet-stream';
        await tx
          .insertInto('app_files')
          .values({ app_id: appId, ...f, mime })
          .execute();
      }
      await staged?.commit(tx);
    });
  }

  /** Every row of the app and every file: gone (a purge). */
  async purge(appId: string): Promise<void> {
    await this.db.transaction().execute((tx) => this.purgeIn(tx, appId));
    await this.store.removeApp(appId);
  }

  /**
   * After a crash, at start: staged bytes go, and each app's file index is made to match its
   * files on disk. A write commits its bytes (one rename) inside the transaction that records
   * them, and a delete removes the file inside the one that drops the row: a kill between the
   * two leaves them apart. The disk wins (the rename cannot be undone): a file with no row is
   * indexed, a row with no file goes, a size that differs is the file's; the usage triggers
   * follow in the same transaction. The paths it changed, as `<app id>/<path>`.
   */
  async recoverFiles(): Promise<string[]> {
    const indexed = await this.db.selectFrom('app_files').select('app_id').distinct().execute();
    const apps = new Set([...(await this.store.recover()), ...indexed.map((r) => r.app_id)]);
    const changed: string[] = [];
    for (const appId of apps) {
      const onDisk = new Map((await this.store.scan(appId)).map((f) => [f.path, f]));
      await this.db.transaction().execute(async (tx) => {
        const rows = await tx
          .selectFrom('app_files')
          .select(['path', 'size'])
          .where('app_id', '=', appId)
          .execute();
        const sizes = new Map(rows.map((r) => [r.path, r.size]));
        for (const r of rows.filter((r) => !onDisk.has(r.path))) {
          await tx
            .deleteFrom('app_files')
            .where('app_id', '=', appId)
            .where('path', '=', r.path)
            .execute();
          changed.push(`${appId}/${r.path}`);
        }
        for (const f of onDisk.values()) {
          if (sizes.get(f.path) === f.size) continue;
          const mime = mimeOf(f.path) ?? 'application/octet-stream';
          await tx
            .insertInto('app_files')
            .values({ app_id: appId, ...f, mime })
            .onConflict((oc) =>
              oc
                .columns(['app_id', 'path'])
                .doUpdateSet({ size: f.size, modified_at: f.modified_at }),
            )
            .execute();
          changed.push(`${appId}/${f.path}`);
        }
      });
    }
    return changed;
  }

  usage(appId: string): Promise<Usage> {
    return usageOf(this.db, appId);
  }

  private async purgeIn(tx: AppDataDb, appId: string): Promise<void> {
    await tx.deleteFrom('app_kv').where('app_id', '=', appId).execute();
    await tx.deleteFrom('app_table_rows').where('app_id', '=', appId).execute();
    await tx.deleteFrom('app_files').where('app_id', '=', appId).execute();
  }
}
