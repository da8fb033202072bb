import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PresetRoutes } from '@paddock/shared';
import { requireAdmin } from '../http/principal.js';
import type { DependencyUpdates } from './dependencyUpdate.js';

export const dependencyUpdateRoutes: FastifyPluginAsyncTypebox<{
  updates: DependencyUpdates;
}> = async (app, opts) => {
  app.route({
    ...PresetRoutes.update,
    handler: async (request) => {
      requireAdmin(request);
      return opts.updates.update({
        dryRun: request.body.dry_run === true,
        prune: request.body.prune === true,
      });
    },
  });
};
