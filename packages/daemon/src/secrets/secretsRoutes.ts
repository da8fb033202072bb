import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SecretsRoutes } from '@paddock/shared';
import { actorOf, requireAdmin } from '../http/principal.js';
import type { EventLog } from '../events/eventLog.js';
import type { SecretsService } from './secretsService.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface SecretsRoutesOptions {
  audit: AuditLog;
  secrets: SecretsService;
  events: EventLog;
}

/** The master key's state and its rotation (admin only). The key itself is never shown. */
export const secretsRoutes: FastifyPluginAsyncTypebox<SecretsRoutesOptions> = async (app, opts) => {
  app.route({
    ...SecretsRoutes.status,
    handler: async (request) => {
      requireAdmin(request);
      return opts.secrets.status();
    },
  });

  app.route({
    ...SecretsRoutes.rotate,
    handler: async (request) => {
      const p = requireAdmin(request);
      const rotated = await opts.secrets.rotate(request.body.new_key);
      await opts.events.append({
        owner: p.owner,
        sandboxId: null,
        type: 'secrets.key_rotated',
        message: 'The secrets master key was rotated',
        payload: { key_id: rotated.key_id, rotated: rotated.rotated },
      });
      await opts.audit.record({
        actor: actorOf(request),
        action: 'secrets.key_rotated',
        details: { key_id: rotated.key_id, rotated: rotated.rotated },
      });
      return rotated;
    },
  });
};
