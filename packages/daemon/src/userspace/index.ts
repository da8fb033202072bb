import path from 'node:path';
import type { Logger } from 'pino';
import type { AppDataGate, AppDataRows } from '@paddock/app-data';
import type { DownloadOptions } from '@paddock/app-package';
import { KeyedQueue, type SandboxDriver } from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import type { RouteInstaller } from '../http/routes.js';
import type { PresetMounts } from '../presets/presetMounts.js';
import type { RuntimeService } from '../processes/runtimeService.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { Db } from '../store/database.js';
import { HealthGate } from './healthGate.js';
import { UserspaceJournal } from './userspaceJournal.js';
import { ServiceEgress } from './serviceEgress.js';
import { ServiceHost } from './serviceHost.js';
import { UserspaceFiles } from './userspaceFiles.js';
import { UserspaceInstaller } from './userspaceInstaller.js';
import { userspaceRoutes } from './userspaceRoutes.js';
import { UserspaceService } from './userspaceService.js';
import { UserspaceStore } from './userspaceStore.js';

export type { InstallOptions, Installed } from './userspaceInstaller.js';
export type { Caller } from './userspaceJournal.js';
export { callerOf } from './userspaceRoutes.js';

const SWEEP_MS = 3600_000;

/**
 * Userspace apps: signed packages (`@paddock/app-package`) installed under
 * `<data dir>/userspace`, their rows, the install and update pipeline, service apps' sandboxes
 * and the trash. What a crash left half-done is removed here, before anything installs.
 */
export async function createUserspace(d: {
  db: Db;
  dataDir: string;
  sandboxes: SandboxService;
  driver: SandboxDriver;
  runtime: RuntimeService;
  presets: PresetMounts;
  settings: SettingsStore;
  events: EventLog;
  audit: AuditLog;
  download: DownloadOptions;
  /** Each app's kv, table and file rows: in its data snapshots, gone with a purge. */
  appData: AppDataRows;
  /** Held exclusively to copy an app's data, put it back or switch its version. */
  dataGate: AppDataGate;
  log: Logger;
}) {
  const log = d.log.child({ component: 'userspace' });
  const store = new UserspaceStore(d.db);
  const files = new UserspaceFiles(path.join(d.dataDir, 'userspace'));
  const rows = [...(await store.list(false)), ...(await store.list(true))];
  const removed = files.recover(new Map(rows.map((r) => [r.id, r.version])));
  if (removed.length > 0) log.warn({ removed }, 'removed what an interrupted install left');
  // After the data directories are settled: the file index follows the files there.
  const reindexed = await d.appData.recoverFiles();
  if (reindexed.length > 0) log.warn({ reindexed }, 'file index made to match the app files');
  const queue = new KeyedQueue();
  const host = new ServiceHost({ ...d, files, log });
  const journal = new UserspaceJournal(d);
  const gate = new HealthGate({ ...d, store, files, host, journal });
  const installer = new UserspaceInstaller({ ...d, store, files, host, queue, gate, journal });
  let isBuildKey: (appId: string) => Promise<boolean> = () => Promise.resolve(false);
  const service = new UserspaceService({
    ...d,
    ...{ store, files, host, journal, queue, log },
    isBuildKey: (appId) => isBuildKey(appId),
  });
  const routes: RouteInstaller = async (app) => {
    await app.register(userspaceRoutes, {
      ...{ service, installer, journal, files },
      download: d.download,
    });
  };
  let timer: NodeJS.Timeout | undefined;
  const egress = new ServiceEgress({ store, settings: d.settings });
  return {
    service,
    installer,
    store,
    files,
    routes,
    /** The egress rules of a service app's sandbox: its network grants (null: not one). */
    egressRules: (sandboxId: string) => egress.rulesFor(sandboxId),
    /** Who can tell a key Paddock made (the publish module, made after this one). */
    knowBuildKeys(check: (appId: string) => Promise<boolean>) {
      isBuildKey = check;
    },
    /**
     * Once sandboxes serve, before the daemon says it listens: health gates a stop left open
     * fail (the old version comes back), then expired trash is purged, and every hour after.
     */
    async resume() {
      const closed = await gate.closeInterrupted();
      if (closed > 0) log.warn({ apps: closed }, 'rolled back updates a stop interrupted');
      const sweep = () =>
        service.sweepTrash().catch((err: unknown) => {
          log.warn({ err }, 'trash sweep failed');
          return 0;
        });
      await sweep();
      timer = setInterval(() => void sweep(), SWEEP_MS);
      timer.unref();
    },
    close() {
      clearInterval(timer);
    },
  };
}
