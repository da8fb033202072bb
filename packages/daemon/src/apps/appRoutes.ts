import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AppIdParams,
  AppPage,
  AppSchema,
  CheckpointParams,
  CreateAppBody,
  DeleteAppQuery,
  ForkAppBody,
  ListAppsQuery,
  ListSnapshotsQuery,
  PatchAppBody,
  RestoreAppBody,
  RestoredCheckpoint,
  RestoredSnapshot,
  SnapshotPage,
  type App,
} from '@paddock/shared';
import { actorOf, requirePrincipal } from '../http/principal.js';
import { errorResponses } from '../http/errorResponses.js';
import type { SandboxDetails } from '../processes/sandboxDetails.js';
import { snapshotView } from '../snapshots/snapshotStore.js';
import type { AppService } from './appService.js';
import type { AppRow } from './appStore.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface AppRoutesOptions {
  audit: AuditLog;
  apps: AppService;
  details: SandboxDetails;
}

export const appRoutes: FastifyPluginAsyncTypebox<AppRoutesOptions> = async (app, opts) => {
  const tags = ['apps'];
  const { apps, details } = opts;

  const view = async (row: AppRow): Promise<App> => {
    const sandbox = await apps.sandboxOf(row);
    return {
      id: row.id,
      name: row.name,
      preset: row.preset,
      public: row.public === 1,
      created_at: row.created_at,
      updated_at: row.updated_at,
      sandbox: sandbox ? await details.of(sandbox) : null,
    };
  };

  app.post(
    '/v1/apps',
    {
      schema: {
        tags,
        summary:
          "Create an app from a preset and boot its sandbox (the preset's first use installs its dependencies)",
        body: CreateAppBody,
        response: { 201: AppSchema, ...errorResponses(400, 401, 502) },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      return reply.code(201).send(await view(await apps.create(p.owner, request.body)));
    },
  );

  app.get(
    '/v1/apps',
    {
      schema: {
        tags,
        summary: 'List apps, newest first',
        querystring: ListAppsQuery,
        response: { 200: AppPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      const page = await apps.list(p.owner, {
        limit: request.query.limit ?? 50,
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      });
      return { items: await Promise.all(page.items.map(view)), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/v1/apps/:id',
    {
      schema: {
        tags,
        summary: 'Get an app with its sandbox, processes and preview',
        params: AppIdParams,
        response: { 200: AppSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return view(await apps.get(p.owner, request.params.id));
    },
  );

  app.patch(
    '/v1/apps/:id',
    {
      schema: {
        tags,
        summary: 'Rename an app, or make its preview public or private',
        params: AppIdParams,
        body: PatchAppBody,
        response: { 200: AppSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return view(await apps.patch(p.owner, request.params.id, request.body));
    },
  );

  app.delete(
    '/v1/apps/:id',
    {
      schema: {
        tags,
        summary: 'Delete an app; its workspace is kept unless purge=true',
        params: AppIdParams,
        querystring: DeleteAppQuery,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...errorResponses(400, 401, 404, 502),
        },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      await apps.delete(p.owner, request.params.id, request.query.purge === true);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/apps/:id/checkpoints/:sha/restore',
    {
      schema: {
        tags,
        summary: "Return the app's workspace to a task checkpoint (a new commit; history is kept)",
        params: CheckpointParams,
        response: { 200: RestoredCheckpoint, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return apps.restoreCheckpoint(p.owner, request.params.id, request.params.sha);
    },
  );

  app.post(
    '/v1/apps/:id/sandbox',
    {
      schema: {
        tags,
        summary: "Start (wake) the app's sandbox, or make a new one if it was removed",
        params: AppIdParams,
        response: { 200: AppSchema, ...errorResponses(401, 404, 502) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return view(await apps.wake(p.owner, request.params.id));
    },
  );

  app.get(
    '/v1/apps/:id/snapshots',
    {
      schema: {
        tags,
        summary: "The app's snapshots, newest first (failed captures included, marked failed)",
        params: AppIdParams,
        querystring: ListSnapshotsQuery,
        response: { 200: SnapshotPage, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      const page = await apps.listSnapshots(p.owner, request.params.id, {
        limit: request.query.limit ?? 50,
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      });
      return { items: page.items.map(snapshotView), next_cursor: page.next_cursor };
    },
  );

  app.post(
    '/v1/apps/:id/restore',
    {
      schema: {
        tags,
        summary:
          "Replace the app's workspace with a snapshot (destructive: confirm must be true); a running sandbox restarts",
        params: AppIdParams,
        body: RestoreAppBody,
        response: { 200: RestoredSnapshot, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
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
  );

  app.post(
    '/v1/apps/:id/fork',
    {
      schema: {
        tags,
        summary: 'A new app of the same preset whose workspace starts as the snapshot',
        params: AppIdParams,
        body: ForkAppBody,
        response: { 201: AppSchema, ...errorResponses(400, 401, 404, 409, 502) },
      },
    },
    async (request, reply) => {
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
  );
};
