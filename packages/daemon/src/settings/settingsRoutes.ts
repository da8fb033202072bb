import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PatchSettingsBody, SettingsSchema } from '@paddock/shared';
import { actorOf, requireAdmin, requirePrincipal } from '../http/principal.js';
import type { EventLog } from '../events/eventLog.js';
import { errorResponses } from '../http/errorResponses.js';
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
  const tags = ['settings'];
  app.get(
    '/v1/settings',
    {
      schema: {
        tags,
        summary: 'The lifecycle settings in force',
        response: { 200: SettingsSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      requirePrincipal(request);
      return opts.settings.get();
    },
  );
  app.patch(
    '/v1/settings',
    {
      schema: {
        tags,
        summary:
          'Change lifecycle settings (admin); applied at once and persisted; other keys are 400',
        body: PatchSettingsBody,
        response: { 200: SettingsSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
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
      return after;
    },
  );
};
