import { PresetList } from '../api/apps.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

/** The presets an app can start from. */
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
} as const satisfies RouteTable;
