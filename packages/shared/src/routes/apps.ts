import {
  AppIdParams,
  AppPage,
  AppSchema,
  CheckpointPage,
  CheckpointParams,
  CreateAppBody,
  DeleteAppQuery,
  ForkAppBody,
  ForkCheckpointBody,
  ListAppsQuery,
  ListCheckpointsQuery,
  PatchAppBody,
  RestoreAppBody,
  RestoredCheckpoint,
} from '../api/apps.js';
import { AppEventsQuery, EventPage } from '../api/events.js';
import { ListSnapshotsQuery, RestoredSnapshot, SnapshotPage } from '../api/snapshots.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['apps'] as const;

/** Apps (a preset and its sandbox): create, list, change, delete, wake; their snapshots, restores and forks. */
export const AppRoutes = {
  create: {
    method: 'POST',
    url: '/v1/apps',
    schema: {
      tags,
      summary:
        "Create an app from a preset and boot its sandbox (the preset's first use installs its dependencies)",
      body: CreateAppBody,
      response: { 201: AppSchema, ...errorResponses(400, 401, 502) },
    },
  },
  list: {
    method: 'GET',
    url: '/v1/apps',
    schema: {
      tags,
      summary: 'List apps, newest first',
      querystring: ListAppsQuery,
      response: { 200: AppPage, ...errorResponses(400, 401) },
    },
  },
  get: {
    method: 'GET',
    url: '/v1/apps/:id',
    schema: {
      tags,
      summary: 'Get an app with its sandbox, processes and preview',
      params: AppIdParams,
      response: { 200: AppSchema, ...errorResponses(401, 404) },
    },
  },
  patch: {
    method: 'PATCH',
    url: '/v1/apps/:id',
    schema: {
      tags,
      summary: 'Rename an app, or make its preview public or private',
      params: AppIdParams,
      body: PatchAppBody,
      response: { 200: AppSchema, ...errorResponses(400, 401, 404) },
    },
  },
  delete: {
    method: 'DELETE',
    url: '/v1/apps/:id',
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
  listCheckpoints: {
    method: 'GET',
    url: '/v1/apps/:id/checkpoints',
    schema: {
      tags,
      summary:
        "The app's checkpoints (its workspace's git history from HEAD, first parents), newest first",
      description:
        'Read with git inside the sandbox, which is woken if stopped (409 when the app has no sandbox). ' +
        'An app whose workspace has no commits yet has none.',
      params: AppIdParams,
      querystring: ListCheckpointsQuery,
      response: { 200: CheckpointPage, ...errorResponses(400, 401, 404, 409) },
    },
  },
  restoreCheckpoint: {
    method: 'POST',
    url: '/v1/apps/:id/checkpoints/:sha/restore',
    schema: {
      tags,
      summary: "Return the app's workspace to a task checkpoint (a new commit; history is kept)",
      params: CheckpointParams,
      response: { 200: RestoredCheckpoint, ...errorResponses(400, 401, 404, 409) },
    },
  },
  forkCheckpoint: {
    method: 'POST',
    url: '/v1/apps/:id/checkpoints/:sha/fork',
    schema: {
      tags,
      summary:
        'A new app of the same preset whose workspace starts as the checkpoint, with its history up to it',
      description:
        "The source app's sandbox is woken if stopped. Like a fork from a snapshot, the new app gets " +
        "no config or secrets of the source's.",
      params: CheckpointParams,
      body: ForkCheckpointBody,
      response: { 201: AppSchema, ...errorResponses(400, 401, 404, 409, 502) },
    },
  },
  wake: {
    method: 'POST',
    url: '/v1/apps/:id/sandbox',
    schema: {
      tags,
      summary: "Start (wake) the app's sandbox, or make a new one if it was removed",
      params: AppIdParams,
      response: { 200: AppSchema, ...errorResponses(401, 404, 502) },
    },
  },
  listSnapshots: {
    method: 'GET',
    url: '/v1/apps/:id/snapshots',
    schema: {
      tags,
      summary: "The app's snapshots, newest first (failed captures included, marked failed)",
      params: AppIdParams,
      querystring: ListSnapshotsQuery,
      response: { 200: SnapshotPage, ...errorResponses(400, 401, 404) },
    },
  },
  restore: {
    method: 'POST',
    url: '/v1/apps/:id/restore',
    schema: {
      tags,
      summary:
        "Replace the app's workspace with a snapshot (destructive: confirm must be true); a running sandbox restarts",
      params: AppIdParams,
      body: RestoreAppBody,
      response: { 200: RestoredSnapshot, ...errorResponses(400, 401, 404, 409) },
    },
  },
  fork: {
    method: 'POST',
    url: '/v1/apps/:id/fork',
    schema: {
      tags,
      summary: 'A new app of the same preset whose workspace starts as the snapshot',
      params: AppIdParams,
      body: ForkAppBody,
      response: { 201: AppSchema, ...errorResponses(400, 401, 404, 409, 502) },
    },
  },
  events: {
    method: 'GET',
    url: '/v1/apps/:id/events',
    schema: {
      tags,
      summary: "The app's events across every sandbox it has had, newest first; page with cursor",
      description:
        'With `Accept: text/event-stream`: server-sent events, an `event` (an Event, with its id as the SSE id) ' +
        'for each new event of the app as it happens; the stream stays open. A reconnect that sends ' +
        '`Last-Event-ID` first gets the ones it missed (at most `limit`, oldest first). `type` filters both.',
      params: AppIdParams,
      querystring: AppEventsQuery,
      produces: ['application/json', 'text/event-stream'],
      response: { 200: EventPage, ...errorResponses(400, 401, 404) },
    },
  },
} as const satisfies RouteTable;
