import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppRoutes, type CreateAppBody, encodeSseFrame, PaddockError } from '@paddock/shared';
import type { AppEvents } from '../events/appEvents.js';
import type { EventView } from '../events/eventLog.js';
import { clientGone } from '../http/disconnect.js';
import { endOnStop, openEventStream, startHeartbeat, wantsStream } from '../http/eventStream.js';
import { actorOf, requirePrincipal } from '../http/principal.js';
import type { SandboxDetails } from '../processes/sandboxDetails.js';
import { snapshotView } from '../snapshots/snapshotStore.js';
import type { AppService } from './appService.js';
import type { AppRow } from './appStore.js';
import { appViewer } from './appView.js';
import type { AuditLog } from '../audit/auditLog.js';

/** Makes apps that bring a project in (a git repository, a snapshot): the imports module. */
export interface AppImporter {
  create(owner: string, body: CreateAppBody): Promise<AppRow>;
}

export interface AppRoutesOptions {
  /** Looked up per request: the imports module is made after the apps. */
  importer: () => AppImporter;
  audit: AuditLog;
  apps: AppService;
  details: SandboxDetails;
  appEvents: AppEvents;
}

/** Bytes an events follower may leave unread before it is cut off. */
const STREAM_BUFFER_BYTES = 1024 * 1024;

/** An event id (a ULID), as a reconnecting EventSource sends it back in Last-Event-ID. */
const EVENT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const appRoutes: FastifyPluginAsyncTypebox<AppRoutesOptions> = async (app, opts) => {
  const { apps, details } = opts;

  const view = appViewer(apps, details);

  app.route({
    ...AppRoutes.create,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const { body } = request;
      const imported =
        body.source !== undefined || (body.from_snapshot !== undefined && !body.preset);
      if (!imported && body.preset == null) {
        throw new PaddockError(
          'bad_request',
          'give a preset (GET /v1/presets), or bring a project in with source.git, from_snapshot or POST /v1/apps/import',
        );
      }
      const row = imported
        ? await opts.importer().create(p.owner, body)
        : await apps.create(
            p.owner,
            { name: body.name, preset: body.preset! },
            body.from_snapshot !== undefined
              ? {
                  snapshotId: body.from_snapshot,
                  fill: await apps.snapshotFiller(p.owner, body.from_snapshot),
                }
              : undefined,
          );
      if (imported) {
        await opts.audit.record({
          actor: actorOf(request),
          action: 'app.import',
          target: { type: 'app', id: row.id },
          details: body.source
            ? { source: 'git', url: body.source.git.url }
            : { source: 'snapshot', snapshot_id: body.from_snapshot ?? null },
        });
      }
      return reply.code(201).send(await view(row));
    },
  });

  app.route({
    ...AppRoutes.list,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const page = await apps.list(p.owner, {
        limit: request.query.limit ?? 50,
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      });
      return { items: await Promise.all(page.items.map(view)), next_cursor: page.next_cursor };
    },
  });

  app.route({
    ...AppRoutes.get,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return view(await apps.get(p.owner, request.params.id));
    },
  });

  app.route({
    ...AppRoutes.patch,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return view(await apps.patch(p.owner, request.params.id, request.body));
    },
  });

  app.route({
    ...AppRoutes.delete,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      await apps.delete(p.owner, request.params.id, request.query.purge === true);
      return reply.code(204).send(null);
    },
  });

  app.route({
    ...AppRoutes.listCheckpoints,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return apps.listCheckpoints(p.owner, request.params.id, {
        limit: request.query.limit ?? 50,
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      });
    },
  });

  app.route({
    ...AppRoutes.forkCheckpoint,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const { id, sha } = request.params;
      const forked = await apps.forkCheckpoint(p.owner, id, sha, request.body);
      await opts.audit.record({
        actor: actorOf(request),
        action: 'checkpoint.fork',
        target: { type: 'app', id: forked.id },
        details: { checkpoint: sha, from_app: id },
      });
      return reply.code(201).send(await view(forked));
    },
  });

  app.route({
    ...AppRoutes.restoreCheckpoint,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return apps.restoreCheckpoint(p.owner, request.params.id, request.params.sha);
    },
  });

  app.route({
    ...AppRoutes.wake,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return view(await apps.wake(p.owner, request.params.id));
    },
  });

  app.route({
    ...AppRoutes.listSnapshots,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const page = await apps.listSnapshots(p.owner, request.params.id, {
        limit: request.query.limit ?? 50,
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      });
      return { items: page.items.map(snapshotView), next_cursor: page.next_cursor };
    },
  });

  app.route({
    ...AppRoutes.restore,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const restored = await apps.restoreSnapshot(p.owner, request.params.id, request.body);
      await opts.audit.record({
        actor: actorOf(request),
        action: 'snapshot.restore',
        target: { type: 'app', id: request.params.id },
        details: { snapshot_id: restored.snapshot_id, files: restored.files },
      });
      return restored;
    },
  });

  app.route({
    ...AppRoutes.fork,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const forked = await apps.fork(p.owner, request.params.id, request.body);
      await opts.audit.record({
        actor: actorOf(request),
        action: 'snapshot.fork',
        target: { type: 'app', id: forked.id },
        details: { snapshot_id: request.body.snapshot_id, from_app: request.params.id },
      });
      return reply.code(201).send(await view(forked));
    },
  });

  app.route({
    ...AppRoutes.events,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await apps.get(p.owner, request.params.id);
      const { cursor, limit = 100, type } = request.query;
      const filter = { owner: p.owner, appId: row.id, ...(type ? { type } : {}) };
      if (!wantsStream(request.headers.accept)) {
        return opts.appEvents.list(filter, { limit, ...(cursor ? { cursor } : {}) });
      }
      const out = reply.raw;
      const gone = clientGone(reply);
      const send = (e: EventView): void => {
        if (out.writableEnded || out.destroyed) return;
        // The SSE id lets a reconnecting EventSource say what it saw last.
        out.write(`id: ${e.id}\n${encodeSseFrame({ event: 'event', data: e })}`);
        if (out.writableLength > STREAM_BUFFER_BYTES) out.destroy();
      };
      const lastSeen = request.headers['last-event-id'];
      let sentUpTo = typeof lastSeen === 'string' && EVENT_ID.test(lastSeen) ? lastSeen : '';
      const sendOnce = (e: EventView): void => {
        if (e.id <= sentUpTo) return;
        sentUpTo = e.id;
        send(e);
      };
      reply.hijack();
      openEventStream(out);
      startHeartbeat(out);
      // Subscribed before the catch-up is read, so nothing falls between the two.
      const missed = sentUpTo
        ? opts.appEvents.since(filter, sentUpTo, limit).then((list) => list.forEach(sendOnce))
        : Promise.resolve();
      const stop = opts.appEvents.follow(filter, sendOnce, missed);
      gone.addEventListener('abort', stop);
      endOnStop(out, app.stopping, 'following events was ended');
      return reply;
    },
  });
};
