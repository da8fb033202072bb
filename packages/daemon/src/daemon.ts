import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { CONSOLE_DIST_DIR } from '@paddock/console';
import { AGENT_BUNDLE_PATH } from '@paddock/guest-agent';
import { LocalDriver } from '@paddock/driver-local';
import { DependencyCache } from '@paddock/presets';
import { ContentStore } from '@paddock/snapshots';
import type { SandboxDriver } from '@paddock/shared';
import { buildApp } from './app.js';
import { AppService } from './apps/appService.js';
import { AppStore } from './apps/appStore.js';
import { SessionTokens } from './auth/sessionTokens.js';
import { hashToken } from './auth/tokens.js';
import { PreviewAddress, PreviewProxy, PreviewTokens } from '@paddock/preview';
import { previewSandboxes } from './preview/previewSandboxes.js';
import { RuntimeService } from './runtime/runtimeService.js';
import { SandboxDetails } from './runtime/sandboxDetails.js';
import { prepareSharedCache, toolModulesInSandbox } from './runtime/sharedCache.js';
import { TASK_PROVIDERS } from './tasks/providers/index.js';
import { TaskLogs } from './tasks/taskLog.js';
import { TaskService } from './tasks/taskService.js';
import { TaskStore } from './tasks/taskStore.js';
import { resolveAdminToken } from './auth/adminToken.js';
import { ADMIN_OWNER } from './auth/authPlugin.js';
import { ApiKeyStore } from './auth/apiKeyStore.js';
import { ConfigError, type DaemonConfig } from './config.js';
import { AuditLog } from './audit/auditLog.js';
import { AuditRetention } from './audit/auditRetention.js';
import { parseResolveOverrides } from './egress/egressAddress.js';
import { EgressCa } from './egress/egressCa.js';
import { EgressPolicyStore } from './egress/egressPolicyStore.js';
import { EgressProxy } from './egress/egressProxy.js';
import { EventLog } from './events/eventLog.js';
import { DaemonMetrics } from './http/metrics.js';
import { ExecService } from './sandboxes/execService.js';
import { IdleStopper } from './sandboxes/idleStop.js';
import { SettingsStore } from './settings/settingsStore.js';
import { SandboxService } from './sandboxes/sandboxService.js';
import { SandboxCredentials } from './sandboxes/sandboxCredentials.js';
import { SandboxStore } from './sandboxes/sandboxStore.js';
import { SandboxTokens } from './auth/sandboxTokens.js';
import { SnapshotService } from './snapshots/snapshotService.js';
import { AppConfigService } from './appConfig/appConfigService.js';
import { AppConfigStore } from './appConfig/appConfigStore.js';
import { loadMasterKey } from './secrets/masterKey.js';
import { SecretsService } from './secrets/secretsService.js';
import { SnapshotStore } from './snapshots/snapshotStore.js';
import { openDatabase, type Db } from './store/database.js';
import { readOrCreateSecretFile } from './store/secretFile.js';

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

