import type { FastifyBaseLogger } from 'fastify';
import type { RouteInstaller } from '../http/routes.js';
import type { Db } from '../store/database.js';
import { AuditLog } from './auditLog.js';
import { AuditRetention, type RetentionSetting } from './auditRetention.js';
import { auditRoutes } from './auditRoutes.js';

export type { AuditLog, AuditRecord, Actor } from './auditLog.js';

/** The audit log: every sensitive action, recorded without values; read by admins. */
export function createAudit(d: { db: Db }) {
  const log = new AuditLog(d.db);
  const routes: RouteInstaller = async (app) => {
    await app.register(auditRoutes, { audit: log });
  };
  /** Removes entries past the retention the settings name, at start and every hour. */
  const retention = (settings: RetentionSetting, logger: FastifyBaseLogger) =>
    new AuditRetention(log, settings, logger);
  return { log, routes, retention };
}
