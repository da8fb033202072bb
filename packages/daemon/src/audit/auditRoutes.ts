import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { AuditPage, AuditQuery } from '@paddock/shared';
import { requireAdmin } from '../http/principal.js';
import { errorResponses } from '../http/errorResponses.js';
import type { AuditLog } from './auditLog.js';

export interface AuditRoutesOptions {
  audit: AuditLog;
}

/** Reading the audit log (admin only); there is no route that writes or deletes it. */
export const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesOptions> = async (app, opts) => {
  const tags = ['audit'];

  app.get(
    '/v1/audit',
    {
      schema: {
        tags,
        summary: 'Audit log entries, newest first, filtered and paged (admin)',
        querystring: AuditQuery,
        response: { 200: AuditPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      requireAdmin(request);
      return opts.audit.list(request.query);
    },
  );

  app.get(
    '/v1/audit/export',
    {
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
    async (request, reply) => {
      requireAdmin(request);
      const { cursor: _cursor, limit: _limit, ...filters } = request.query;
      reply.header('content-type', 'application/x-ndjson');
      return reply.send(Readable.from(opts.audit.exportLines(filters)));
    },
  );
};
