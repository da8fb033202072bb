import type { AuditLog } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import type { RouteInstaller } from '../http/routes.js';
import type { Db } from '../store/database.js';
import { settingsRoutes } from './settingsRoutes.js';
import { SettingsStore } from './settingsStore.js';

export type { SettingsStore } from './settingsStore.js';

/** Run-time settings (idle stop, retention, limits on egress and snapshots), read on every use. */
export async function createSettings(d: { db: Db; events: EventLog; audit: AuditLog }) {
  const store = new SettingsStore(d.db);
  await store.load();
  const routes: RouteInstaller = async (app) => {
    await app.register(settingsRoutes, { settings: store, events: d.events, audit: d.audit });
  };
  return { store, routes };
}
