import {
  CreateFilestoreBackendBody,
  CreateFilestoreBody,
  FilestoreBackendListSchema,
  FilestoreBackendParams,
  FilestoreBackendSchema,
  FilestoreFileListSchema,
  FilestoreFileSchema,
  FilestoreListQuery,
  FilestoreListSchema,
  FilestoreMoveBody,
  FilestoreParams,
  FilestorePathQuery,
  FilestoreSchema,
  FilestoreSyncResultSchema,
  SandboxFilestoreListSchema,
} from '../api/filestores.js';
import { SandboxIdParams } from '../api/sandboxes.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['filestores'] as const;

const dataToken =
  ' A sandbox reaches it at `http://paddock.internal` with its own token (`/run/paddock/token`) when the token names the filestore with the operation (`read` or `write`).';

/**
 * Filestores: an owner's named stores of user data that outlive sandboxes, their files from
 * outside (streamed both ways) and from inside a sandbox through its data token, the backends
 * an admin adds, and a sandbox's mounts of them.
 */
export const FilestoreRoutes = {
  create: {
    method: 'POST',
    url: '/v1/filestores',
    schema: {
      tags,
      summary: 'Create a filestore',
      description:
        'On the `local` backend (a directory under the data dir) unless `backend` names an S3 backend.',
      body: CreateFilestoreBody,
      response: { 201: FilestoreSchema, ...errorResponses(400, 401, 403, 404, 409, 502) },
    },
  },
  list: {
    method: 'GET',
    url: '/v1/filestores',
    schema: {
      tags,
      summary: "The caller's filestores",
      response: { 200: FilestoreListSchema, ...errorResponses(401, 403) },
    },
  },
  get: {
    method: 'GET',
    url: '/v1/filestores/:id',
    schema: {
      tags,
      summary: 'One filestore, by id or name',
      params: FilestoreParams,
      response: { 200: FilestoreSchema, ...errorResponses(401, 403, 404) },
    },
  },
  delete: {
    method: 'DELETE',
    url: '/v1/filestores/:id',
    schema: {
      tags,
      summary: 'Delete a filestore and every file in it',
      description: 'Refused with `conflict` while a sandbox that is not deleted has it.',
      params: FilestoreParams,
      response: {
        204: { type: 'null', description: 'Deleted' },
        ...errorResponses(401, 403, 404, 409, 502),
      },
    },
  },
  listFiles: {
    method: 'GET',
    url: '/v1/filestores/:id/files/list',
    schema: {
      tags,
      summary: 'List files in path order (all of them, or below `prefix`), a page at a time',
      description: dataToken,
      params: FilestoreParams,
      querystring: FilestoreListQuery,
      response: { 200: FilestoreFileListSchema, ...errorResponses(400, 401, 403, 404, 502) },
    },
  },
  stat: {
    method: 'GET',
    url: '/v1/filestores/:id/files/stat',
    schema: {
      tags,
      summary: "A file's size and modification time",
      description: dataToken,
      params: FilestoreParams,
      querystring: FilestorePathQuery,
      response: { 200: FilestoreFileSchema, ...errorResponses(400, 401, 403, 404, 502) },
    },
  },
  read: {
    method: 'GET',
    url: '/v1/filestores/:id/files',
    schema: {
      tags,
      summary: 'Read a file, streamed (one `Range` of bytes when asked)',
      description: dataToken,
      params: FilestoreParams,
      querystring: FilestorePathQuery,
      produces: ['application/octet-stream'],
      response: {
        200: {
          description: "The file's bytes",
          content: { 'application/octet-stream': { schema: {} } },
        },
        206: {
          description: 'The asked range of bytes',
          content: { 'application/octet-stream': { schema: {} } },
        },
        ...errorResponses(400, 401, 403, 404, 416, 502),
      },
    },
  },
  write: {
    method: 'PUT',
    url: '/v1/filestores/:id/files',
    schema: {
      tags,
      summary: 'Write a file from raw bytes, streamed; it replaces any file at that path whole',
      description: `Refused with \`quota_exceeded\` past the owner's filestore bytes (nothing is kept).${dataToken}`,
      params: FilestoreParams,
      querystring: FilestorePathQuery,
      consumes: ['application/octet-stream'],
      response: { 200: FilestoreFileSchema, ...errorResponses(400, 401, 403, 404, 413, 502) },
    },
  },
  deleteFile: {
    method: 'DELETE',
    url: '/v1/filestores/:id/files',
    schema: {
      tags,
      summary: 'Delete a file',
      description: dataToken,
      params: FilestoreParams,
      querystring: FilestorePathQuery,
      response: {
        204: { type: 'null', description: 'Deleted' },
        ...errorResponses(400, 401, 403, 404, 502),
      },
    },
  },
  move: {
    method: 'POST',
    url: '/v1/filestores/:id/files/move',
    schema: {
      tags,
      summary: 'Move a file, replacing any at the target',
      description: dataToken,
      params: FilestoreParams,
      body: FilestoreMoveBody,
      response: { 200: FilestoreFileSchema, ...errorResponses(400, 401, 403, 404, 502) },
    },
  },
  sandboxMounts: {
    method: 'GET',
    url: '/v1/sandboxes/:id/filestores',
    schema: {
      tags,
      summary: "A sandbox's filestores: where each is shown, how, and when it was last synced",
      params: SandboxIdParams,
      response: { 200: SandboxFilestoreListSchema, ...errorResponses(401, 403, 404) },
    },
  },
  sync: {
    method: 'POST',
    url: '/v1/sandboxes/:id/filestores/sync',
    schema: {
      tags,
      summary: "Write a running sandbox's changes to its read-write synced filestores now",
      description:
        'Synced mounts (S3 backends) reach the store at stop and when asked here: each file as it is at that moment, the last writer winning per file; a file deleted inside is deleted in the store only if nobody changed it there since. Bound mounts (local) need no sync.',
      params: SandboxIdParams,
      response: { 200: FilestoreSyncResultSchema, ...errorResponses(401, 403, 404, 409, 502) },
    },
  },
  createBackend: {
    method: 'POST',
    url: '/v1/filestore-backends',
    schema: {
      tags,
      summary: 'Add an S3-compatible backend (admin)',
      description:
        'The secret key is sealed like other secrets and never returned; the daemon is the only client of the bucket, and no sandbox ever holds its credential.',
      body: CreateFilestoreBackendBody,
      response: { 201: FilestoreBackendSchema, ...errorResponses(400, 401, 403, 409) },
    },
  },
  listBackends: {
    method: 'GET',
    url: '/v1/filestore-backends',
    schema: {
      tags,
      summary: 'The S3-compatible backends filestores may be created on',
      response: { 200: FilestoreBackendListSchema, ...errorResponses(401, 403) },
    },
  },
  deleteBackend: {
    method: 'DELETE',
    url: '/v1/filestore-backends/:name',
    schema: {
      tags,
      summary: 'Remove a backend no filestore uses (admin)',
      params: FilestoreBackendParams,
      response: {
        204: { type: 'null', description: 'Removed' },
        ...errorResponses(401, 403, 404, 409),
      },
    },
  },
} as const satisfies RouteTable;
