import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type SandboxDriver, type SandboxLimits, SystemRoutes } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { API_VERSION } from '../http/openapi.js';

export interface SystemRoutesOptions {
  driver: SandboxDriver;
  defaultLimits: SandboxLimits;
  maxLimits: SandboxLimits;
  /** False while the daemon drains at shutdown. */
  isReady: () => boolean;
}

export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesOptions> = async (app, opts) => {
  app.route({
    ...SystemRoutes.health,
    handler: async () => ({ status: 'ok' }),
  });
  app.route({
    ...SystemRoutes.ready,
    handler: async (_request, reply) =>
      opts.isReady() ? { status: 'ready' } : reply.code(503).send({ status: 'draining' }),
  });
  app.route({
    ...SystemRoutes.info,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const driver = opts.driver.describe();
      return {
        version: API_VERSION,
        // Host paths and versions are for admins; other owners learn only what kind of host it is.
        driver: p.role === 'admin' ? driver : { ...driver, details: {} },
        default_limits: opts.defaultLimits,
        max_limits: opts.maxLimits,
        owner: p.owner,
        role: p.role,
      };
    },
  });
};
