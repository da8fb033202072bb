import {
  ConfigEntrySchema,
  ConfigKeyParams,
  ConfigList,
  CreateConfigBody,
  PatchConfigBody,
} from '../api/appConfig.js';
import { AppIdParams } from '../api/apps.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['config'] as const;

/** An app's config and secrets. Sensitive values go in and never come out. */
export const AppConfigRoutes = {
  set: {
    method: 'POST',
    url: '/v1/apps/:id/config',
    schema: {
      tags,
      summary:
        'Set a config value; sensitive ones are sealed (AES-256-GCM) and can never be read back',
      params: AppIdParams,
      body: CreateConfigBody,
      response: { 201: ConfigEntrySchema, ...errorResponses(400, 401, 404, 409, 503) },
    },
  },
  list: {
    method: 'GET',
    url: '/v1/apps/:id/config',
    schema: {
      tags,
      summary: "An app's config: values of plain entries, value_set for sensitive ones",
      params: AppIdParams,
      response: { 200: ConfigList, ...errorResponses(401, 404) },
    },
  },
  patch: {
    method: 'PATCH',
    url: '/v1/apps/:id/config/:key',
    schema: {
      tags,
      summary: 'Change a value, its access policy or its injection rule',
      params: ConfigKeyParams,
      body: PatchConfigBody,
      response: { 200: ConfigEntrySchema, ...errorResponses(400, 401, 404, 503) },
    },
  },
  delete: {
    method: 'DELETE',
    url: '/v1/apps/:id/config/:key',
    schema: {
      tags,
      summary: 'Delete a config value',
      params: ConfigKeyParams,
      response: {
        204: { type: 'null', description: 'Deleted' },
        ...errorResponses(401, 404),
      },
    },
  },
} as const satisfies RouteTable;
