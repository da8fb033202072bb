import path from 'node:path';
import type { Logger } from 'pino';
import { AppSessions } from '@paddock/broker';
import { AGENT_BUNDLE_PATH } from '@paddock/guest-agent';
import { LocalDriver } from '@paddock/driver-local';
import { prepareSharedCache } from '@paddock/presets';
import { createAppConfig } from './appConfig/index.js';
import { AppAgent } from './appAgent/index.js';
import { createAppKeys } from './appKeys/index.js';
import { createAppOrigins } from './appOrigins/index.js';
import { AppStore, createApps, importOf } from './apps/index.js';
import { createAudit } from './audit/index.js';
import { createImports } from './imports/index.js';
import { createAuth } from './auth/index.js';
import { createAppData, createBrokerModule } from './broker/index.js';
import { stateKey } from '@paddock/keys';
import type { DaemonConfig } from './config.js';
import { EgressCa, createEgress, sandboxTrust } from './egress/index.js';
import fs from 'node:fs';
import { parseResolveOverrides } from '@paddock/egress';
import { EventLog } from './events/eventLog.js';
import { createFilestores } from './filestores/index.js';
import { createGit } from './git/index.js';
import type { ControlPlane } from './http/controlPlane.js';
import type { ListenAddress } from './http/listenAddress.js';
import { createDependencyUpdates } from './dependencyUpdates/index.js';
import { createPresets } from './presets/index.js';
import { createPreview } from './preview/index.js';
import { createProcesses } from './processes/index.js';
import { createModelAccess } from './modelAccess/index.js';
import { createProvenance } from './provenance/index.js';
import { createQuotas } from './quotas/index.js';
import { createPublish, installThroughUserspace } from './publish/index.js';
import { newSandboxId } from './sandboxes/sandboxId.js';
import { createSandboxes } from './sandboxes/index.js';
import { createSettings } from './settings/index.js';
import type { ShutdownList } from './shutdownList.js';
import { createSnapshots } from './snapshots/index.js';
import type { Db } from './store/database.js';
import { createTasks } from './tasks/index.js';
import { createUserspace } from './userspace/index.js';

/**
 * Every module, each made once what it needs exists. Modules that react to a sandbox's boots
 * subscribe to `lifecycle` as they are made, so the order below is also theirs (credentials,
 * then egress listens, before the runtime starts the app's processes).
 */
