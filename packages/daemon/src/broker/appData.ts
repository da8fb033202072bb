import path from 'node:path';
import {
  AppDataGate,
  AppDataRows,
  AppFiles,
  AppKv,
  AppTable,
  LocalFilestore,
  type AppDataDb,
} from '@paddock/app-data';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { Db } from '../store/database.js';

/**
 * Each userspace app's data (`@paddock/app-data`) over the main store and a local filestore.
 * The filestore's root per app is `<data dir>/userspace/data/<id>/files/`: inside the app's
 * data directory, which the data snapshots copy, the trash keeps and a purge removes. The
 * gate: the broker's data calls hold it shared, the userspace module exclusively to copy an
 * app's data, put it back or switch its version (ADR 0024).
 */
export function createAppData(d: { db: Db; dataDir: string; settings: SettingsStore }) {
  // The main store holds these tables too (Database extends AppDataDatabase).
  const db: AppDataDb = d.db as unknown as AppDataDb;
  const quotaOf = () => d.settings.get().userspace_data_quota_bytes;
  const filestore = new LocalFilestore(path.join(d.dataDir, 'userspace', 'data'));
  return {
    kv: new AppKv(db, quotaOf),
    table: new AppTable(db, quotaOf),
    files: new AppFiles(db, filestore, quotaOf),
    rows: new AppDataRows(db, filestore),
    gate: new AppDataGate(),
    filestore,
    quotaOf,
  };
}

export type AppData = ReturnType<typeof createAppData>;
