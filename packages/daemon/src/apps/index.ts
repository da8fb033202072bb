import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../audit/auditLog.js';
import { AppEvents } from '../events/appEvents.js';
import type { EventLog } from '../events/eventLog.js';
import type { Db } from '../store/database.js';
import type { RouteInstaller } from '../http/routes.js';
import type { PresetMounts } from '../presets/presetMounts.js';
import type { RuntimeService, SandboxDetails } from '../processes/index.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import { SandboxStore } from '../sandboxes/sandboxStore.js';
import type { SnapshotService } from '../snapshots/snapshotService.js';
import type { TaskService } from '../tasks/taskService.js';
import { appArchiveRoutes } from './appArchiveRoutes.js';
import { AppCheckpoints, type CheckpointForkHistory } from './appCheckpoints.js';
import { removeCutShortApps } from './appRecovery.js';
import { appRoutes, type AppImporter } from './appRoutes.js';
import { AppService } from './appService.js';
import { appViewer } from './appView.js';
import type { AppStore } from './appStore.js';

export { AppStore } from './appStore.js';
export type { AppImporter } from './appRoutes.js';
export { importHolds, importOf } from './appImportRecord.js';

/** Apps: a name, a preset and the current sandbox; made, forked, restored and deleted whole. */
export function createApps(d: {
  db: Db;
  store: AppStore;
  sandboxes: SandboxService;
  runtime: RuntimeService;
  presets: PresetMounts;
  details: SandboxDetails;
  snapshots: SnapshotService;
  tasks: TaskService;
  events: EventLog;
  audit: AuditLog;
  log: FastifyBaseLogger;
  /** The provenance record, which follows code into a fork. */
  history: CheckpointForkHistory;
}) {
  const checkpoints = new AppCheckpoints({
    ...d,
    tasks: (owner, ids) => d.tasks.checkpointsOf(owner, ids),
  });
  // Work on an app's sandbox waits for, or refuses during, a task running there.
  const exclusive = <T>(id: string, fn: () => Promise<T>): Promise<T> => d.tasks.exclusive(id, fn);
  const service = new AppService({ ...d, apps: d.store, checkpoints, exclusive });
  // The imports module builds on the apps, so it is handed in once it exists.
  let importer: AppImporter | undefined;
  const routes: RouteInstaller = async (app) => {
    const appEvents = new AppEvents({ db: d.db, events: d.events });
    await app.register(appRoutes, {
      ...{ apps: service, details: d.details, audit: d.audit, appEvents },
      importer: () => {
        if (!importer) throw new Error('the imports module was never wired in');
        return importer;
      },
    });
    await app.register(appArchiveRoutes, { apps: service, sandboxes: d.sandboxes });
  };
  const acceptImports = (imports: AppImporter): void => {
    importer = imports;
  };
  /** At start: apps whose create a stop cut short are removed whole. */
  const recover = () =>
    removeCutShortApps({ ...d, apps: d.store, sandboxRows: new SandboxStore(d.db) });
  const view = appViewer(service, d.details);
  return { service, routes, exclusive, acceptImports, recover, view };
}
