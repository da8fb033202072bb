import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RotateKeyBody, RotatedKey, SecretsStatusSchema } from '@paddock/shared';
import { actorOf, requireAdmin } from '../http/principal.js';
import type { EventLog } from '../events/eventLog.js';
import { errorResponses } from '../http/errorResponses.js';
import type { SecretsService } from './secretsService.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface SecretsRoutesOptions {
  audit: AuditLog;
  secrets: SecretsService;
  events: EventLog;
}

/** The master key's state and its rotation (admin only). The key itself is never shown. */
export const secretsRoutes: FastifyPluginAsyncTypebox<SecretsRoutesOptions> = async (app, opts) => {
  const tags = ['system'];

  app.get(
    '/v1/system/secrets',
    {
      schema: {
        tags,
        summary: 'The master key fingerprint and how many stored secrets it opens (admin)',
        response: { 200: SecretsStatusSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      requireAdmin(request);
      return opts.secrets.status();
    },
  );

  app.post(
    '/v1/system/secrets/rotate',
    {
      schema: {
        tags,
        summary: 'Re-encrypt every secret with a new master key, in one transaction (admin)',
        body: RotateKeyBody,
        response: { 200: RotatedKey, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
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
  );
};
