import type { FastifyRequest } from 'fastify';
import { readCookies } from '@paddock/shared';
import { SESSION_COOKIE } from './sessionTokens.js';

/**
 * The raw credential an authenticated request carried, as `authPlugin` chose it: the console's
 * session cookie when there is no Authorization header, else the bearer token. What app
 * sessions and bundle tokens are bound to (as a keyed hash, never stored). Null when neither.
 */
export function requestCredential(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) {
    const sessions = readCookies(request.headers.cookie, SESSION_COOKIE);
    if (sessions.length === 1) return sessions[0] ?? null;
  }
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}
