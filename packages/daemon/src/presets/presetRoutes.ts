import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PRESETS } from '@paddock/presets';
import { PresetRoutes } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';

export const presetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const items = PRESETS.map((p) => ({
    name: p.name,
    title: p.title,
    description: p.description,
    web: p.manifest.web !== undefined,
  }));
  app.route({
    ...PresetRoutes.list,
    handler: async (request) => {
      requirePrincipal(request);
      return { items };
    },
  });
};
