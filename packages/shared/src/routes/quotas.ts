import {
  OwnerParams,
  OwnerQuotasList,
  OwnerQuotasSchema,
  PatchOwnerQuotasBody,
} from '../api/quotas.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['quotas'] as const;

/** Per-owner quotas (admin): the limits in force, what each owner uses, and overrides. */
export const QuotaRoutes = {
  list: {
    method: 'GET',
    url: '/v1/owners',
    schema: {
      tags,
      summary: 'Every known owner with its quotas and usage (admin)',
      response: { 200: OwnerQuotasList, ...errorResponses(401, 403) },
    },
  },
  get: {
    method: 'GET',
    url: '/v1/owners/:owner/quotas',
    schema: {
      tags,
      summary:
        "An owner's quotas in force (default setting or override) and its usage (admin); an unknown owner has the defaults",
      params: OwnerParams,
      response: { 200: OwnerQuotasSchema, ...errorResponses(400, 401, 403) },
    },
  },
  patch: {
    method: 'PATCH',
    url: '/v1/owners/:owner/quotas',
    schema: {
      tags,
      summary: "Set or clear (null) some of an owner's quota overrides (admin)",
      params: OwnerParams,
      body: PatchOwnerQuotasBody,
      response: { 200: OwnerQuotasSchema, ...errorResponses(400, 401, 403) },
    },
  },
  clear: {
    method: 'DELETE',
    url: '/v1/owners/:owner/quotas',
    schema: {
      tags,
      summary: 'Clear every quota override of an owner: the defaults apply again (admin)',
      params: OwnerParams,
      response: { 200: OwnerQuotasSchema, ...errorResponses(400, 401, 403) },
    },
  },
} as const satisfies RouteTable;
