import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { AppConfigRoutes } from '@paddock/shared';
import { actorOf, requirePrincipal } from '../http/principal.js';
import type { AppConfigService } from './appConfigService.js';
import { configView } from './appConfigStore.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface AppConfigRoutesOptions {
  audit: AuditLog;
  config: AppConfigService;
}

/** An app's config and secrets. Sensitive values go in and never come out. */
export const appConfigRoutes: FastifyPluginAsyncTypebox<AppConfigRoutesOptions> = async (
  app,
  opts,
) => {
  const { config } = opts;
  // The key and whether it is sensitive; never the value.
  const audited = (
    request: FastifyRequest,
    action: string,
    appId: string,
    key: string,
    sensitive: boolean | null,
  ) =>
    opts.audit.record({
      actor: actorOf(request),
      action,
      target: { type: 'app', id: appId },
      details: { key, sensitive },
    });

  app.route({
    ...AppConfigRoutes.set,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await config.create(p.owner, request.params.id, request.body);
      await audited(request, 'config.set', request.params.id, row.key, row.sensitive === 1);
      return reply.code(201).send(configView(row));
    },
  });

  app.route({
    ...AppConfigRoutes.list,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return { items: (await config.list(p.owner, request.params.id)).map(configView) };
    },
  });

  app.route({
    ...AppConfigRoutes.patch,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const { id, key } = request.params;
      const row = await config.patch(p.owner, id, key, request.body);
      await audited(request, 'config.updated', id, key, row.sensitive === 1);
      return configView(row);
    },
  });

  app.route({
    ...AppConfigRoutes.delete,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      await config.delete(p.owner, request.params.id, request.params.key);
      await audited(request, 'config.deleted', request.params.id, request.params.key, null);
      return reply.code(204).send(null);
    },
  });
};
