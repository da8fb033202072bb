import { AGENT_LIMITS, WATCH_LIMITS } from '../agent/protocol.js';
import {
  FileDeleteQuery,
  FileListQuery,
  FileListingSchema,
  FilePathQuery,
  FileStatSchema,
  FileWatchQuery,
  FileWriteQuery,
  FileWriteResult,
  MkdirBody,
  MoveBody,
} from '../api/files.js';
import { SandboxArchiveQuery, SandboxArchiveResult } from '../api/projectImport.js';
import { SandboxIdParams } from '../api/sandboxes.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['files'] as const;

/** The sandbox's workspace: read, write, delete, list, stat, mkdir, move and watch. */
export const FileRoutes = {
  read: {
    method: 'GET',
    url: '/v1/sandboxes/:id/files',
    schema: {
      tags,
      summary: 'Read a file as raw bytes',
      params: SandboxIdParams,
      querystring: FilePathQuery,
      produces: ['application/octet-stream'],
      response: {
        200: {
          description: 'The file’s bytes',
          content: { 'application/octet-stream': { schema: {} } },
        },
        ...errorResponses(400, 401, 404, 409),
      },
    },
  },
  write: {
    method: 'PUT',
    url: '/v1/sandboxes/:id/files',
    schema: {
      tags,
      summary: `Write a file from raw bytes (at most ${AGENT_LIMITS.fileWriteBytes} bytes); parents are created`,
      params: SandboxIdParams,
      querystring: FileWriteQuery,
      consumes: ['application/octet-stream'],
      response: { 200: FileWriteResult, ...errorResponses(400, 401, 403, 404, 409, 413, 507) },
    },
  },
  delete: {
    method: 'DELETE',
    url: '/v1/sandboxes/:id/files',
    schema: {
      tags,
      summary: 'Delete a file, or a directory (recursive=true for a non-empty one)',
      params: SandboxIdParams,
      querystring: FileDeleteQuery,
      response: {
        204: { type: 'null', description: 'Deleted' },
        ...errorResponses(400, 401, 404, 409),
      },
    },
  },
  list: {
    method: 'GET',
    url: '/v1/sandboxes/:id/files/list',
    schema: {
      tags,
      summary: 'List a directory to a depth; symlinks are reported, never followed',
      params: SandboxIdParams,
      querystring: FileListQuery,
      response: { 200: FileListingSchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  stat: {
    method: 'GET',
    url: '/v1/sandboxes/:id/files/stat',
    schema: {
      tags,
      summary: 'Stat a path (a symlink is described, not followed)',
      params: SandboxIdParams,
      querystring: FilePathQuery,
      response: { 200: FileStatSchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  mkdir: {
    method: 'POST',
    url: '/v1/sandboxes/:id/files/mkdir',
    schema: {
      tags,
      summary: 'Create a directory',
      params: SandboxIdParams,
      body: MkdirBody,
      response: { 201: FileStatSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  },
  move: {
    method: 'POST',
    url: '/v1/sandboxes/:id/files/move',
    schema: {
      tags,
      summary: 'Move or rename a file or directory',
      params: SandboxIdParams,
      body: MoveBody,
      response: { 200: FileStatSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  },
  watch: {
    method: 'GET',
    url: '/v1/sandboxes/:id/files/watch',
    schema: {
      tags,
      summary: 'Follow changes under a directory as server-sent events',
      description:
        'Frames: `ready` {path} once the watch is in place; then `created`, `changed` or `removed` ' +
        '{type, path, kind} (the `FileWatchEvent` schema), changes to one path within ' +
        `${WATCH_LIMITS.coalesceMs} ms reported once as their net effect; \`overflow\` {path} when more ` +
        `than ${WATCH_LIMITS.maxEventsPerSecond} changes a second came (some were not reported: list the ` +
        'directory again); and a final `error` {code, message} if the watch ends on its own (`daemon_stopping` when the daemon stops). A removed ' +
        'directory stands for everything under it. Inside `.git` and `node_modules` nothing is ' +
        'reported unless `include_ignored=true`. Comment lines keep an idle stream alive. At most ' +
        `${WATCH_LIMITS.maxWatches} watches per sandbox (\`rate_limited\`); a recursive watch follows at most ` +
        `${WATCH_LIMITS.maxDirectories} directories. An open watch does not keep the sandbox awake.`,
      params: SandboxIdParams,
      querystring: FileWatchQuery,
      produces: ['text/event-stream'],
      response: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: {} } } },
        ...errorResponses(400, 401, 403, 404, 409, 429),
      },
    },
  },
  pullArchive: {
    method: 'GET',
    url: '/v1/sandboxes/:id/archive',
    schema: {
      tags,
      summary: 'Download a directory of the workspace as a tar stream',
      description:
        'Files, directories and symlinks with their modes; streamed, never held whole. ' +
        'Inside `.git` and `node_modules` everything is included.',
      params: SandboxIdParams,
      querystring: SandboxArchiveQuery,
      produces: ['application/x-tar'],
      response: {
        200: { description: 'A tar archive', content: { 'application/x-tar': { schema: {} } } },
        ...errorResponses(400, 401, 404, 409),
      },
    },
  },
  pushArchive: {
    method: 'PUT',
    url: '/v1/sandboxes/:id/archive',
    schema: {
      tags,
      summary:
        'Upload a tar or tar.gz stream and unpack it into a directory of the workspace (created if missing)',
      description:
        'The same rules as a snapshot import: absolute paths, "..", links out of the workspace, hard ' +
        'links and device files are refused as `invalid_archive` before anything is written. ' +
        'Existing files the archive names are replaced; others are kept.',
      params: SandboxIdParams,
      querystring: SandboxArchiveQuery,
      consumes: ['application/x-tar', 'application/gzip', 'application/octet-stream'],
      response: {
        200: SandboxArchiveResult,
        ...errorResponses(400, 401, 403, 404, 409, 413, 415, 507),
      },
    },
  },
} as const satisfies RouteTable;
