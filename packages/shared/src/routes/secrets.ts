import { RotateKeyBody, RotatedKey, SecretsStatusSchema } from '../api/appConfig.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['system'] as const;

/** The master key's state and its rotation (admin only). The key itself is never shown. */
export const SecretsRoutes = {
  status: {
    method: 'GET',
    url: '/v1/system/secrets',
    schema: {
      tags,
      summary: 'The master key fingerprint and how many stored secrets it opens (admin)',
      response: { 200: SecretsStatusSchema, ...errorResponses(401, 403) },
    },
  },
  rotate: {
    method: 'POST',
    url: '/v1/system/secrets/rotate',
    schema: {
      tags,
      summary: 'Re-encrypt every secret with a new master key, in one transaction (admin)',
      body: RotateKeyBody,
      response: { 200: RotatedKey, ...errorResponses(400, 401, 403, 503) },
    },
  },
} as const satisfies RouteTable;