export async function createModules(
  config: DaemonConfig,
  db: Db,
  listen: ListenAddress,
  controlPlane: ControlPlane,
  shutdown: ShutdownList,
  log: Logger,
) {
  const stateDir = path.join(config.dataDir, 'state');
  const events = new EventLog(db);
  const audit = createAudit({ db, events, log });
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
  const quotas = await createQuotas({ db, settings: settings.store, audit: audit.log });
  const auth = await createAuth({
    ...core,
    adminToken: config.adminToken,
    metricsToken: config.metricsToken,
  });
  // Before the driver: every sandbox it boots (the warm pool at once) mounts the shared cache
  // and trusts the egress CA (and PADDOCK_SANDBOX_EXTRA_CA's, in development and tests).
  prepareSharedCache(config.cacheDir);
  const ca = EgressCa.open(stateDir);
  const trust = sandboxTrust(ca.certPem, config.sandboxExtraCa, log);
  const driver = await openDriver(config, trust, log);
  shutdown.add(() => driver.close());
  const { defaultLimits, maxLimits } = config;
  const sandboxes = await createSandboxes({
    ...core,
    ...{ driver, defaultLimits, maxLimits, admission: quotas.admission },
    refusals: audit.admission,
    agentTimeoutMs: config.agentTimeoutSeconds * 1000,
  });
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
  const appKeys = createAppKeys({ db, secrets: appConfig.secrets.service });
  const egress = createEgress({
    ...sandboxDeps,
    ...{ ca, apps: appStore, appConfig: appConfig.service, listen, controlPlane },
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
    isPublic: (appId) => appStore.isPublic(appId),
    appEnv: (appId) => appConfig.service.envFor(appId, 'runtime'),
    packageManagers: presets.packageManagers,
    importState: async (appId) =>
      importOf((await appStore.getById(appId)) ?? { import_json: null })?.state ?? null,
  });
  const provenance = createProvenance({ db });
  const tasks = await createTasks({
    ...sandboxDeps,
    ...{ tools: presets.tools, runtime: processes.runtime },
    taskStarting: (task) => provenance.record.taskStarting(task),
    agentEnv: async (owner, id) => {
      const row = await sandboxes.store.get(owner, id);
      return row?.app_id ? appConfig.service.envFor(row.app_id, 'agent') : {};
    },
  });
  const snapshots = await createSnapshots({
    ...sandboxDeps,
    maxBytes: config.snapshotMaxBytes,
    history: provenance.record,
    quotas: quotas.quotas,
  });
  const apps = createApps({
    ...sandboxDeps,
    ...{ store: appStore, runtime: processes.runtime, presets: presets.mounts },
    ...{ details: processes.details, snapshots: snapshots.service, tasks: tasks.service },
    history: provenance.record,
  });
  const dependencyUpdates = createDependencyUpdates({
    ...{ cache: presets.cache, packageManagers: presets.packageManagers, apps: appStore },
    ...{ sandboxes: sandboxService, driver, events, log },
    exclusive: (id, fn) => tasks.service.exclusive(id, fn),
  });
  const imports = createImports({
    ...{ apps, appStore, sandboxes: sandboxService, sandboxStore: sandboxes.store },
    ...{ snapshots: snapshots.service, runtime: processes.runtime, config: appConfig.service },
    ...{ events, audit: audit.log, allowHost: egress.allowHost },
  });
  await apps.recover();
  await imports.imports.recover();
  const git = createGit({
    ...core,
    ...{ apps: apps.service, sandboxes: sandboxService, runtime: processes.runtime },
    ...{ injections: (id) => appConfig.service.injections(id), exclusive: apps.exclusive },
  });
  const appData = createAppData(core);
  const userspace = await createUserspace({
    ...sandboxDeps,
    runtime: processes.runtime,
    presets: presets.mounts,
    download: packageDownloads(config),
    appData: appData.rows,
    dataGate: appData.gate,
  });
  egress.governSandboxes(userspace.egressRules);
  // Keys Paddock made for the apps it publishes are never pinned as first-party.
  userspace.knowBuildKeys((id) => appKeys.isPaddockMade(id));
  // One signer of app sessions for the daemon: the launch route issues them, the broker
  // verifies them (same class, same key file).
  const appSessions = new AppSessions(stateKey(stateDir, 'app-session-key'));
  const appOrigins = createAppOrigins({
    ...core,
    ...{ appsUrl: config.appsUrl, previewDomain: preview.links.domain(), listen },
    ...{ store: userspace.store, files: userspace.files, service: userspace.service },
    ...{ apiKeys: auth.apiKeys, appSessions },
  });
  const publish = createPublish({
    ...core,
    ...{ apps: apps.service, sandboxes: sandboxService, snapshots: snapshots.service },
    provenanceOfSnapshot: (id) => provenance.record.provenanceOfSnapshot(id),
    keys: appKeys.keys,
    install: installThroughUserspace(userspace),
    exclusive: (id, fn) => tasks.service.exclusive(id, fn),
  });
  const appAgent = new AppAgent({
    db,
    tasks: tasks.service,
    logs: tasks.logs,
    apps: appStore,
  });
  const modelAccess = createModelAccess({
    db,
    secrets: appConfig.secrets.service,
    audit: audit.log,
    network: packageDownloads(config),
  });
  const broker = createBrokerModule({
    ...core,
    ...{ metrics: sandboxes.metrics, appData, userspace, sessions: appSessions },
    ...{ agent: appAgent, llm: modelAccess.access },
  });
  const filestores = createFilestores({
    ...sandboxDeps,
    ...{ secrets: appConfig.secrets.service, metrics: sandboxes.metrics },
    ...{ sandboxes: sandboxService, sandboxStore: sandboxes.store },
    quotaBytes: async (owner) => {
      const mb = quotas.quotas.limitFor(owner, 'filestore_mb');
      return mb > 0 ? mb * 1024 * 1024 : null;
    },
  });
  shutdown.add(() => filestores.close());
  quotas.quotas.meter('filestore_mb', async (owner) => {
    return (await filestores.store.ownerBytes(owner)) / (1024 * 1024);
  });
  userspace.service.whenPurged((id) => broker.notifications.purgeApp(id));
  userspace.service.whenPurged((id) => appAgent.forget(id));
  return {
    audit,
    settings,
    quotas,
    auth,
    driver,
    sandboxes,
    presets,
    dependencyUpdates,
    appConfig,
    appKeys,
    egress,
    preview,
    processes,
    provenance,
    tasks,
    snapshots,
    apps,
    imports,
    git,
    userspace,
    broker,
    filestores,
    appSessions,
    appOrigins,
    publish,
    modelAccess,
    appAgent,
  };
}

/**
 * How the daemon itself reaches out (package URLs, the model API for apps): the egress proxy's
 * test resolver and upstream CA, if set.
 */
function packageDownloads(config: DaemonConfig) {
  return {
    ...(config.egressResolve ? { resolve: parseResolveOverrides(config.egressResolve) } : {}),
    ...(config.egressUpstreamCa ? { ca: fs.readFileSync(config.egressUpstreamCa) } : {}),
  };
}

function openDriver(config: DaemonConfig, trustedCaPem: string, log: Logger) {
  return LocalDriver.open({
    trustedCaPem,
    sharedCacheDir: config.cacheDir,
    dataDir: config.dataDir,
    agentBundlePath: AGENT_BUNDLE_PATH,
    warmPoolSize: config.warmPoolSize,
    sweepAtStart: config.sweepAtStart,
    poolLimits: config.defaultLimits,
    newId: newSandboxId,
    log: log.child({ component: 'driver' }),
  });
}
