import type http from 'node:http';
import type { FastifyRequest } from 'fastify';
import { PaddockError, type RouteContract } from '@paddock/shared';
import type { ConsoleHosts } from './consoleHosts.js';
import { requirePrincipal } from './principal.js';
import type { RouteInstaller } from './routes.js';

/** A request a mount answers, once the daemon authenticated it. */
export interface MountCall {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** The body as parsed and validated against the contract. */
  body: unknown;
  caller: { owner: string; role: string; keyId: string };
  /** The bearer token it carried (undefined when it came with the console's session cookie). */
  bearer: string | undefined;
  /** The daemon's API on loopback: a mount that acts for its caller calls the API there. */
  selfUrl: string;
}

/**
 * A route that a package outside the daemon serves on the daemon's listener (the MCP server):
 * the daemon authenticates and validates it like any route and refuses a foreign `Origin`;
 * the mount answers on the raw response. Keeps the daemon free of client packages.
 */
export interface ApiMount {
  contract: RouteContract;
  /** Refuses the caller before anything is answered: throw a PaddockError. */
  admit?(call: MountCall): void | Promise<void>;
  serve(call: MountCall): Promise<void>;
}

/** What the composition root (`paddock serve`) adds to the daemon. */
export interface DaemonExtensions {
  mounts?: ApiMount[];
}

/** Installs mounts after the daemon's own routes. */
export function mountRoutes(
  mounts: ApiMount[],
  d: { hosts: ConsoleHosts; selfUrl: () => string },
): RouteInstaller {
  return async (app) => {
    for (const mount of mounts) {
      app.route({
        ...mount.contract,
        handler: async (request, reply) => {
          refuseForeignOrigin(request, d.hosts);
          const principal = requirePrincipal(request);
          const call: MountCall = {
            req: request.raw,
            res: reply.raw,
            body: request.body,
            caller: { owner: principal.owner, role: principal.role, keyId: principal.keyId },
            bearer: bearerOf(request),
            selfUrl: d.selfUrl(),
          };
          await mount.admit?.(call);
          reply.hijack();
          await mount.serve(call);
        },
      });
    }
  };
}

/**
 * DNS rebinding and cross-site pages: the Host check (421) stops a rebound name; a browser
 * page elsewhere that reaches the daemon under its own name still sends its `Origin`, and only
 * the daemon's own origins may call a mount. Programs send no Origin and pass.
 */
function refuseForeignOrigin(request: FastifyRequest, hosts: ConsoleHosts): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    const url = new URL(origin);
    if (url.protocol === 'http:' || url.protocol === 'https:') host = url.host;
  } catch {
    // "null" or junk: not one of ours
  }
  if (host === undefined || !hosts.allows(host)) {
    throw new PaddockError(
      'forbidden',
      `the Origin ${JSON.stringify(origin)} is not one of the daemon's own; a page elsewhere may not call this`,
    );
  }
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}
