import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { PaddockError } from '@paddock/shared';
import type { ApiKeyStore, Role } from './apiKeyStore.js';
import { hashToken, sameHash } from './tokens.js';

/** Who is calling: every resource query is scoped to `owner`. */
export interface Principal {
  owner: string;
  role: Role;
  /** The API key id, or `admin-token` for the bootstrap token. */
  keyId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const ADMIN_OWNER = 'admin';

/** Routes that answer without a token: probes, metrics and the public API description. */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/v1/openapi.json']);

export interface AuthOptions {
  apiKeys: ApiKeyStore;
  adminToken: string;
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new PaddockError('unauthorized', 'a bearer token is required');
  return request.principal;
}

export function requireAdmin(request: FastifyRequest): Principal {
  const p = requirePrincipal(request);
  if (p.role !== 'admin') throw new PaddockError('forbidden', 'this needs an admin token');
  return p;
}

/** Bearer-token authentication for everything under /v1 except the public paths. */
export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, opts) => {
    const adminHash = hashToken(opts.adminToken);
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request) => {
      const pathOnly = request.url.split('?', 1)[0] ?? '';
      if (PUBLIC_PATHS.has(pathOnly) || !pathOnly.startsWith('/v1')) return;
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match?.[1]) throw new PaddockError('unauthorized', 'a bearer token is required');
      const token = match[1];
      if (sameHash(hashToken(token), adminHash)) {
        request.principal = { owner: ADMIN_OWNER, role: 'admin', keyId: 'admin-token' };
        return;
      }
      const key = await opts.apiKeys.findActiveByToken(token);
      if (!key) throw new PaddockError('unauthorized', 'the bearer token is not valid');
      request.principal = { owner: key.owner, role: key.role, keyId: key.id };
      void opts.apiKeys
        .touch(key.id)
        .catch((err: unknown) => request.log.warn({ err }, 'key touch failed'));
    });
  },
  { name: 'paddock-auth' },
);
