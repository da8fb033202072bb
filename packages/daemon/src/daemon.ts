import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { ulid } from 'ulid';
import { CONSOLE_DIST_DIR } from '@paddock/console';
import { AGENT_BUNDLE_PATH } from '@paddock/guest-agent';
import { LocalDriver } from '@paddock/driver-local';
import { buildApp } from './app.js';
import { createAppConfig } from './appConfig/index.js';
import { AppStore, createApps } from './apps/index.js';
import { createAudit } from './audit/index.js';
import { createAuth } from './auth/index.js';
import type { DaemonConfig } from './config.js';
import { consoleApi } from './console/index.js';
import { EgressCa, createEgress } from './egress/index.js';
import { EventLog } from './events/eventLog.js';
import { ListenAddress } from './http/listenAddress.js';
import { createPresets, prepareSharedCache } from './presets/index.js';
import { createPreview } from './preview/index.js';
import { createProcesses } from './processes/index.js';
import { createSandboxes } from './sandboxes/index.js';
import { createSettings } from './settings/index.js';
import { createSnapshots } from './snapshots/index.js';
import { openDatabase, type Db } from './store/database.js';
import { ShutdownList } from './shutdownList.js';
import { systemApi } from './system/index.js';
import { createTasks } from './tasks/index.js';

export interface RunningDaemon {
  app: FastifyInstance;
  url: string;
  /** The admin token's file when the token came from the data dir, not the environment. */
  adminTokenFile: string | undefined;
  adminTokenGenerated: boolean;
  /** Drain, close the listener and the store. Sandboxes keep running for the next start. */
  close(): Promise<void>;
}

export function newSandboxId(): string {
  return `sb${ulid().toLowerCase()}`;
}