/** Starts paddockd: store, driver, reconciliation, then the HTTP listener. */
export async function startDaemon(config: DaemonConfig, logger?: Logger): Promise<RunningDaemon> {
  const log =
    logger ??
    pino({
      level: config.logLevel,
      base: { service: 'paddockd' },
      redact: { paths: ['req.headers.authorization', '*.token', 'token'], censor: '[redacted]' },
    });
  const stateDir = path.join(config.dataDir, 'state');
  const db: Db = await openDatabase(stateDir);
  let openedDriver: SandboxDriver | undefined;
  let openedService: SandboxService | undefined;
  try {
    const admin = resolveAdminToken(stateDir, config.adminToken);
    if (admin.generated)
      log.info({ file: admin.file }, 'generated an admin token; read it from this file');
    else if (admin.file) log.info({ file: admin.file }, 'using the admin token from this file');
    else log.info('using the admin token from PADDOCK_ADMIN_TOKEN');

    const apiKeys = new ApiKeyStore(db);
    await apiKeys.ensureOwner(ADMIN_OWNER);
    const events = new EventLog(db);
    const audit = new AuditLog(db);
    const store = new SandboxStore(db);
    const settings = new SettingsStore(db);
    await settings.load();
    const metrics = new DaemonMetrics(() => store.countByStatus());
    prepareSharedCache(config.cacheDir);
    const cache = new DependencyCache({
      root: config.cacheDir,
      log: log.child({ component: 'cache' }),
    });
    // Before the driver: every sandbox it boots trusts this CA.
    const egressCa = EgressCa.open(stateDir);
    const driver: SandboxDriver = await LocalDriver.open({
      trustedCaPem: egressCa.certPem,
      sharedCacheDir: config.cacheDir,
      dataDir: config.dataDir,
      agentBundlePath: AGENT_BUNDLE_PATH,
      warmPoolSize: config.warmPoolSize,
      poolLimits: config.defaultLimits,
      newId: newSandboxId,
      log: log.child({ component: 'driver' }),
    });
    openedDriver = driver;
    const sandboxes = new SandboxService({
      store,
      driver,
      events,
      metrics,
      log,
      defaultLimits: config.defaultLimits,
      maxLimits: config.maxLimits,
    });
    openedService = sandboxes;
    const execs = new ExecService({
      sandboxes,
      store,
      driver,
      events,
      metrics,
      commandHashKey: readOrCreateSecretFile(path.join(stateDir, 'command-hash-key'), () =>
        randomBytes(32).toString('base64url'),
      ).value,
    });
    const reconciled = await sandboxes.reconcile();
    log.info(reconciled, 'reconciled sandboxes with the driver');

    const secret = (name: string): string =>
      readOrCreateSecretFile(path.join(stateDir, name), () => randomBytes(32).toString('base64url'))
        .value;
    // The preview's own port is only known once listening (PADDOCK_PORT=0 picks one).
    let previewBase = new PreviewAddress(
      config.previewUrl ?? `http://preview.localhost:${config.port}`,
    );
    const previewAddress = (): PreviewAddress => previewBase;
    const apps = new AppStore(db);
    const runtime = new RuntimeService({
      sandboxes,
      store,
      events,
      cache,
      log,
      previewDomain: () => previewAddress().domain,
      appEnv: (appId) => appConfig.envFor(appId, 'runtime'),
    });
    const previewTokens = new PreviewTokens(secret('preview-key'));
    const preview = new PreviewProxy({
      address: previewAddress,
      tokens: previewTokens,
      sandboxes: previewSandboxes({ store, apps, sandboxes }),
      log: log.child({ component: 'preview' }),
    });
    const credentials = new SandboxCredentials({
      tokens: await SandboxTokens.open(stateDir),
      driver,
      store,
      log: log.child({ component: 'credentials' }),
    });
    let listeningPort = config.port;
    let overrides;
    try {
      overrides = parseResolveOverrides(config.egressResolve);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    const egressPolicies = new EgressPolicyStore(db);
    let upstreamCa: string | undefined;
    if (config.egressUpstreamCa !== undefined) {
      try {
        upstreamCa = fs.readFileSync(config.egressUpstreamCa, 'utf8');
      } catch (err) {
        throw new ConfigError(
          `PADDOCK_EGRESS_UPSTREAM_CA: cannot read ${config.egressUpstreamCa}: ${(err as Error).message}`,
        );
      }
    }
    const egress = new EgressProxy({
      driver,
      policyFor: (row) => egressPolicies.forSandbox(row),
      injectionsFor: (row) =>
        row.app_id === null ? Promise.resolve([]) : appConfig.injections(row.app_id),
      ca: egressCa,
      ...(upstreamCa === undefined ? {} : { upstreamCa }),
      overrides,
      daemonPort: () => listeningPort,
      controlPlane: () => ({ host: loopbackFor(config.host), port: listeningPort }),
      connectionsMax: () => settings.get().egress_connections_max,
      events,
      audit,
      log: log.child({ component: 'egress' }),
    });
    const runtimeHooks = runtime.hooks();
    sandboxes.setHooks({
      ...runtimeHooks,
      booted: async (row) => {
        await egress.attach(row).catch((err: unknown) => {
          log.warn({ err, sandbox_id: row.id }, 'offering the egress proxy failed');
        });
        await runtimeHooks.booted(row);
        await credentials.deliver(row).catch((err: unknown) => {
          log.warn({ err, sandbox_id: row.id }, 'writing the sandbox token failed');
        });
      },
      ended: (id) => {
        runtimeHooks.ended(id);
        preview.forget(id);
        credentials.forget(id);
        egress.detach(id);
      },
      changed: (id) => preview.invalidate(id),
    });
    const details = new SandboxDetails({
      runtime,
      apps,
      tokens: previewTokens,
      address: previewAddress,
    });

    const taskLogs = new TaskLogs(path.join(stateDir, 'tasks'));
    const tasks = new TaskService({
      providers: TASK_PROVIDERS,
      tools: { ensure: (tool) => toolModulesInSandbox(cache, tool) },
      store: new TaskStore(db),
      logs: taskLogs,
      sandboxes,
      runtime,
      events,
      settings,
      log: log.child({ component: 'tasks' }),
      agentEnv: async (owner, sandboxId) => {
        const row = await store.get(owner, sandboxId);
        return row?.app_id ? appConfig.envFor(row.app_id, 'agent') : {};
      },
    });
    const abandoned = await tasks.reconcile();
    if (abandoned > 0) log.warn({ tasks: abandoned }, 'marked tasks of a previous run failed');

    const configStore = new AppConfigStore(db);
    let keys;
    try {
      keys = loadMasterKey({ env: config.secretsKey, stateDir });
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    const secrets = new SecretsService({
      ...keys,
      stateDir,
      store: configStore,
      log: log.child({ component: 'secrets' }),
    });
    await secrets.init();
    const appConfig = new AppConfigService({ store: configStore, apps, secrets, events });

    const snapshots = new SnapshotService({
      rows: new SnapshotStore(db),
      content: new ContentStore(path.join(config.dataDir, 'snapshots')),
      driver,
      sandboxes,
      events,
      log: log.child({ component: 'snapshots' }),
      maxBytes: config.snapshotMaxBytes,
      storageLimitBytes: () => settings.get().snapshot_storage_mb * 1024 * 1024,
    });
    await snapshots.reconcile();

    let ready = true;
    const app = await buildApp({
      logger: log,
      adminToken: admin.token,
      apiKeys,
      events,
      sandboxes,
      execs,
      settings,
      driver,
      metrics,
      defaultLimits: config.defaultLimits,
      maxLimits: config.maxLimits,
      isReady: () => ready,
      sessions: new SessionTokens(secret('session-key'), hashToken(admin.token).slice(0, 16)),
      apps: new AppService({
        apps,
        sandboxes,
        runtime,
        events,
        snapshots,
        exclusive: (id, fn) => tasks.exclusive(id, fn),
      }),
      snapshots,
      config: appConfig,
      secrets,
      audit,
      credentials,
      egressPolicies,
      appStore: apps,
      runtime,
      details,
      preview,
      consoleDir: CONSOLE_DIST_DIR,
      tasks,
      taskLogs,
    });
    await app.listen({ host: config.host, port: config.port });
    const idleStopper = new IdleStopper(sandboxes, settings, log);
    idleStopper.start();
    const auditRetention = new AuditRetention(audit, settings, log);
    auditRetention.start();
    // Sandboxes that kept running across a restart get a fresh token now, then on schedule.
    void credentials.renewDue();
    credentials.start();
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    if (config.previewUrl === undefined)
      previewBase = new PreviewAddress(`http://preview.localhost:${port}`);
    // Sandboxes that kept running across the restart get their manifest read and applied again
    // (the supervisor keeps unchanged processes as they are).
    listeningPort = port;
    for (const row of await store.listLive()) {
      if (row.status !== 'running') continue;
      void runtime.reload(row);
      void egress.attach(row).catch((err: unknown) => {
        log.warn({ err, sandbox_id: row.id }, 'offering the egress proxy failed');
      });
    }
    log.info(
      { url, data_dir: config.dataDir, driver: driver.describe() },
      `paddockd listening on ${url}`,
    );

    let closing: Promise<void> | undefined;
    return {
      app,
      url,
      adminTokenFile: admin.file,
      adminTokenGenerated: admin.generated,
      close() {
        closing ??= (async () => {
          ready = false;
          await idleStopper.close();
          auditRetention.close();
          credentials.close();
          egress.close();
          await tasks.close();
          preview.close();
          await app.close();
          await snapshots.settle();
          sandboxes.close();
          await driver.close();
          await db.destroy();
          log.info('paddockd stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    openedService?.close();
    await openedDriver?.close().catch(() => undefined);
    await db.destroy();
    throw err;
  }
}

/** An address of this host's listener to connect to: a wildcard bind is reached on loopback. */
function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}
