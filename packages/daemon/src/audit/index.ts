import type { FastifyBaseLogger } from 'fastify';
import type { EventLog } from '../events/eventLog.js';
import type { RouteInstaller } from '../http/routes.js';
import type { Db } from '../store/database.js';
import { AdmissionAudit } from './admissionAudit.js';
import { AuditLog } from './auditLog.js';
import { AuditRetention, type RetentionSetting } from './auditRetention.js';
import { auditRoutes } from './auditRoutes.js';
import { auditLifecycle } from './lifecycleAudit.js';
import { requestCause } from './requestCause.js';

export type { AuditLog, AuditRecord, Actor } from './auditLog.js';

/** The audit log: every sensitive action, recorded without values; read by admins. */
export function createAudit(d: { db: Db; events: EventLog; log: FastifyBaseLogger }) {
  const log = new AuditLog(d.db);
  // Sandbox transitions and runtime errors are told as events; each is an audit entry too.
  auditLifecycle(d.events, log, d.log);
  const admission = new AdmissionAudit(log);
  /** Before the routes: each request's caller as the cause of what it does; its refusals. */
  const requests: RouteInstaller = async (app) => {
    await app.register(requestCause, { admission });
  };
  const routes: RouteInstaller = async (app) => {
    await app.register(auditRoutes, { audit: log });
  };
  /** Removes entries past the retention the settings name, at start and every hour. */
  const retention = (settings: RetentionSetting, logger: FastifyBaseLogger) =>
    new AuditRetention(log, settings, logger);
  return { log, routes, requests, admission, retention };
}
