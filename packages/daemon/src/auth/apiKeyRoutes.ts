import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiKeyRoutes, PaddockError } from '@paddock/shared';
import { actorOf, requirePrincipal } from '../http/principal.js';
import type { ApiKeyStore } from './apiKeyStore.js';
import type { EventLog } from '../events/eventLog.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface ApiKeyRoutesOptions {
  audit: AuditLog;
  apiKeys: ApiKeyStore;
  events: EventLog;
}

export const apiKeyRoutes: FastifyPluginAsyncTypebox<ApiKeyRoutesOptions> = async (app, opts) => {
  app.route({
    ...ApiKeyRoutes.create,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const owner = request.body.owner ?? p.owner;
      const role = request.body.role ?? 'user';
      if (p.role !== 'admin' && (owner !== p.owner || role === 'admin')) {
        throw new PaddockError(
          'forbidden',
          'only an admin may create keys for another owner or admin keys',
        );
      }
      // An agent's changes are recorded as an agent's: it may not mint itself a user's key.
      if (p.role === 'agent' && role !== 'agent') {
        throw new PaddockError('forbidden', 'an agent key may only create agent keys');
      }
      const created = await opts.apiKeys.create({ owner, name: request.body.name, role });
      await opts.events.append({
        owner,
        sandboxId: null,
        type: 'api_key.created',
        message: `API key ${created.key.id} created`,
        payload: { key_id: created.key.id, by: p.keyId, role },
      });
      await opts.audit.record({
        actor: actorOf(request),
        action: 'api_key.created',
        target: { type: 'api_key', id: created.key.id },
        details: { owner, role },
      });
      return reply.code(201).send(created);
    },
  });

  app.route({
    ...ApiKeyRoutes.list,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return { items: await opts.apiKeys.list({ owner: p.owner, all: p.role === 'admin' }) };
    },
  });

  app.route({
    ...ApiKeyRoutes.revoke,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const ok = await opts.apiKeys.revoke(request.params.id, {
        owner: p.owner,
        all: p.role === 'admin',
      });
      if (!ok) throw new PaddockError('not_found', 'no such API key');
      await opts.events.append({
        owner: p.owner,
        sandboxId: null,
        type: 'api_key.revoked',
        message: `API key ${request.params.id} revoked`,
        payload: { key_id: request.params.id, by: p.keyId },
      });
      await opts.audit.record({
        actor: actorOf(request),
        action: 'api_key.revoked',
        target: { type: 'api_key', id: request.params.id },
      });
      return reply.code(204).send(null);
    },
  });
};
