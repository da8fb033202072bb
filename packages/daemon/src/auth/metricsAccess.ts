import type { FastifyRequest } from 'fastify';
import { PaddockError } from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import type { ApiKeyStore } from './apiKeyStore.js';
import { principalForToken } from './authPlugin.js';
import { hashToken, sameHash } from './tokens.js';

/**
 * Who may read `/metrics`: a bearer `PADDOCK_METRICS_TOKEN` (good for nothing else, so a
 * Prometheus scrape config holds no admin power), or an admin credential (the admin token, an
 * admin API key). Not a loopback rule: sandboxes' calls reach the daemon from loopback too.
 * No session cookie: a scraper has none, and the console shows no metrics.
 */
export function metricsAccess(o: {
  metricsToken: string | undefined;
  apiKeys: ApiKeyStore;
  adminToken: string;
  audit: AuditLog;
}): (request: FastifyRequest) => Promise<void> {
  const metricsHash = o.metricsToken === undefined ? null : hashToken(o.metricsToken);
  const refuse = (request: FastifyRequest, message: string): never => {
    void o.audit.authFailed(request.ip, message).catch(() => undefined);
    throw new PaddockError('unauthorized', message);
  };
  return async (request) => {
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const token = m?.[1];
    if (!token) return refuse(request, '/metrics needs a bearer token (PADDOCK_METRICS_TOKEN)');
    if (metricsHash !== null && sameHash(hashToken(token), metricsHash)) return;
    const p = await principalForToken(token, o);
    if (!p) return refuse(request, 'the bearer token is not valid for /metrics');
    if (p.role !== 'admin') {
      throw new PaddockError('forbidden', '/metrics needs the metrics token or an admin token');
    }
  };
}
