import {
  ProcessListSchema,
  ProcessLogsQuery,
  ProcessLogsSchema,
  ProcessNameParams,
  ProcessSchema,
} from '../api/processes.js';
import { SandboxIdParams } from '../api/sandboxes.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['processes'] as const;

/** The manifest's supervised processes (web and workers): list, logs and restart. */
export const ProcessRoutes = {
  list: {
    method: 'GET',
    url: '/v1/sandboxes/:id/processes',
    schema: {
      tags,
      summary: "The manifest's processes with status, pid, restarts and health",
      params: SandboxIdParams,
      response: { 200: ProcessListSchema, ...errorResponses(401, 404) },
    },
  },
  logs: {
    method: 'GET',
    url: '/v1/sandboxes/:id/processes/:name/logs',
    schema: {
      tags,
      summary:
        "A process's log (stdout and stderr, kept across restarts); Accept: text/event-stream follows it",
      description:
        'Stream frames: `output` {text}; the first one is the current tail, then output as it happens. ' +
        'A daemon stopping ends the stream with an `error` {code: `daemon_stopping`, message}.',
      params: ProcessNameParams,
      querystring: ProcessLogsQuery,
      response: { 200: ProcessLogsSchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  restart: {
    method: 'POST',
    url: '/v1/sandboxes/:id/processes/:name/restart',
    schema: {
      tags,
      summary: 'Restart a process now (a failed one too), resetting its failure count',
      params: ProcessNameParams,
      response: { 200: ProcessSchema, ...errorResponses(401, 404, 409) },
    },
  },
} as const satisfies RouteTable;
