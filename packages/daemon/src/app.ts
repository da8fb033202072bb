import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppOriginServer } from '@paddock/app-origin';
import { createPreviewAwareServer, type PreviewProxy } from '@paddock/preview';
import { PaddockError, PTY_LIMITS } from '@paddock/shared';
import type { ConsoleHosts } from './http/consoleHosts.js';
import type { ControlPlane } from './http/controlPlane.js';
import { daemonStopping } from './http/daemonStopping.js';
import { installErrorHandler, renderFrameworkError } from './http/errorHandler.js';
import { installJsonBody } from './http/jsonBody.js';
import type { DaemonMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import type { Api, RouteInstaller } from './http/routes.js';
import { withApiHeaders } from './http/securityHeaders.js';
import { installValidation } from './http/validation.js';

export interface AppDeps {
  logger: FastifyInstance['log'] | boolean | object;
  metrics: DaemonMetrics;
  /** Who may read `/metrics` (throws to refuse). */
  metricsAccess: (request: FastifyRequest) => Promise<void>;
  preview: PreviewProxy;
  /** Answers every apps host (`{appId}.apps.<base>`): those requests never reach Fastify. */
  appOrigin: AppOriginServer;
  /** The hosts the console and the API answer on; any other gets 421. */
  hosts: ConsoleHosts;
  /** Sandboxes' `paddock.internal` listener: the same API, apart from the public one. */
  controlPlane: ControlPlane;
  /** Each feature's routes, in the order the OpenAPI document lists them. */
  routes: RouteInstaller[];
  /** Aborted when the daemon's drain deadline passes: open streams end themselves then. */
  stopping: AbortSignal;
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
    /** Aborted when a stopping daemon ends what is still open (see AppDeps.stopping). */
    stopping: AbortSignal;
  }
}

/** Assembles the HTTP API: each plugin owns its routes and schemas. */
export async function buildApp(deps: AppDeps): Promise<Api> {
  /** The API's upgrades (not previews', not apps hosts'): @fastify/websocket listens here. */
  const apiUpgrades = new EventEmitter();
  const app = Fastify({
    ...(typeof deps.logger === 'object' && 'child' in deps.logger
      ? { loggerInstance: deps.logger as FastifyInstance['log'] }
      : { logger: deps.logger as boolean }),
    bodyLimit: 10 * 1024 * 1024,
    // Long enough for any id we issue, short enough to refuse junk early (→ 414 uri_too_long).
    maxParamLength: 200,
    frameworkErrors: renderFrameworkError,
    // Refused below instead, in Paddock's error format (Fastify's own 503 body is not).
    return503OnClosing: false,
    genReqId: () => `req_${Math.random().toString(36).slice(2, 12)}`,
    // Preview hosts go to the preview proxy, apps hosts to the app origin server (the two
    // domains never overlap: createAppOrigins checks), the console's hosts to Fastify, with
    // the API's security headers, and any other host gets 421. Upgrades likewise: an apps
    // host takes none, and only the console's hosts reach the API's WebSocket routes.
    serverFactory: (handler) => {
      deps.controlPlane.serve(handler);
      const api = withApiHeaders(deps.hosts.wrap(handler));
      return createPreviewAwareServer(
        deps.appOrigin.wrap(api),
        deps.preview,
        (req, socket, head) => {
          if (deps.appOrigin.owns(req) || !deps.hosts.allows(req.headers.host))
            refuseUpgrade(socket);
          else apiUpgrades.emit('upgrade', req, socket, head);
        },
      );
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.decorate('stopping', deps.stopping);
  // A request that reaches a draining daemon (a kept-alive connection) starts nothing.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    throw daemonStopping('it takes no new request');
  });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of methods) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, documented: !hidden });
    }
  });
  installErrorHandler(app);
  installValidation(app);
  // WebSocket routes (`wsHandler`) go through the same hooks as any request (auth first);
  // an upgrade to any other route is a 404 rather than a socket opened and closed again.
  await app.register(websocket, {
    options: {
      server: apiUpgrades as unknown as http.Server,
      maxPayload: PTY_LIMITS.messageBytes,
    },
    // Open terminals are not closed as the drain starts (the plugin's default): like every
    // stream, they end at its deadline, with 1001 and a reason (sandboxes/ptyRoutes.ts).
    preClose: async function (this: FastifyInstance) {
      this.websocketServer.close();
    },
  });
  app.addHook('onRequest', async (request) => {
    if (request.ws && request.routeOptions.config.websocket !== true) {
      throw new PaddockError('route_not_found', 'no WebSocket at this path');
    }
  });
  installJsonBody(app);
  await registerOpenApi(app);
  deps.metrics.install(app, deps.metricsAccess);
  for (const install of deps.routes) await install(app);
  return app;
}

function refuseUpgrade(socket: Duplex): void {
  socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that answers WebSocket upgrades (with `wsHandler`). */
    websocket?: boolean;
  }
}
