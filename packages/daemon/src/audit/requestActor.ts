import type { FastifyRequest } from 'fastify';
import type { Actor } from './auditLog.js';

/** The audit actor of an authenticated request: its owner, key and address. */
export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  return { owner: p?.owner ?? null, keyId: p?.keyId ?? null, ip: request.ip };
}
