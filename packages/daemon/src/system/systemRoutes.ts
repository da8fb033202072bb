import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LimitsSchema, type SandboxDriver, type SandboxLimits } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { errorResponses } from '../http/errorResponses.js';
import { API_VERSION } from '../http/openapi.js';

export interface SystemRoutesOptions {
  driver: SandboxDriver;
  defaultLimits: SandboxLimits;
  maxLimits: SandboxLimits;
  /** False while the daemon drains at shutdown. */
  isReady: () => boolean;
}

const Probe = Type.Object({ status: Type.String() });

export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesOptions> = async (app, opts) => {
  const tags = ['system'];
  app.get(
    '/healthz',
    { schema: { tags, summary: 'Liveness', security: [], response: { 200: Probe } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Readiness: 200 once serving, 503 while draining',
        security: [],
        response: { 200: Probe, 503: Probe },
      },
    },
    async (_request, reply) =>
      opts.isReady() ? { status: 'ready' } : reply.code(503).send({ status: 'draining' }),
  );
  app.get(
    '/v1/system',
    {
      schema: {
        tags,
        summary: 'The daemon, its driver and the sandbox limits in force',
        response: {
          200: Type.Object({
            version: Type.String(),
            driver: Type.Object({
              driver: Type.String(),
              cgroup: Type.String(),
              details: Type.Record(
                Type.String(),
                Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
              ),
            }),
            default_limits: LimitsSchema,
            max_limits: LimitsSchema,
            owner: Type.String(),
            role: Type.String(),
          }),
          ...errorResponses(401),
        },
      },
    },
    async (request) => {
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
  );
};
