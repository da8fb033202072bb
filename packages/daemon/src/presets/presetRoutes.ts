import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PRESETS, type DependencyCache } from '@paddock/presets';
import { PresetRoutes, type Preset } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';

export const presetRoutes: FastifyPluginAsyncTypebox<{ cache: DependencyCache }> = async (
  app,
  opts,
) => {
  app.route({
    ...PresetRoutes.list,
    handler: async (request) => {
      requirePrincipal(request);
      // The cache state is read on each call: the first app of a preset fills it.
      const items: Preset[] = PRESETS.map((p) => ({
        name: p.name,
        title: p.title,
        description: p.description,
        web: p.manifest.web !== undefined,
        dependencies:
          p.dependencies !== 'npm' ? 'none' : opts.cache.has(p.name) ? 'cached' : 'not_installed',
      }));
      return { items };
    },
  });
};
