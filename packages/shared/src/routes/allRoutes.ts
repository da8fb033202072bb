import { AppConfigRoutes } from './appConfig.js';
import { AppRoutes } from './apps.js';
import { AuditRoutes } from './audit.js';
import { BrokerRoutes } from './broker.js';
import { ApiKeyRoutes, SessionRoutes } from './auth.js';
import { EgressRoutes } from './egress.js';
import { ExecRoutes } from './exec.js';
import { FileRoutes } from './files.js';
import { FilestoreRoutes } from './filestores.js';
import { McpRoutes } from './mcp.js';
import { ModelAccessRoutes } from './modelAccess.js';
import { PresetRoutes } from './presets.js';
import { ProcessRoutes } from './processes.js';
import { PtyRoutes } from './pty.js';
import { QuotaRoutes } from './quotas.js';
import type { RouteContract } from './routeContract.js';
import { RuntimeRoutes } from './runtime.js';
import { SandboxRoutes } from './sandboxes.js';
import { SecretsRoutes } from './secrets.js';
import { SettingsRoutes } from './settings.js';
import { SnapshotRoutes } from './snapshots.js';
import { SystemRoutes } from './system.js';
import { TaskRoutes } from './tasks.js';
import { UserspaceAppRoutes } from './userspaceApps.js';

/**
 * Every route of the HTTP API, by feature and name (`ROUTES.tasks.create`), in the order the
 * daemon installs them. The daemon serves exactly these (a test compares them with its OpenAPI
 * document); the SDK takes its types from them.
 */
export const ROUTES = {
  system: SystemRoutes,
  session: SessionRoutes,
  apiKeys: ApiKeyRoutes,
  sandboxes: SandboxRoutes,
  exec: ExecRoutes,
  pty: PtyRoutes,
  files: FileRoutes,
  settings: SettingsRoutes,
  quotas: QuotaRoutes,
  runtime: RuntimeRoutes,
  processes: ProcessRoutes,
  presets: PresetRoutes,
  apps: AppRoutes,
  tasks: TaskRoutes,
  snapshots: SnapshotRoutes,
  appConfig: AppConfigRoutes,
  secrets: SecretsRoutes,
  audit: AuditRoutes,
  egress: EgressRoutes,
  userspaceApps: UserspaceAppRoutes,
  broker: BrokerRoutes,
  modelAccess: ModelAccessRoutes,
  filestores: FilestoreRoutes,
  mcp: McpRoutes,
} as const;

/** Every contract in `ROUTES`, as one list. */
export function allRoutes(): RouteContract[] {
  return Object.values(ROUTES).flatMap((table) => Object.values(table));
}
