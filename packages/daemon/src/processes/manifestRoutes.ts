import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseManifest } from '@paddock/manifest';
import { RuntimeRoutes } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';

/** The runtime manifest (`sandbox.yaml`) checked without a sandbox. */
export const manifestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    ...RuntimeRoutes.validateManifest,
    handler: async (request) => {
      requirePrincipal(request);
      return parseManifest(request.body.content);
    },
  });
};
