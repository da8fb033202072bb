import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { SandboxDriver, SandboxLimits } from '@paddock/shared';
import { apiKeyRoutes } from './auth/apiKeyRoutes.js';
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
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
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
  await app.register(authPlugin, { apiKeys: deps.apiKeys, adminToken: deps.adminToken });
  await app.register(systemRoutes, {
    driver: deps.driver,
    defaultLimits: deps.defaultLimits,
    maxLimits: deps.maxLimits,
    isReady: deps.isReady,
  });
  await app.register(apiKeyRoutes, { apiKeys: deps.apiKeys, events: deps.events });
  await app.register(sandboxRoutes, {
    sandboxes: deps.sandboxes,
    events: deps.events,
    settings: deps.settings,
  });
  await app.register(settingsRoutes, { settings: deps.settings, events: deps.events });
  await app.register(execRoutes, { sandboxes: deps.sandboxes, execs: deps.execs });
  await app.register(fileRoutes, { sandboxes: deps.sandboxes });
  await app.register(manifestRoutes);
  return app;
}
