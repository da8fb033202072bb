import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { CONSOLE_DIST_DIR } from '@paddock/console';
import { failpointsArmed } from '@paddock/shared';
import { buildApp } from './app.js';
import { mountRoutes, type DaemonExtensions } from './http/apiMounts.js';
import type { DaemonConfig } from './config.js';
import { consoleApi } from './console/index.js';
import { docsApi } from './docs/index.js';
import { ConsoleHosts } from './http/consoleHosts.js';
import { ControlPlane } from './http/controlPlane.js';
import { drainApi } from './http/drainApi.js';
import { capConnections, connectionCapFor, openFilesLimit } from './http/connectionCap.js';
import { ListenAddress } from './http/listenAddress.js';
import { createModules } from './modules.js';
import { openDatabase } from './store/database.js';
import { rateLimitsApi } from './rateLimits/index.js';
import { ShutdownList } from './shutdownList.js';
import { systemApi } from './system/index.js';

export interface RunningDaemon {
  app: FastifyInstance;
  url: string;
  /** The admin token's file when the token came from the data dir, not the environment. */
  adminTokenFile: string | undefined;
  adminTokenGenerated: boolean;
  /** Drain, close the listener and the store. Sandboxes keep running for the next start. */
  close(): Promise<void>;
}

/**
 * Starts paddockd: the store, every module in dependency order, then the listener.
 * `extensions` are what the composition root adds (the MCP server's mount).
 */
export async function startDaemon(
  config: DaemonConfig,
  logger?: Logger,
  extensions: DaemonExtensions = {},
): Promise<RunningDaemon> {
  const log = logger ?? daemonLogger(config);
  const shutdown = new ShutdownList(log);
  const db = await openDatabase(path.join(config.dataDir, 'state'));
  shutdown.add(() => db.destroy());
  try {
    const listen = new ListenAddress(config.host, config.port);
    const controlPlane = new ControlPlane();
    const m = await createModules(config, db, listen, controlPlane, shutdown, log);
    let ready = true;
    const { driver, sandboxes, processes, snapshots } = m;
    const { defaultLimits, maxLimits } = config;
    const hosts = new ConsoleHosts(listen, config.publicUrl);
    const stopping = new AbortController();
    const app = await buildApp({
      stopping: stopping.signal,
      logger: log,
      metrics: sandboxes.metrics,
      metricsAccess: m.auth.metricsAccess,
      preview: m.preview.proxy,
      appOrigin: m.appOrigins.server,
      hosts,
      controlPlane,
      routes: [
        systemApi({
          ...{ driver, defaultLimits, maxLimits, isReady: () => ready },
          dataDir: config.dataDir,
          secretsKey: () => m.appConfig.secrets.service.currentKey(),
        }),
        // Before every limited route (sign-in included): its onRoute hook sees them as added.
        rateLimitsApi(m.settings.store),
        m.auth.routes(sandboxes.checkToken),
        m.audit.requests,
        // Before every route that can change files: an agent key's changes are recorded first.
        m.provenance.routes,
        sandboxes.routes({
          details: processes.details,
          snapshotFiller: (owner, id) => snapshots.service.filler(owner, id),
          onFilesChanged: (row, paths) => processes.runtime.workspaceChanged(row, paths),
        }),
        ...[m.settings.routes, m.quotas.routes, processes.routes, m.presets.routes],
        m.dependencyUpdates.routes,
        m.apps.routes,
        ...[m.imports.routes, m.git.routes],
        ...[m.tasks.routes, snapshots.routes, m.appConfig.routes, m.appConfig.secrets.routes],
        ...[
          m.audit.routes,
          m.egress.routes,
          m.userspace.routes,
          m.broker.routes,
          m.appOrigins.routes,
          m.publish.routes,
          m.modelAccess.routes,
          m.filestores.routes,
          docsApi(),
          consoleApi(CONSOLE_DIST_DIR, () => [
            m.appOrigins.address().frameSource(),
            m.preview.links.frameSource(),
          ]),
        ],
        mountRoutes(extensions.mounts ?? [], { hosts, selfUrl: () => listen.loopbackUrl }),
      ],
    });
    await app.listen({ host: config.host, port: config.port });
    capConnections(app.server, connectionCapFor(openFilesLimit()), log);
    const address = app.server.address();
    listen.bound(typeof address === 'object' && address ? address.port : config.port);
    // Before any sandbox is served: their calls to paddock.internal come here.
    await controlPlane.listen();
    shutdown.add(() => controlPlane.close());
    const retention = m.audit.retention(m.settings.store, log);
    retention.start();
    await sandboxes.serve();
    await m.userspace.resume();
    if (failpointsArmed()) {
      log.warn(
        { failpoints: process.env.PADDOCK_FAILPOINTS },
        'PADDOCK_FAILPOINTS is set: this daemon will crash on purpose (tests only)',
      );
    }
    log.info(
      { url: listen.url, data_dir: config.dataDir, driver: driver.describe() },
      `paddockd listening on ${listen.url}`,
    );
    // Run in reverse: readiness off, timers, the data planes, the listener, then the store.
    shutdown.add(async () => {
      await m.audit.log.flush().catch(() => undefined);
      const lost = m.audit.log.waiting;
      if (lost > 0) log.error({ lost }, 'audit entries lost: the data disk had no room for them');
    });
    shutdown.add(() => snapshots.service.settle());
    shutdown.add(() => drainApi(app, stopping, config.drainSeconds * 1000));
    shutdown.add(() => m.preview.proxy.close());
    shutdown.add(() => m.tasks.service.close());
    shutdown.add(() => m.egress.denialAudit.close());
    shutdown.add(() => m.egress.proxy.close());
    shutdown.add(() => retention.close());
    shutdown.add(() => m.userspace.close());
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

function daemonLogger(config: DaemonConfig): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'paddockd' },
    redact: { paths: ['req.headers.authorization', '*.token', 'token'], censor: '[redacted]' },
  });
}
