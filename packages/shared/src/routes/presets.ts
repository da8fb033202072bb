import { PresetList } from '../api/apps.js';
import { DependencyUpdateBody, DependencyUpdateReport } from '../api/dependencyUpdates.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

/** The presets an app can start from, and updates of their dependencies. */
export const PresetRoutes = {
  list: {
    method: 'GET',
    url: '/v1/presets',
    schema: {
      tags: ['apps'],
      summary: 'The presets an app can start from',
      response: { 200: PresetList, ...errorResponses(401) },
    },
  },
  update: {
    method: 'POST',
    url: '/v1/presets/update',
    schema: {
      tags: ['apps'],
      summary:
        "Rebuild the presets' and agent CLIs' dependency caches from the pinned lockfiles and move each app whose lockfile allows it to its preset's current one (admin)",
      description:
        'Waits until done. An app is moved when its package.json declares what its preset declares (now, or in an earlier version still in the cache); see docs/upgrading.md. A move takes effect at the next start of the app.',
      body: DependencyUpdateBody,
      response: { 200: DependencyUpdateReport, ...errorResponses(400, 401, 403, 409) },
    },
  },
} as const satisfies RouteTable;
