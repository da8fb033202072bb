import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Broker } from '@paddock/broker';
import { BROKER_LIMITS, BrokerRoutes, PaddockError, type AppDataUsage } from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import { actorOf, requirePrincipal } from '../http/principal.js';
import { callerOf } from '../userspace/index.js';
import type { UserspaceService } from '../userspace/userspaceService.js';
import type { AppData } from './appData.js';
import type { BrokerCallers } from './brokerCallers.js';
import type { NotificationStore } from './notifications.js';

export interface BrokerRoutesOptions {
  broker: Broker;
  callers: BrokerCallers;
  appData: AppData;
  notifications: NotificationStore;
  userspace: UserspaceService;
  audit: AuditLog;
}

export const brokerRoutes: FastifyPluginAsyncTypebox<BrokerRoutesOptions> = async (app, opts) => {
  const { broker, callers, appData, notifications } = opts;

  app.route({
    ...BrokerRoutes.call,
    // A file of BROKER_LIMITS.fileBytes in base64, with room for the rest of the call.
    bodyLimit: Math.ceil(BROKER_LIMITS.fileBytes / 3) * 4 + 64 * 1024,
    handler: async (request) => {
      const caller = await callers.resolve(request).catch(async (err: unknown) => {
        // A call that speaks for no app never reaches the broker: audited here.
        if (err instanceof PaddockError) {
          await opts.audit
            .record({
              actor: actorOf(request),
              action: 'broker.call',
              outcome: 'denied',
              details: { method: request.body.method, code: err.code, via: null },
            })
            .catch(() => undefined);
        }
        throw err;
      });
      const result = await broker.call(caller, request.body.method, request.body.params);
      return { result };
    },
  });

  app.route({
    ...BrokerRoutes.usage,
    handler: async (request): Promise<AppDataUsage> => {
      const row = await opts.userspace.row(callerOf(request), request.params.id);
      const usage = await appData.rows.usage(row.id);
      return { app_id: row.id, ...usage, quota_bytes: appData.quotaOf() };
    },
  });

  app.route({
    ...BrokerRoutes.notifications,
    handler: async (request) => notifications.list(requirePrincipal(request).owner, request.query),
  });

  app.route({
    ...BrokerRoutes.readNotification,
    handler: async (request) =>
      notifications.markRead(requirePrincipal(request).owner, request.params.id),
  });
};
