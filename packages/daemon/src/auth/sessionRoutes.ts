import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PaddockError, SessionRoutes } from '@paddock/shared';
import type { ApiKeyStore } from './apiKeyStore.js';
import { requirePrincipal } from '../http/principal.js';
import { principalForToken } from './authPlugin.js';
import type { SessionTokens } from './sessionTokens.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface SessionRoutesOptions {
  audit: AuditLog;
  apiKeys: ApiKeyStore;
  adminToken: string;
  sessions: SessionTokens;
}

/** The console's sign-in: a token is exchanged for an HttpOnly cookie, never kept in the page. */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (app, opts) => {
  app.route({
    ...SessionRoutes.signIn,
    handler: async (request, reply) => {
      const p = await principalForToken(request.body.token, opts);
      await opts.audit.record({
        actor: { owner: p?.owner ?? null, keyId: p?.keyId ?? null, ip: request.ip },
        action: 'auth.login',
        outcome: p ? 'ok' : 'denied',
      });
      if (!p) throw new PaddockError('unauthorized', 'the token is not valid');
      reply.header('set-cookie', opts.sessions.cookie(await opts.sessions.issue(p)));
      return { owner: p.owner, admin: p.role === 'admin' };
    },
  });

  app.route({
    ...SessionRoutes.get,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return { owner: p.owner, admin: p.role === 'admin' };
    },
  });

  app.route({
    ...SessionRoutes.signOut,
    handler: async (request, reply) => {
      requirePrincipal(request);
      reply.header('set-cookie', opts.sessions.clearCookie());
      return reply.code(204).send(null);
    },
  });
};
