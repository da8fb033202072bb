import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CreateSessionBody, PaddockError, SessionSchema } from '@paddock/shared';
import { errorResponses } from '../http/errorResponses.js';
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
  const tags = ['api-keys'];

  app.post(
    '/v1/session',
    {
      schema: {
        tags,
        summary: 'Sign in with an API token; sets an HttpOnly session cookie',
        security: [],
        body: CreateSessionBody,
        response: { 200: SessionSchema, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
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
  );

  app.get(
    '/v1/session',
    {
      schema: {
        tags,
        summary: 'Who is signed in',
        response: { 200: SessionSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return { owner: p.owner, admin: p.role === 'admin' };
    },
  );

  app.delete(
    '/v1/session',
    {
      schema: {
        tags,
        summary: 'Sign out (clears the session cookie)',
        response: { 204: { type: 'null', description: 'Signed out' }, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      requirePrincipal(request);
      reply.header('set-cookie', opts.sessions.clearCookie());
      return reply.code(204).send(null);
    },
  );
};