/** Starts paddockd: the store, every module in dependency order, then the listener. */
export async function startDaemon(config: DaemonConfig, logger?: Logger): Promise<RunningDaemon> {
  const log = logger ?? daemonLogger(config);
  const shutdown = new ShutdownList(log);
  const db = await openDatabase(path.join(config.dataDir, 'state'));
  shutdown.add(() => db.destroy());
  try {
    const listen = new ListenAddress(config.host, config.port);
    const m = await createModules(config, db, listen, shutdown, log);
    let ready = true;
    const { driver, sandboxes, processes, snapshots } = m;
    const { defaultLimits, maxLimits } = config;
    const app = await buildApp({
      logger: log,
      metrics: sandboxes.metrics,
      preview: m.preview.proxy,
      routes: [
        systemApi({ driver, defaultLimits, maxLimits, isReady: () => ready }),
        m.auth.routes(sandboxes.checkToken),
        sandboxes.routes({
          details: processes.details,
          snapshotFiller: (owner, id) => snapshots.service.filler(owner, id),
          onFilesChanged: (row, paths) => processes.runtime.workspaceChanged(row, paths),
        }),
        ...[m.settings.routes, processes.routes, m.presets.routes, m.apps.routes],
        ...[m.tasks.routes, snapshots.routes, m.appConfig.routes, m.appConfig.secrets.routes],
        ...[m.audit.routes, m.egress.routes, consoleApi(CONSOLE_DIST_DIR)],
      ],
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    listen.bound(typeof address === 'object' && address ? address.port : config.port);
    const retention = m.audit.retention(m.settings.store, log);
    retention.start();
    await sandboxes.serve();
    log.info(
      { url: listen.url, data_dir: config.dataDir, driver: driver.describe() },
      `paddockd listening on ${listen.url}`,
    );
    // Run in reverse: readiness off, timers, the data planes, the listener, then the store.
    shutdown.add(() => snapshots.service.settle());
    shutdown.add(() => app.close());
    shutdown.add(() => m.preview.proxy.close());
    shutdown.add(() => m.tasks.service.close());
    shutdown.add(() => m.egress.proxy.close());
    shutdown.add(() => retention.close());
    shutdown.add(() => sandboxes.close());
    shutdown.add(() => (ready = false));
    return {
      app,
      url: listen.url,
      adminTokenFile: m.auth.admin.file,
      adminTokenGenerated: m.auth.admin.generated,
      close: () => shutdown.run('paddockd stopped'),
    };
  } catch (err) {
    await shutdown.run();
    throw err;
  }
}

/**
 * Every module, each made once what it needs exists. Modules that react to a sandbox's boots
 * subscribe to `lifecycle` as they are made, so the order below is also theirs (credentials,
 * then egress listens, before the runtime starts the app's processes).
 */
async function createModules(
  config: DaemonConfig,
  db: Db,
  listen: ListenAddress,
  shutdown: ShutdownList,
  log: Logger,
) {
  const stateDir = path.join(config.dataDir, 'state');
  const events = new EventLog(db);
  const audit = createAudit({ db });
  const settings = await createSettings({ db, events, audit: audit.log });
  // What most modules need; each takes the parts it names.
  const core = {
    db,
    stateDir,
    dataDir: config.dataDir,
    events,
    audit: audit.log,
    settings: settings.store,
    log,
  };
  const auth = await createAuth({ ...core, adminToken: config.adminToken });
  // Before the driver: every sandbox it boots (the warm pool at once) mounts the shared cache
  // and trusts the egress CA.
  prepareSharedCache(config.cacheDir);
  const ca = EgressCa.open(stateDir);
  const driver = await openDriver(config, ca.certPem, log);
  shutdown.add(() => driver.close());
  const { defaultLimits, maxLimits } = config;
  const sandboxes = await createSandboxes({ ...core, driver, defaultLimits, maxLimits });
  shutdown.add(() => sandboxes.service.close());
  await sandboxes.reconcile();
  const { lifecycle, service: sandboxService } = sandboxes;
  const sandboxDeps = { ...core, lifecycle, sandboxes: sandboxService, driver };
  const presets = createPresets({ ...core, cacheDir: config.cacheDir, lifecycle });
  const appStore = new AppStore(db);
  const appConfig = await createAppConfig({
    ...core,
    secretsKey: config.secretsKey,
    apps: appStore,
  });
  const egress = createEgress({
    ...sandboxDeps,
    ...{ ca, apps: appStore, appConfig: appConfig.service, listen },
    ...{ resolve: config.egressResolve, upstreamCaFile: config.egressUpstreamCa },
  });
  const preview = createPreview({
    ...sandboxDeps,
    ...{ previewUrl: config.previewUrl, listen, store: sandboxes.store, apps: appStore },
  });
  const processes = createProcesses({
    ...sandboxDeps,
    store: sandboxes.store,
    links: preview.links,
    isPublic: async (appId) => (await appStore.getById(appId))?.public === 1,
    appEnv: (appId) => appConfig.service.envFor(appId, 'runtime'),
  });
  const tasks = await createTasks({
    ...sandboxDeps,
    ...{ tools: presets.tools, runtime: processes.runtime },
    agentEnv: async (owner, id) => {
      const row = await sandboxes.store.get(owner, id);
      return row?.app_id ? appConfig.service.envFor(row.app_id, 'agent') : {};
    },
  });
  const snapshots = await createSnapshots({ ...sandboxDeps, maxBytes: config.snapshotMaxBytes });
  const apps = createApps({
    ...sandboxDeps,
    ...{ store: appStore, runtime: processes.runtime, presets: presets.mounts },
    ...{ details: processes.details, snapshots: snapshots.service, tasks: tasks.service },
  });
  return {
    audit,
    settings,
    auth,
    driver,
    sandboxes,
    presets,
    appConfig,
    egress,
    preview,
    processes,
    tasks,
    snapshots,
    apps,
  };
}

function openDriver(config: DaemonConfig, trustedCaPem: string, log: Logger) {
  return LocalDriver.open({
    trustedCaPem,
    sharedCacheDir: config.cacheDir,
    dataDir: config.dataDir,
    agentBundlePath: AGENT_BUNDLE_PATH,
    warmPoolSize: config.warmPoolSize,
    poolLimits: config.defaultLimits,
    newId: newSandboxId,
    log: log.child({ component: 'driver' }),
  });
}

function daemonLogger(config: DaemonConfig): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'paddockd' },
    redact: { paths: ['req.headers.authorization', '*.token', 'token'], censor: '[redacted]' },
  });
}
