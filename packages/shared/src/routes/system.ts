import { BackupQuerySchema, ProbeSchema, SystemInfoSchema } from '../api/system.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['system'] as const;

/** Health, readiness and the host. */
export const SystemRoutes = {
  health: {
    method: 'GET',
    url: '/healthz',
    schema: { tags, summary: 'Liveness', security: [], response: { 200: ProbeSchema } },
  },
  ready: {
    method: 'GET',
    url: '/readyz',
    schema: {
      tags,
      summary: 'Readiness: 200 once serving, 503 while draining',
      security: [],
      response: { 200: ProbeSchema, 503: ProbeSchema },
    },
  },
  info: {
    method: 'GET',
    url: '/v1/system',
    schema: {
      tags,
      summary: 'The daemon, its driver and the sandbox limits in force',
      response: { 200: SystemInfoSchema, ...errorResponses(401) },
    },
  },
  backup: {
    method: 'POST',
    url: '/v1/system/backup',
    schema: {
      tags,
      summary:
        'An online, consistent backup of the data dir as a tar.gz (admin): the database, keys, snapshots, filestores, userspace data',
      querystring: BackupQuerySchema,
      produces: ['application/gzip'],
      response: {
        200: { description: 'A tar.gz archive', content: { 'application/gzip': { schema: {} } } },
        ...errorResponses(400, 401, 403),
      },
    },
  },
} as const satisfies RouteTable;
