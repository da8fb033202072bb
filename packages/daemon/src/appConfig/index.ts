import type { FastifyBaseLogger } from 'fastify';
import type { AppStore } from '../apps/appStore.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import type { RouteInstaller } from '../http/routes.js';
import { SealedRows, createSecrets } from '../secrets/index.js';
import type { Db } from '../store/database.js';
import { appConfigRoutes } from './appConfigRoutes.js';
import { AppConfigService } from './appConfigService.js';
import { AppConfigStore } from './appConfigStore.js';

export type { AppConfigService } from './appConfigService.js';

/**
 * Per-app config and sealed secrets, with the master key that seals them: the env processes
 * and tasks get, and the injections the egress proxy makes.
 */
export async function createAppConfig(d: {
  db: Db;
  stateDir: string;
  secretsKey: string | undefined;
  apps: AppStore;
  events: EventLog;
  audit: AuditLog;
  log: FastifyBaseLogger;
}) {
  const store = new AppConfigStore(d.db);
  const secrets = await createSecrets({
    ...d,
    values: new SealedRows(d.db),
    log: d.log.child({ component: 'secrets' }),
  });
  const service = new AppConfigService({
    store,
    apps: d.apps,
    secrets: secrets.service,
    events: d.events,
  });
  const routes: RouteInstaller = async (app) => {
    await app.register(appConfigRoutes, { config: service, audit: d.audit });
  };
  return { service, secrets, routes };
}
