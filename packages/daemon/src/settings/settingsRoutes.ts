import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SettingsRoutes } from '@paddock/shared';
import { actorOf, requireAdmin, requirePrincipal } from '../http/principal.js';
import type { EventLog } from '../events/eventLog.js';
import type { SettingsStore } from './settingsStore.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface SettingsRoutesOptions {
  audit: AuditLog;
  settings: SettingsStore;
  events: EventLog;
}

export const settingsRoutes: FastifyPluginAsyncTypebox<SettingsRoutesOptions> = async (
  app,
  opts,
) => {
  app.route({
    ...SettingsRoutes.get,
    handler: async (request) => {
      requirePrincipal(request);
      return opts.settings.view();
    },
  });
  app.route({
    ...SettingsRoutes.patch,
    handler: async (request) => {
      const p = requireAdmin(request);
      const before = opts.settings.get();
      const after = await opts.settings.update(request.body);
      await opts.events.append({
        owner: p.owner,
        sandboxId: null,
        type: 'settings.changed',
        message: `Settings changed: ${Object.keys(request.body).join(', ')}`,
        payload: { before, after, by: p.keyId },
      });
      await opts.audit.record({
        actor: actorOf(request),
        action: 'settings.changed',
        details: { keys: Object.keys(request.body) },
      });
      return opts.settings.view();
    },
  });
};
