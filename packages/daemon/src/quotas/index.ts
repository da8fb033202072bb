import type { AuditLog } from '../audit/auditLog.js';
import type { RouteInstaller } from '../http/routes.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { Db } from '../store/database.js';
import { OwnerQuotas } from './ownerQuotas.js';
import { quotaRoutes } from './quotaRoutes.js';
import { QuotaStore } from './quotaStore.js';
import { SandboxAdmission } from './sandboxAdmission.js';

export type { OwnerQuotas } from './ownerQuotas.js';
export type { SandboxAdmission, Admitted, AdmissionAsk } from './sandboxAdmission.js';

/**
 * Per-owner quotas: the limits (default settings, admin overrides), their admin API, and the
 * admission of sandbox creates and starts. Snapshots and filestores ask `quotas` for theirs.
 */
export async function createQuotas(d: { db: Db; settings: SettingsStore; audit: AuditLog }) {
  const store = new QuotaStore(d.db);
  const quotas = new OwnerQuotas(store, d.settings);
  await quotas.load();
  const admission = new SandboxAdmission(quotas, store);
  const routes: RouteInstaller = async (app) => {
    await app.register(quotaRoutes, { quotas, audit: d.audit });
  };
  return { quotas, admission, routes };
}
