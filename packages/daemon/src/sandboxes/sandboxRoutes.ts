import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PaddockError, SandboxRoutes, type SandboxDetail } from '@paddock/shared';
import { actorOf, requirePrincipal, requireSandboxScope } from '../http/principal.js';
import type { EventLog } from '../events/eventLog.js';
import type { SettingsStore } from '../settings/settingsStore.js';
import type { SandboxFiller, SandboxService } from './sandboxService.js';
import { sandboxView, type SandboxRow } from './sandboxStore.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface SandboxRoutesOptions {
  audit: AuditLog;
  sandboxes: SandboxService;
  events: EventLog;
  settings: SettingsStore;
  /** A sandbox as GET shows it, with its processes and preview (supplied by the runtime). */
  details: { of(row: SandboxRow): Promise<SandboxDetail> };
  /** Resolves `from_snapshot`: the owner's ready snapshot, as what fills the new workspace. */
  snapshotFiller: (owner: string, snapshotId: string) => Promise<SandboxFiller>;
}

const METADATA_FILTER = /^metadata\.([A-Za-z0-9_.-]{1,64})$/;
const LIST_KEYS = new Set(['status', 'limit', 'cursor']);

export const sandboxRoutes: FastifyPluginAsyncTypebox<SandboxRoutesOptions> = async (app, opts) => {
  const { sandboxes } = opts;

  app.route({
    ...SandboxRoutes.create,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const body = request.body ?? {};
      const prepare = body.from_snapshot
        ? await opts.snapshotFiller(p.owner, body.from_snapshot)
        : undefined;
      const row = await sandboxes.create(p.owner, body, prepare ? { prepare } : {});
      if (body.from_snapshot) {
        await opts.audit.record({
          actor: actorOf(request),
          action: 'snapshot.fork',
          target: { type: 'sandbox', id: row.id },
          details: { snapshot_id: body.from_snapshot },
        });
      }
      return reply.code(201).send(sandboxView(row));
    },
  });

  app.route({
    ...SandboxRoutes.list,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const query = request.query as Record<string, unknown>;
      const metadata: Record<string, string> = {};
      for (const [key, value] of Object.entries(query)) {
        if (LIST_KEYS.has(key)) continue;
        const m = METADATA_FILTER.exec(key);
        if (!m?.[1]) throw new PaddockError('unknown_field', `unknown query parameter "${key}"`);
        metadata[m[1]] = String(value);
      }
      const page = await sandboxes.list(p.owner, {
        ...(request.query.status ? { status: request.query.status } : {}),
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
        metadata,
        limit: request.query.limit ?? 50,
      });
      return { items: page.items.map(sandboxView), next_cursor: page.next_cursor };
    },
  });

  app.route({
    ...SandboxRoutes.get,
    handler: async (request) => {
      const p = requireSandboxScope(request, request.params.id, 'sandbox:read');
      return opts.details.of(await sandboxes.observe(p.owner, request.params.id));
    },
  });

  app.route({
    ...SandboxRoutes.rotatePreview,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return opts.details.of(await sandboxes.rotatePreview(p.owner, request.params.id));
    },
  });

  app.route({
    ...SandboxRoutes.stop,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxView(await sandboxes.stop(p.owner, request.params.id, request.body?.grace_ms));
    },
  });

  app.route({
    ...SandboxRoutes.start,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxView(await sandboxes.start(p.owner, request.params.id));
    },
  });

  app.route({
    ...SandboxRoutes.delete,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      await sandboxes.delete(p.owner, request.params.id);
      return reply.code(204).send(null);
    },
  });

  app.route({
    ...SandboxRoutes.keepalive,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const max = opts.settings.get().keepalive_max_seconds;
      return sandboxView(
        await sandboxes.keepalive(p.owner, request.params.id, request.body.seconds, max),
      );
    },
  });

  app.route({
    ...SandboxRoutes.events,
    handler: async (request) => {
      const p = requirePrincipal(request);
      await sandboxes.get(p.owner, request.params.id);
      return opts.events.listForSandbox(p.owner, request.params.id, {
        ...(request.query.before ? { before: request.query.before } : {}),
        limit: request.query.limit ?? 100,
      });
    },
  });
};
