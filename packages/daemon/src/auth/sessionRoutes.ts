import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PaddockError, SessionRoutes, type Session } from '@paddock/shared';
import type { ApiKeyStore } from './apiKeyStore.js';
import { actorOf, requirePrincipal, type Principal } from '../http/principal.js';
import { principalForToken } from './authPlugin.js';
import type { SessionEpochs } from './sessionEpochs.js';
import type { SessionTokens } from './sessionTokens.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface SessionRoutesOptions {
  audit: AuditLog;
  apiKeys: ApiKeyStore;
  adminToken: string;
  sessions: SessionTokens;
  epochs: SessionEpochs;
}

function sessionOf(p: Principal, expiresAt: string | null): Session {
  // requirePrincipal and sign-in refuse sandbox tokens before this: only a key's role gets here.
  if (p.role === 'sandbox') throw new PaddockError('forbidden', 'a sandbox token has no session');
  return { owner: p.owner, admin: p.role === 'admin', role: p.role, expires_at: expiresAt };
}

/** The console's sign-in: a token is exchanged for an HttpOnly cookie, never kept in the page. */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (app, opts) => {
  const issue = async (p: Principal) => opts.sessions.issue(p, await opts.epochs.current(p.owner));

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
      const { token, expiresAt } = await issue(p);
      reply.header('set-cookie', opts.sessions.cookie(token));
      return sessionOf(p, expiresAt);
    },
  });

  app.route({
    ...SessionRoutes.get,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sessionOf(p, p.session?.expiresAt ?? null);
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

  app.route({
    ...SessionRoutes.revokeAll,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const epoch = await opts.epochs.bump(p.owner);
      await opts.audit.record({
        actor: actorOf(request),
        action: 'auth.sessions_revoked',
        details: { epoch },
      });
      // The session that asked stays signed in, on the new epoch; a bearer caller has none.
      if (!p.session) return sessionOf(p, null);
      const { token, expiresAt } = await opts.sessions.issue(p, epoch);
      reply.header('set-cookie', opts.sessions.cookie(token));
      return sessionOf(p, expiresAt);
    },
  });
};
