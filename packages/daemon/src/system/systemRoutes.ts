import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type SandboxDriver, type SandboxLimits, SystemRoutes } from '@paddock/shared';
import type { MasterKey } from '@paddock/keys';
import { requireAdmin, requirePrincipal } from '../http/principal.js';
import { API_VERSION } from '../http/openapi.js';
import { backupArchive } from './backupArchive.js';

export interface SystemRoutesOptions {
  driver: SandboxDriver;
  defaultLimits: SandboxLimits;
  maxLimits: SandboxLimits;
  /** False while the daemon drains at shutdown. */
  isReady: () => boolean;
  dataDir: string;
  /** The secrets master key in use: its id goes into a backup's manifest. */
  secretsKey: () => MasterKey;
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
  app.route({
    ...SystemRoutes.backup,
    handler: async (request, reply) => {
      requireAdmin(request);
      const stream = await backupArchive({
        dataDir: opts.dataDir,
        key: opts.secretsKey(),
        includeKey: request.query.include_key === true,
      });
      const name = `paddock-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(stream);
    },
  });
};
