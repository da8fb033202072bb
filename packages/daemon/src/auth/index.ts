import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../audit/auditLog.js';
import type { EventLog } from '../events/eventLog.js';
import type { RouteInstaller } from '../http/routes.js';
import type { Db } from '../store/database.js';
import { stateKey } from '@paddock/keys';
import { resolveAdminToken } from './adminToken.js';
import { apiKeyRoutes } from './apiKeyRoutes.js';
import { metricsAccess } from './metricsAccess.js';
import { ApiKeyStore } from './apiKeyStore.js';
import { ADMIN_OWNER, authPlugin, type AuthOptions } from './authPlugin.js';
import { SessionEpochs } from './sessionEpochs.js';
import { sessionRoutes } from './sessionRoutes.js';
import { SessionTokens } from './sessionTokens.js';
import { hashToken } from './tokens.js';

export { ADMIN_OWNER } from './authPlugin.js';

/**
 * Who may call: the admin token, API keys, the console's session cookie. The check of a
 * sandbox's own token is supplied by the sandboxes module, which issues those tokens.
 */
export async function createAuth(d: {
  db: Db;
  stateDir: string;
  adminToken: string | undefined;
  /** `PADDOCK_METRICS_TOKEN`: reads `/metrics` and nothing else. */
  metricsToken: string | undefined;
  events: EventLog;
  audit: AuditLog;
  log: FastifyBaseLogger;
}) {
  const admin = resolveAdminToken(d.stateDir, d.adminToken);
  if (admin.generated)
    d.log.info({ file: admin.file }, 'generated an admin token; read it from this file');
  else if (admin.file) d.log.info({ file: admin.file }, 'using the admin token from this file');
  else d.log.info('using the admin token from PADDOCK_ADMIN_TOKEN');
  const apiKeys = new ApiKeyStore(d.db);
  await apiKeys.ensureOwner(ADMIN_OWNER);
  const sessions = new SessionTokens(
    stateKey(d.stateDir, 'session-key'),
    hashToken(admin.token).slice(0, 16),
  );
  const epochs = new SessionEpochs(d.db);
  const common = { apiKeys, adminToken: admin.token, sessions, epochs, audit: d.audit };
  const routes =
    (sandboxToken: AuthOptions['sandboxToken']): RouteInstaller =>
    async (app) => {
      await app.register(authPlugin, { ...common, sandboxToken });
      await app.register(sessionRoutes, common);
      await app.register(apiKeyRoutes, { apiKeys, events: d.events, audit: d.audit });
    };
  const metrics = metricsAccess({ ...common, metricsToken: d.metricsToken });
  return { admin, apiKeys, routes, metricsAccess: metrics };
}
