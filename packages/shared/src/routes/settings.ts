import { PatchSettingsBody, SettingsViewSchema } from '../api/settings.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['settings'] as const;

/** The run-time settings: read them, and change them (admin). */
export const SettingsRoutes = {
  get: {
    method: 'GET',
    url: '/v1/settings',
    schema: {
      tags,
      summary: 'The lifecycle settings in force',
      response: { 200: SettingsViewSchema, ...errorResponses(401) },
    },
  },
  patch: {
    method: 'PATCH',
    url: '/v1/settings',
    schema: {
      tags,
      summary:
        'Change lifecycle settings (admin); applied at once and persisted; other keys are 400',
      body: PatchSettingsBody,
      response: { 200: SettingsViewSchema, ...errorResponses(400, 401, 403) },
    },
  },
} as const satisfies RouteTable;
