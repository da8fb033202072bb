import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { SandboxDriver, SandboxLimits } from '@paddock/shared';
import { createPreviewAwareServer, type PreviewProxy } from '@paddock/preview';
import { appRoutes } from './apps/appRoutes.js';
import type { AppService } from './apps/appService.js';
import { apiKeyRoutes } from './auth/apiKeyRoutes.js';
import { sessionRoutes } from './auth/sessionRoutes.js';
import type { SessionTokens } from './auth/sessionTokens.js';
import { consoleRoutes } from './console/consoleRoutes.js';
import { presetRoutes } from './runtime/presetRoutes.js';
import { processRoutes } from './runtime/processRoutes.js';
import type { RuntimeService } from './runtime/runtimeService.js';
import type { SandboxDetails } from './runtime/sandboxDetails.js';
import { appConfigRoutes } from './appConfig/appConfigRoutes.js';
import type { AuditLog } from './audit/auditLog.js';
import { auditRoutes } from './audit/auditRoutes.js';
import type { AppStore } from './apps/appStore.js';
import type { EgressPolicyStore } from './egress/egressPolicyStore.js';
import { egressRoutes } from './egress/egressRoutes.js';
import type { AppConfigService } from './appConfig/appConfigService.js';
import { secretsRoutes } from './secrets/secretsRoutes.js';
import type { SecretsService } from './secrets/secretsService.js';
import { snapshotRoutes } from './snapshots/snapshotRoutes.js';
import type { SnapshotService } from './snapshots/snapshotService.js';
import type { TaskLogs } from './tasks/taskLog.js';
import { taskRoutes } from './tasks/taskRoutes.js';
import type { TaskService } from './tasks/taskService.js';
import type { ApiKeyStore } from './auth/apiKeyStore.js';
import { authPlugin } from './auth/authPlugin.js';
import type { EventLog } from './events/eventLog.js';
import { installErrorHandler, renderFrameworkError } from './http/errorHandler.js';
import { installJsonBody } from './http/jsonBody.js';
import type { DaemonMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { installValidation } from './http/validation.js';
import { execRoutes } from './sandboxes/execRoutes.js';
import { manifestRoutes } from './runtime/manifestRoutes.js';
import { fileRoutes } from './sandboxes/fileRoutes.js';
import type { SandboxCredentials } from './sandboxes/sandboxCredentials.js';
import { sandboxRoutes } from './sandboxes/sandboxRoutes.js';
import type { ExecService } from './sandboxes/execService.js';
import { settingsRoutes } from './settings/settingsRoutes.js';
import type { SettingsStore } from './settings/settingsStore.js';
import type { SandboxService } from './sandboxes/sandboxService.js';
import { systemRoutes } from './system/systemRoutes.js';

export interface AppDeps {
  logger: FastifyInstance['log'] | boolean | object;
  adminToken: string;
  apiKeys: ApiKeyStore;
  events: EventLog;
  sandboxes: SandboxService;
  execs: ExecService;
  settings: SettingsStore;
  driver: SandboxDriver;
  metrics: DaemonMetrics;
  defaultLimits: SandboxLimits;
  maxLimits: SandboxLimits;
  isReady: () => boolean;
  sessions: SessionTokens;
  apps: AppService;
  runtime: RuntimeService;
  details: SandboxDetails;
  preview: PreviewProxy;
  /** The built console SPA. */
  consoleDir: string;
  tasks: TaskService;
  taskLogs: TaskLogs;
  snapshots: SnapshotService;
  config: AppConfigService;
  secrets: SecretsService;
  audit: AuditLog;
  credentials: SandboxCredentials;
  egressPolicies: EgressPolicyStore;
  appStore: AppStore;
}

/** One registered route, as the OpenAPI contract test compares it with the document. */
export interface RouteEntry {
  method: string;
  url: string;
  documented: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

/** Assembles the HTTP API: each plugin owns its routes and schemas. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(typeof deps.logger === 'object' && 'child' in deps.logger
      ? { loggerInstance: deps.logger as FastifyInstance['log'] }
      : { logger: deps.logger as boolean }),
    bodyLimit: 10 * 1024 * 1024,
    // Long enough for any id we issue, short enough to refuse junk early (→ 414 uri_too_long).
    maxParamLength: 200,
    frameworkErrors: renderFrameworkError,
    genReqId: () => `req_${Math.random().toString(36).slice(2, 12)}`,
    serverFactory: (handler) => createPreviewAwareServer(handler, deps.preview),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.decorate('audit', deps.audit);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of methods) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, documented: !hidden });
    }
  });
  installErrorHandler(app);
  installValidation(app);
  installJsonBody(app);
  await registerOpenApi(app);
  deps.metrics.install(app);
  await app.register(systemRoutes, {
    driver: deps.driver,
    defaultLimits: deps.defaultLimits,
    maxLimits: deps.maxLimits,
    isReady: deps.isReady,
  });
  await app.register(authPlugin, {
    apiKeys: deps.apiKeys,
    adminToken: deps.adminToken,
    sessions: deps.sessions,
    sandboxToken: async (token) => {
      const found = await deps.credentials.check(token);
      return (
        found && {
          owner: found.row.owner_id,
          sandboxId: found.row.id,
          scopes: found.claims.scopes,
        }
      );
    },
  });
  await app.register(sessionRoutes, {
    apiKeys: deps.apiKeys,
    adminToken: deps.adminToken,
    sessions: deps.sessions,
  });
  await app.register(apiKeyRoutes, { apiKeys: deps.apiKeys, events: deps.events });
  await app.register(sandboxRoutes, {
    sandboxes: deps.sandboxes,
    events: deps.events,
    settings: deps.settings,
    details: deps.details,
    snapshotFiller: (owner, id) => deps.snapshots.filler(owner, id),
  });
  await app.register(settingsRoutes, { settings: deps.settings, events: deps.events });
  await app.register(execRoutes, { sandboxes: deps.sandboxes, execs: deps.execs });
  await app.register(fileRoutes, {
    sandboxes: deps.sandboxes,
    onChange: (row, paths) => deps.runtime.workspaceChanged(row, paths),
  });
  await app.register(manifestRoutes);
  await app.register(presetRoutes);
  await app.register(appRoutes, { apps: deps.apps, details: deps.details });
  await app.register(processRoutes, { sandboxes: deps.sandboxes, runtime: deps.runtime });
  await app.register(taskRoutes, { tasks: deps.tasks, logs: deps.taskLogs });
  await app.register(snapshotRoutes, { snapshots: deps.snapshots });
  await app.register(appConfigRoutes, { config: deps.config });
  await app.register(secretsRoutes, { secrets: deps.secrets, events: deps.events });
  await app.register(auditRoutes, { audit: deps.audit });
  await app.register(egressRoutes, {
    policies: deps.egressPolicies,
    apps: deps.appStore,
    sandboxes: deps.sandboxes,
  });
  await app.register(consoleRoutes, { distDir: deps.consoleDir });
  return app;
}
