import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { PaddockError, readCookies } from '@paddock/shared';
import type { ApiKeyStore } from './apiKeyStore.js';
import type { SessionEpochs } from './sessionEpochs.js';
import { SESSION_COOKIE, type SessionTokens } from './sessionTokens.js';
import type { AuditLog } from '../audit/auditLog.js';
import { actorOf, type Principal } from '../http/principal.js';
import { looksLikeJwt, type DataScope } from './sandboxTokens.js';
import { hashToken, sameHash } from './tokens.js';

export const ADMIN_OWNER = 'admin';

/**
 * Routes that answer without a token: probes and the public API description (`/metrics` has
 * its own check: metricsAccess).
 */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/v1/openapi.json']);

export interface AuthOptions {
  apiKeys: ApiKeyStore;
  /** Checks sandbox tokens (JWTs); the sandbox must be running the boot the token names. */
  sandboxToken: (token: string) => Promise<{
    owner: string;
    sandboxId: string;
    scopes: string[];
    boot: string;
    data: DataScope[];
  } | null>;
  adminToken: string;
  sessions: SessionTokens;
  /** Each owner's session epoch (cached): "sign out everywhere" bumps it. */
  epochs: SessionEpochs;
  audit: AuditLog;
}

/** Signing in is the one /v1 call that needs no credentials yet. */
const SIGN_IN = { method: 'POST', path: '/v1/session' };
/** Cookie-authenticated writes must carry this header, which a cross-site form cannot set. */
export const CSRF_HEADER = 'x-paddock-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Who a raw token belongs to (the bearer check, for signing in with a token). */
export async function principalForToken(
  token: string,
  opts: Pick<AuthOptions, 'apiKeys' | 'adminToken'>,
): Promise<Principal | null> {
  if (sameHash(hashToken(token), hashToken(opts.adminToken))) {
    return { owner: ADMIN_OWNER, role: 'admin', keyId: 'admin-token' };
  }
  const key = await opts.apiKeys.findActiveByToken(token);
  return key ? { owner: key.owner, role: key.role, keyId: key.id } : null;
}

/**
 * Authentication for everything under /v1 and the MCP server's /mcp, except the public paths:
 * a bearer token, or the console's session cookie (whose writes must also carry the CSRF header).
 */
export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, opts) => {
    const adminHash = hashToken(opts.adminToken);
    app.decorateRequest('principal', null);
    const sessionPrincipal = async (cookie: string): Promise<Principal> => {
      const claims = await opts.sessions.verify(cookie);
      if (!claims) throw new PaddockError('unauthorized', 'the session has expired; sign in again');
      const claimed = claims.principal;
      if (claims.epoch !== (await opts.epochs.current(claimed.owner))) {
        throw new PaddockError(
          'unauthorized',
          'the session was signed out everywhere; sign in again',
        );
      }
      const session = { expiresAt: claims.expiresAt };
      if (claimed.keyId === 'admin-token') return { ...claimed, session };
      const key = await opts.apiKeys.findActiveById(claimed.keyId);
      if (!key) throw new PaddockError('unauthorized', 'the session’s API key was revoked');
      return { owner: key.owner, role: key.role, keyId: key.id, session };
    };
    app.addHook('onRequest', async (request) => {
      const pathOnly = request.url.split('?', 1)[0] ?? '';
      if (PUBLIC_PATHS.has(pathOnly) || !(pathOnly.startsWith('/v1') || pathOnly === '/mcp'))
        return;
      if (request.method === SIGN_IN.method && pathOnly === SIGN_IN.path) return;
      try {
        await authenticate(request);
      } catch (err) {
        if (err instanceof PaddockError && err.code === 'unauthorized') {
          void opts.audit.authFailed(request.ip, err.message).catch(() => undefined);
        }
        throw err;
      }
      void opts.audit
        .keyUsed(actorOf(request))
        .catch((err: unknown) => request.log.warn({ err }, 'audit of key use failed'));
    });
    const authenticate = async (request: FastifyRequest): Promise<void> => {
      const header = request.headers.authorization;
      if (header === undefined) {
        const sessions = readCookies(request.headers.cookie, SESSION_COOKIE);
        // Two session cookies mean someone else set one (a page on a shared parent domain):
        // refuse rather than guess whose session this is.
        if (sessions.length > 1) {
          throw new PaddockError('unauthorized', 'ambiguous session cookies; sign in again');
        }
        const session = sessions[0];
        if (session !== undefined) {
          request.principal = await sessionPrincipal(session);
          if (!SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] !== '1') {
            throw new PaddockError(
              'forbidden',
              `cookie-authenticated writes need ${CSRF_HEADER}: 1`,
            );
          }
          if (isUpgrade(request) && !sameHostOrigin(request)) {
            throw new PaddockError(
              'forbidden',
              'a cookie-authenticated WebSocket must come from the console’s own origin',
            );
          }
          return;
        }
      }
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match?.[1]) throw new PaddockError('unauthorized', 'a bearer token is required');
      const token = match[1];
      if (sameHash(hashToken(token), adminHash)) {
        request.principal = { owner: ADMIN_OWNER, role: 'admin', keyId: 'admin-token' };
        return;
      }
      if (looksLikeJwt(token)) {
        const sandbox = await opts.sandboxToken(token);
        if (!sandbox) throw new PaddockError('unauthorized', 'the sandbox token is not valid');
        request.principal = {
          owner: sandbox.owner,
          role: 'sandbox',
          keyId: `sandbox:${sandbox.sandboxId}`,
          sandbox: {
            id: sandbox.sandboxId,
            scopes: sandbox.scopes,
            boot: sandbox.boot,
            data: sandbox.data,
          },
        };
        return;
      }
      const key = await opts.apiKeys.findActiveByToken(token);
      if (!key) throw new PaddockError('unauthorized', 'the bearer token is not valid');
      request.principal = { owner: key.owner, role: key.role, keyId: key.id };
      void opts.apiKeys
        .touch(key.id)
        .catch((err: unknown) => request.log.warn({ err }, 'key touch failed'));
    };
  },
  { name: 'paddock-auth' },
);

/** A WebSocket handshake (or any other upgrade). */
function isUpgrade(request: FastifyRequest): boolean {
  return request.headers.upgrade !== undefined;
}

/**
 * Whether the request's `Origin` names the host it was sent to: the console the daemon serves.
 * A browser sends cookies with a cross-site WebSocket handshake and lets no page set a header
 * there, so the CSRF header cannot guard it; the Origin it always sends can. Only the host (and
 * port) are compared, not the scheme: a proxy in front may end TLS.
 */
function sameHostOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  if (typeof origin !== 'string' || host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}
