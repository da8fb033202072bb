import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { QuotaRoutes } from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import { actorOf, requireAdmin } from '../http/principal.js';
import type { OwnerQuotas } from './ownerQuotas.js';

export interface QuotaRoutesOptions {
  quotas: OwnerQuotas;
  audit: AuditLog;
}

/** The admin's view of every owner's quotas, and the overrides it sets. */
export const quotaRoutes: FastifyPluginAsyncTypebox<QuotaRoutesOptions> = async (app, opts) => {
  app.route({
    ...QuotaRoutes.list,
    handler: async (request) => {
      requireAdmin(request);
      return { items: await opts.quotas.list() };
    },
  });
  app.route({
    ...QuotaRoutes.get,
    handler: async (request) => {
      requireAdmin(request);
      return opts.quotas.view(request.params.owner);
    },
  });
  app.route({
    ...QuotaRoutes.patch,
    handler: async (request) => {
      requireAdmin(request);
      const { owner } = request.params;
      await opts.quotas.patch(owner, request.body);
      await opts.audit.record({
        actor: actorOf(request),
        action: 'quotas.changed',
        details: { owner, keys: Object.keys(request.body) },
      });
      return opts.quotas.view(owner);
    },
  });
  app.route({
    ...QuotaRoutes.clear,
    handler: async (request) => {
      requireAdmin(request);
      const { owner } = request.params;
      await opts.quotas.clear(owner);
      await opts.audit.record({
        actor: actorOf(request),
        action: 'quotas.cleared',
        details: { owner },
      });
      return opts.quotas.view(owner);
    },
  });
};
