import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { AuditRoutes } from '@paddock/shared';
import { requireAdmin } from '../http/principal.js';
import type { AuditLog } from './auditLog.js';

export interface AuditRoutesOptions {
  audit: AuditLog;
}

/** Reading the audit log (admin only); there is no route that writes or deletes it. */
export const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesOptions> = async (app, opts) => {
  app.route({
    ...AuditRoutes.list,
    handler: async (request) => {
      requireAdmin(request);
      return opts.audit.list(request.query);
    },
  });

  app.route({
    ...AuditRoutes.export,
    handler: async (request, reply) => {
      requireAdmin(request);
      const { cursor: _cursor, limit: _limit, ...filters } = request.query;
      reply.header('content-type', 'application/x-ndjson');
      return reply.send(Readable.from(opts.audit.exportLines(filters)));
    },
  });
};
