import type { FastifyRequest } from 'fastify';
import { PaddockError, type OwnerRole } from '@paddock/shared';

/** An API key's role. */
export type Role = OwnerRole;

/** Who is calling: every resource query is scoped to `owner`. */
export interface Principal {
  owner: string;
  /** `sandbox`: a sandbox's own token, good only for routes that opt in (requireSandboxScope). */
  role: Role | 'sandbox';
  /** The API key id, `admin-token` for the bootstrap token, or `sandbox:<id>`. */
  keyId: string;
  /** For a sandbox token: the one sandbox it speaks for, what it may do, which filestores. */
  sandbox?: {
    id: string;
    scopes: string[];
    /** The boot the token was issued for (seed 004's `session_id`). */
    boot: string;
    data: { filesystem_id: string; ops: string[] }[];
  };
  /** For a console session (the cookie): when it expires, ISO-8601. */
  session?: { expiresAt: string };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Who did it, as the audit log records it: the owner and key of the request, when it had a valid one. */
export interface Actor {
  owner: string | null;
  keyId: string | null;
  ip?: string | null;
}

/** The audit actor of an authenticated request: its owner, key and address. */
export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  return { owner: p?.owner ?? null, keyId: p?.keyId ?? null, ip: request.ip };
}

/** A person's or program's principal (an API key or the admin token); sandbox tokens are refused. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new PaddockError('unauthorized', 'a bearer token is required');
  if (request.principal.role === 'sandbox') {
    throw new PaddockError('forbidden', 'a sandbox token may only read its own sandbox');
  }
  return request.principal;
}

/**
 * Any principal that may act on `sandboxId`: an API key (the route then scopes by owner), or
 * that very sandbox's own token carrying `scope`. Another sandbox's token is refused.
 */
export function requireSandboxScope(
  request: FastifyRequest,
  sandboxId: string,
  scope: string,
): Principal {
  const p = request.principal;
  if (!p) throw new PaddockError('unauthorized', 'a bearer token is required');
  if (p.role !== 'sandbox') return p;
  if (p.sandbox?.id !== sandboxId || !p.sandbox.scopes.includes(scope)) {
    throw new PaddockError('forbidden', 'a sandbox token may only read its own sandbox');
  }
  return p;
}

export function requireAdmin(request: FastifyRequest): Principal {
  const p = requirePrincipal(request);
  if (p.role !== 'admin') throw new PaddockError('forbidden', 'this needs an admin token');
  return p;
}
