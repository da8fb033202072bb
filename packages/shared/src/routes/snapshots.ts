import { SandboxIdParams } from '../api/sandboxes.js';
import {
  CreateSnapshotBody,
  ImportSnapshotQuery,
  SNAPSHOT_ARCHIVE_TYPES,
  SnapshotIdParams,
  SnapshotSchema,
} from '../api/snapshots.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['snapshots'] as const;

/** Snapshots by id, capture from a sandbox, export and import. App-scoped routes are in AppRoutes. */
export const SnapshotRoutes = {
  capture: {
    method: 'POST',
    url: '/v1/sandboxes/:id/snapshots',
    schema: {
      tags,
      summary:
        "Capture the sandbox's workspace (processes frozen meanwhile); regenerable dirs such as node_modules are left out",
      params: SandboxIdParams,
      body: CreateSnapshotBody,
      response: { 201: SnapshotSchema, ...errorResponses(400, 401, 404, 409, 422) },
    },
  },
  get: {
    method: 'GET',
    url: '/v1/snapshots/:id',
    schema: {
      tags,
      summary: 'One snapshot',
      params: SnapshotIdParams,
      response: { 200: SnapshotSchema, ...errorResponses(400, 401, 404) },
    },
  },
  delete: {
    method: 'DELETE',
    url: '/v1/snapshots/:id',
    schema: {
      tags,
      summary: 'Delete a snapshot; content no other snapshot shares is removed from disk',
      params: SnapshotIdParams,
      response: {
        204: { type: 'null', description: 'Deleted' },
        ...errorResponses(400, 401, 404, 409),
      },
    },
  },
  export: {
    method: 'GET',
    url: '/v1/snapshots/:id/export',
    schema: {
      tags,
      summary: 'The snapshot as a tar archive (files, directories, symlinks; modes and mtimes)',
      params: SnapshotIdParams,
      produces: ['application/x-tar'],
      response: {
        200: { description: 'A tar archive', content: { 'application/x-tar': { schema: {} } } },
        ...errorResponses(400, 401, 404, 409),
      },
    },
  },
  import: {
    method: 'POST',
    url: '/v1/snapshots/import',
    schema: {
      tags,
      summary:
        'Import a tar or tar.gz as a new snapshot; absolute paths, "..", hard links and device files are refused',
      querystring: ImportSnapshotQuery,
      consumes: SNAPSHOT_ARCHIVE_TYPES,
      response: { 201: SnapshotSchema, ...errorResponses(400, 401, 409, 415) },
    },
  },
} as const satisfies RouteTable;
