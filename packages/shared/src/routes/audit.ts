import { AuditPage, AuditQuery } from '../api/audit.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['audit'] as const;

/** Reading the audit log (admin only); there is no route that writes or deletes it. */
export const AuditRoutes = {
  list: {
    method: 'GET',
    url: '/v1/audit',
    schema: {
      tags,
      summary: 'Audit log entries, newest first, filtered and paged (admin)',
      querystring: AuditQuery,
      response: { 200: AuditPage, ...errorResponses(400, 401, 403) },
    },
  },
  export: {
    method: 'GET',
    url: '/v1/audit/export',
    schema: {
      tags,
      summary: 'Every matching entry as JSON lines, oldest first (admin)',
      querystring: AuditQuery,
      produces: ['application/x-ndjson'],
      response: {
        200: {
          description: 'One entry per line',
          content: { 'application/x-ndjson': { schema: {} } },
        },
        ...errorResponses(400, 401, 403),
      },
    },
  },
} as const satisfies RouteTable;
