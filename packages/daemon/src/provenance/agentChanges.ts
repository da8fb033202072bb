import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ExecRoutes, FileRoutes } from '@paddock/shared';
import type { ProvenanceRecord } from './provenanceRecord.js';

/**
 * The routes by which a caller changes a sandbox's files: writes, deletes, directories and
 * moves through the files API, and commands (any command may write). Reading does not count.
 */
const CHANGING_ROUTES = new Set(
  [FileRoutes.write, FileRoutes.delete, FileRoutes.mkdir, FileRoutes.move, ExecRoutes.exec].map(
    (r) => `${r.method} ${r.url}`,
  ),
);

/**
 * Records an agent key's changes to a workspace before the route makes them, whatever route
 * module serves them: the one place that decides what an agent's change is. Registered at the
 * root (like the auth plugin, after it), so it covers every route.
 */
export const agentChanges = fp<{ record: ProvenanceRecord }>(
  async (app: FastifyInstance, opts) => {
    app.addHook('preHandler', async (request) => {
      const p = request.principal;
      if (p?.role !== 'agent') return;
      if (!CHANGING_ROUTES.has(`${request.method} ${request.routeOptions.url}`)) return;
      const id = (request.params as { id?: unknown }).id;
      if (typeof id === 'string') await opts.record.agentChanging(p.owner, id, p.keyId);
    });
  },
  { name: 'paddock-agent-changes' },
);
