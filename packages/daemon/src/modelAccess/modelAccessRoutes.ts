import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ModelAccessRoutes } from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import { actorOf, requireAdmin } from '../http/principal.js';
import type { ModelAccess } from './modelAccess.js';

/** The admin's view of the model API apps reach; its key goes in and never comes out. */
export const modelAccessRoutes: FastifyPluginAsyncTypebox<{
  access: ModelAccess;
  audit: AuditLog;
}> = async (app, { access, audit }) => {
  const record = (request: Parameters<typeof actorOf>[0], action: string) =>
    audit.record({
      actor: actorOf(request),
      action,
      target: { type: 'instance', id: 'model-access' },
    });

  app.route({
    ...ModelAccessRoutes.get,
    handler: async (request) => {
      requireAdmin(request);
      return access.view();
    },
  });
  app.route({
    ...ModelAccessRoutes.put,
    handler: async (request) => {
      requireAdmin(request);
      const view = await access.set(request.body);
      await record(request, 'model_access.set');
      return view;
    },
  });
  app.route({
    ...ModelAccessRoutes.delete,
    handler: async (request) => {
      requireAdmin(request);
      const view = await access.clear();
      await record(request, 'model_access.cleared');
      return view;
    },
  });
};
