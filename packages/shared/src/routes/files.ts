import { AGENT_LIMITS } from '../agent/protocol.js';
import {
  FileDeleteQuery,
  FileListQuery,
  FileListingSchema,
  FilePathQuery,
  FileStatSchema,
  FileWriteQuery,
  FileWriteResult,
  MkdirBody,
  MoveBody,
} from '../api/files.js';
import { SandboxIdParams } from '../api/sandboxes.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['files'] as const;

/** The sandbox's workspace: read, write, delete, list, stat, mkdir and move. */
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
} as const satisfies RouteTable;
