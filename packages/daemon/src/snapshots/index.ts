import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { ContentStore } from '@paddock/snapshots';
import type { SandboxDriver } from '@paddock/shared';
import type { EventLog } from '../events/eventLog.js';
import type { OwnerQuotas } from '../quotas/index.js';
import type { RouteInstaller } from '../http/routes.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import { SandboxStore } from '../sandboxes/sandboxStore.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { Db } from '../store/database.js';
import type { SnapshotHistory } from './snapshotHistory.js';
import { snapshotRoutes } from './snapshotRoutes.js';
import { SnapshotService } from './snapshotService.js';
import { SnapshotStore } from './snapshotStore.js';

export type { SnapshotHistory } from './snapshotHistory.js';
export type { SnapshotService } from './snapshotService.js';
export { snapshotView } from './snapshotStore.js';

/** Snapshots: capture, restore, fork, export and import over the shared content store. */
export async function createSnapshots(d: {
  db: Db;
  dataDir: string;
  driver: SandboxDriver;
  sandboxes: SandboxService;
  events: EventLog;
  settings: SettingsStore;
  quotas: OwnerQuotas;
  history: SnapshotHistory;
  maxBytes: number;
  log: FastifyBaseLogger;
}) {
  const service = new SnapshotService({
    ...d,
    rows: new SnapshotStore(d.db),
    sandboxRows: new SandboxStore(d.db),
    content: new ContentStore(path.join(d.dataDir, 'snapshots')),
    log: d.log.child({ component: 'snapshots' }),
    storageLimitBytes: (owner) => d.quotas.limitFor(owner, 'snapshot_storage_mb') * 1024 * 1024,
  });
  await service.reconcile();
  const routes: RouteInstaller = async (app) => {
    await app.register(snapshotRoutes, { snapshots: service });
  };
  return { service, routes };
}
