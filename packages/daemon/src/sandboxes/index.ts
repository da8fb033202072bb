import type { FastifyBaseLogger } from 'fastify';
import type { SandboxDriver, SandboxLimits, SandboxDetail } from '@paddock/shared';
import type { Refusals } from '../audit/auditCause.js';
import type { AuditLog } from '../audit/auditLog.js';
import { SandboxTokens } from '../auth/sandboxTokens.js';
import type { EventLog } from '../events/eventLog.js';
import type { SandboxAdmission } from '../quotas/index.js';
import { DaemonMetrics } from '../http/metrics.js';
import type { RouteInstaller } from '../http/routes.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { Db } from '../store/database.js';
import { stateKey } from '@paddock/keys';
import { archiveRoutes } from './archiveRoutes.js';
import { execRoutes } from './execRoutes.js';
import { ExecService } from './execService.js';
import { fileRoutes } from './fileRoutes.js';
import { OpenTerminals, ptyRoutes } from './ptyRoutes.js';
import { IdleStopper } from './idleStop.js';
import { SandboxCredentials } from './sandboxCredentials.js';
import { SandboxLifecycle } from './sandboxLifecycle.js';
import { sandboxRoutes } from './sandboxRoutes.js';
import { SandboxService, type SandboxFiller } from './sandboxService.js';
import { SandboxStore, type SandboxRow } from './sandboxStore.js';

export type { SandboxService, SandboxFiller } from './sandboxService.js';
export type { SandboxStore, SandboxRow } from './sandboxStore.js';
export type { SandboxLifecycle } from './sandboxLifecycle.js';

/** What the sandbox routes show and accept that other modules supply. */
export interface SandboxRouteDeps {
  details: { of(row: SandboxRow): Promise<SandboxDetail> };
  /** A snapshot's files for a new sandbox (POST /v1/sandboxes with `from_snapshot`). */
  snapshotFiller: (owner: string, snapshotId: string) => Promise<SandboxFiller>;
  /** Told the paths a files-API call touched (the runtime watches sandbox.yaml). */
  onFilesChanged: (row: SandboxRow, paths: string[]) => void;
}

/**
 * Sandboxes: their lifecycle through the driver (told to subscribers through `lifecycle`),
 * commands, terminals, files, idle stop, and each running sandbox's control-plane token.
 */
export async function createSandboxes(d: {
  db: Db;
  driver: SandboxDriver;
  stateDir: string;
  defaultLimits: SandboxLimits;
  maxLimits: SandboxLimits;
  admission: SandboxAdmission;
  settings: SettingsStore;
  events: EventLog;
  audit: AuditLog;
  log: FastifyBaseLogger;
  refusals?: Refusals;
  agentTimeoutMs?: number;
}) {
  const store = new SandboxStore(d.db);
  const metrics = new DaemonMetrics(() => store.countByStatus());
  const lifecycle = new SandboxLifecycle(d.log);
  const service = new SandboxService({ ...d, store, metrics, lifecycle });
  const execs = new ExecService({
    ...d,
    sandboxes: service,
    store,
    metrics,
    commandHashKey: stateKey(d.stateDir, 'command-hash-key'),
  });
  const credentials = new SandboxCredentials({
    tokens: await SandboxTokens.open(d.stateDir),
    driver: d.driver,
    store,
    log: d.log.child({ component: 'credentials' }),
    dataScopes: (row) => lifecycle.dataMounts.scopesFor(row.id),
  });
  lifecycle.on('booted', (row) =>
    credentials.deliver(row).catch((err: unknown) => {
      d.log.warn({ err, sandbox_id: row.id }, 'writing the sandbox token failed');
    }),
  );
  lifecycle.on('ended', (id) => credentials.forget(id));
  const terminals = new OpenTerminals();
  lifecycle.on('ended', (id) => terminals.endSandbox(id));
  const idleStopper = new IdleStopper(service, store, d.settings, d.log);

  /** Checks a sandbox's own token (the auth plugin asks); only its current boot's is good. */
  const checkToken = async (token: string) => {
    const found = await credentials.check(token);
    return (
      found && {
        owner: found.row.owner_id,
        sandboxId: found.row.id,
        scopes: found.claims.scopes,
        boot: found.claims.boot,
        data: found.claims.data,
      }
    );
  };
  const routes =
    (r: SandboxRouteDeps): RouteInstaller =>
    async (app) => {
      const { events, audit, settings } = d;
      await app.register(sandboxRoutes, { sandboxes: service, events, settings, audit, ...r });
      await app.register(execRoutes, { sandboxes: service, execs, audit });
      await app.register(ptyRoutes, { sandboxes: service, audit, terminals });
      await app.register(fileRoutes, { sandboxes: service, onChange: r.onFilesChanged });
      await app.register(archiveRoutes, { sandboxes: service, onChange: r.onFilesChanged });
    };
  return {
    store,
    service,
    lifecycle,
    metrics,
    checkToken,
    routes,
    /** Reconciles with the driver: adopts what still runs, marks the rest stopped. */
    async reconcile() {
      d.log.info(await service.reconcile(), 'reconciled sandboxes with the driver');
      // A create whose workspace was being filled never answered: half a fork is not kept.
      for (const row of await store.listWriting('filling_since')) {
        await service.delete(row.owner_id, row.id);
        d.log.warn({ sandbox_id: row.id }, 'removed a sandbox whose create a stop cut short');
      }
    },
    /** Once serving: sandboxes that kept running across a restart are told as booted again. */
    async serve() {
      idleStopper.start();
      // Tokens of sandboxes that kept running are renewed now, then on schedule.
      void credentials.renewDue();
      credentials.start();
      for (const row of await store.listLive()) {
        if (row.status === 'running') lifecycle.adopted(row);
      }
    },
    async close() {
      await idleStopper.close();
      credentials.close();
    },
  };
}
