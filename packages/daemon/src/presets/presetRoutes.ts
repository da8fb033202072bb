import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PRESETS } from '@paddock/presets';
import { PresetList } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { errorResponses } from '../http/errorResponses.js';

export const presetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const items = PRESETS.map((p) => ({
    name: p.name,
    title: p.title,
    description: p.description,
    web: p.manifest.web !== undefined,
  }));
  app.get(
    '/v1/presets',
    {
      schema: {
        tags: ['apps'],
        summary: 'The presets an app can start from',
        response: { 200: PresetList, ...errorResponses(401) },
      },
    },
    async (request) => {
      requirePrincipal(request);
      return { items };
    },
  );
};
