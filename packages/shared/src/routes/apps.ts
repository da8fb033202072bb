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
import {
  APP_ARCHIVE_TYPES,
  AppArchiveQuery,
  ConfirmImportBody,
  GitPullBody,
  GitPullResult,
  GitPushBody,
  GitPushResult,
  ImportAppQuery,
} from '../api/projectImport.js';
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
        "Create an app from a preset, a git repository or a snapshot, and boot its sandbox (a preset's first use installs its dependencies)",
      description:
        'With `source.git` the repository is cloned inside the new sandbox through the egress proxy ' +
        "(its host is added to the app's egress rules); with `from_snapshot` the workspace starts as " +
        'the snapshot. Both are imports: with no sandbox.yaml in the project, detection proposes one ' +
        '(see `import.detection`), and with `review: true` the processes wait for ' +
        'POST /v1/apps/{id}/import/confirm.',
      body: CreateAppBody,
      response: { 201: AppSchema, ...errorResponses(400, 401, 404, 409, 502) },
    },
  },
  import: {
    method: 'POST',
    url: '/v1/apps/import',
    schema: {
      tags,
      summary:
        'Create an app from an uploaded project archive (tar, tar.gz or zip) and boot its sandbox',
      description:
        'The same rules as a snapshot import: absolute paths, "..", links out, hard links, devices ' +
        'and bombs are refused as `invalid_archive`. One top-level directory holding everything ' +
        '(as GitHub archives have) is taken as the root. The upload is kept as a snapshot.',
      querystring: ImportAppQuery,
      consumes: APP_ARCHIVE_TYPES,
      response: { 201: AppSchema, ...errorResponses(400, 401, 409, 413, 415, 502) },
    },
  },
  confirmImport: {
    method: 'POST',
    url: '/v1/apps/:id/import/confirm',
    schema: {
      tags,
      summary: "Start an imported app's processes, with its sandbox.yaml as edited (when given)",
      params: AppIdParams,
      body: ConfirmImportBody,
      response: { 200: AppSchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  archive: {
    method: 'GET',
    url: '/v1/apps/:id/archive',
    schema: {
      tags,
      summary:
        "Download the app's workspace as tar.gz or zip, without regenerable directories (node_modules, .venv, build caches)",
      params: AppIdParams,
      querystring: AppArchiveQuery,
      produces: ['application/gzip', 'application/zip'],
      response: {
        200: {
          description: 'The archive',
          content: { 'application/gzip': { schema: {} }, 'application/zip': { schema: {} } },
        },
        ...errorResponses(400, 401, 404, 409),
      },
    },
  },
  gitPush: {
    method: 'POST',
    url: '/v1/apps/:id/git/push',
    schema: {
      tags,
      summary:
        "Push the app's history (every checkpoint, as commits with their messages) to a remote branch",
      description:
        'Runs git inside the sandbox through the egress proxy: the host must be allowed, and a token ' +
        'is a sealed config value injected for it. `url` defaults to the repository the app was imported from.',
      params: AppIdParams,
      body: GitPushBody,
      response: { 200: GitPushResult, ...errorResponses(400, 401, 404, 409, 502) },
    },
  },
  gitPull: {
    method: 'POST',
    url: '/v1/apps/:id/git/pull',
    schema: {
      tags,
      summary: "Bring a remote branch's changes into the app as a checkpoint",
      description:
        'A fast-forward, or a merge commit; a conflict changes nothing and answers `git_conflict`. ' +
        "Runs in the app's task line (409 while a task runs).",
      params: AppIdParams,
      body: GitPullBody,
      response: { 200: GitPullResult, ...errorResponses(400, 401, 404, 409, 502) },
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
        'for each new event of the app as it happens; the stream stays open until a stopping daemon ' +
        'ends it with an `error` {code: `daemon_stopping`, message}. A reconnect that sends ' +
        '`Last-Event-ID` first gets the ones it missed (at most `limit`, oldest first). `type` filters both.',
      params: AppIdParams,
      querystring: AppEventsQuery,
      produces: ['application/json', 'text/event-stream'],
      response: { 200: EventPage, ...errorResponses(400, 401, 404) },
    },
  },
} as const satisfies RouteTable;
