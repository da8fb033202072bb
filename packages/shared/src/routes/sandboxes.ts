import { EventPage, EventsQuery } from '../api/events.js';
import {
  CreateSandboxBody,
  ListSandboxesQuery,
  SandboxDetailSchema,
  SandboxIdParams,
  SandboxPage,
  SandboxSchema,
  StopSandboxBody,
} from '../api/sandboxes.js';
import { KeepaliveBody } from '../api/settings.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['sandboxes'] as const;

/** Sandboxes: create, list, get, stop, start, delete, keep alive, their preview links and events. */
export const SandboxRoutes = {
  create: {
    method: 'POST',
    url: '/v1/sandboxes',
    schema: {
      tags,
      summary: 'Create and start a sandbox',
      body: CreateSandboxBody,
      response: { 201: SandboxSchema, ...errorResponses(400, 401, 502) },
    },
  },
  list: {
    method: 'GET',
    url: '/v1/sandboxes',
    schema: {
      tags,
      summary: 'List sandboxes, newest first; filter with status and metadata.KEY=VALUE',
      querystring: ListSandboxesQuery,
      response: { 200: SandboxPage, ...errorResponses(400, 401) },
    },
  },
  get: {
    method: 'GET',
    url: '/v1/sandboxes/:id',
    schema: {
      tags,
      summary:
        "Get a sandbox with its processes and preview (also with the sandbox's own token, /run/paddock/token)",
      params: SandboxIdParams,
      response: { 200: SandboxDetailSchema, ...errorResponses(401, 403, 404) },
    },
  },
  rotatePreview: {
    method: 'POST',
    url: '/v1/sandboxes/:id/preview/rotate',
    schema: {
      tags,
      summary: 'Invalidate every preview link and cookie issued so far; answers with a fresh link',
      params: SandboxIdParams,
      response: { 200: SandboxDetailSchema, ...errorResponses(401, 404) },
    },
  },
  stop: {
    method: 'POST',
    url: '/v1/sandboxes/:id/stop',
    schema: {
      tags,
      summary: 'Stop a sandbox (TERM, grace, KILL); its workspace is kept',
      params: SandboxIdParams,
      body: StopSandboxBody,
      response: { 200: SandboxSchema, ...errorResponses(400, 401, 404, 502) },
    },
  },
  start: {
    method: 'POST',
    url: '/v1/sandboxes/:id/start',
    schema: {
      tags,
      summary: 'Start a stopped sandbox with its kept workspace',
      params: SandboxIdParams,
      response: { 200: SandboxSchema, ...errorResponses(401, 404, 502) },
    },
  },
  delete: {
    method: 'DELETE',
    url: '/v1/sandboxes/:id',
    schema: {
      tags,
      summary: 'Delete a sandbox: every process, mount, cgroup and file goes',
      params: SandboxIdParams,
      response: {
        204: { type: 'null', description: 'Deleted' },
        ...errorResponses(401, 404, 502),
      },
    },
  },
  keepalive: {
    method: 'POST',
    url: '/v1/sandboxes/:id/keepalive',
    schema: {
      tags,
      summary: 'Hold off idle stop for a while (at most keepalive_max_seconds)',
      params: SandboxIdParams,
      body: KeepaliveBody,
      response: { 200: SandboxSchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  events: {
    method: 'GET',
    url: '/v1/sandboxes/:id/events',
    schema: {
      tags,
      summary: 'The sandbox’s events, newest first; page with before=<last id>',
      params: SandboxIdParams,
      querystring: EventsQuery,
      response: { 200: EventPage, ...errorResponses(400, 401, 404) },
    },
  },
} as const satisfies RouteTable;
