import type { AuditLog } from '../audit/auditLog.js';
import type { RouteInstaller } from '../http/routes.js';
import type { SecretsService } from '../secrets/index.js';
import type { Db } from '../store/database.js';
import type { ModelNetwork } from './anthropicMessages.js';
import { ModelAccess } from './modelAccess.js';
import { modelAccessRoutes } from './modelAccessRoutes.js';

export type { ModelAccess } from './modelAccess.js';

/** The model API `app.llm` calls: set by an admin, its key sealed with the master key. */
export function createModelAccess(d: {
  db: Db;
  secrets: SecretsService;
  audit: AuditLog;
  network: ModelNetwork;
}) {
  const access = new ModelAccess(d);
  const routes: RouteInstaller = async (app) => {
    await app.register(modelAccessRoutes, { access, audit: d.audit });
  };
  return { access, routes };
}
