import {
  CommandList,
  CommandOutputQuery,
  CommandOutputSchema,
  CommandParams,
  CommandSchema,
  ExecBody,
  ExecResultSchema,
  SignalBody,
} from '../api/exec.js';
import { SandboxIdParams } from '../api/sandboxes.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['exec'] as const;

/** Commands in a sandbox: run one (buffered or streamed), or start one in the background and manage it. */
export const ExecRoutes = {
  exec: {
    method: 'POST',
    url: '/v1/sandboxes/:id/exec',
    schema: {
      tags,
      summary: 'Run a command; buffered JSON, or server-sent events with Accept: text/event-stream',
      description:
        'Stream frames: `start` {pid}, `stdout`/`stderr` {text}, and a final `exit` with the result ' +
        'minus output, or a final `error` {code, message} (`daemon_stopping` when the daemon ends it). With `background: true` the answer is 201 with the process record.',
      params: SandboxIdParams,
      body: ExecBody,
      response: {
        200: ExecResultSchema,
        201: CommandSchema,
        ...errorResponses(400, 401, 404, 409, 503),
      },
    },
  },
  listCommands: {
    method: 'GET',
    url: '/v1/sandboxes/:id/commands',
    schema: {
      tags,
      summary: 'Background commands: running ones and the most recent finished ones',
      params: SandboxIdParams,
      response: { 200: CommandList, ...errorResponses(401, 404, 409) },
    },
  },
  getCommand: {
    method: 'GET',
    url: '/v1/sandboxes/:id/commands/:pid',
    schema: {
      tags,
      summary: 'One background command',
      params: CommandParams,
      response: { 200: CommandSchema, ...errorResponses(401, 404, 409) },
    },
  },
  commandOutput: {
    method: 'GET',
    url: '/v1/sandboxes/:id/commands/:pid/output',
    schema: {
      tags,
      summary: 'The newest output of a background command (bounded ring)',
      params: CommandParams,
      querystring: CommandOutputQuery,
      response: { 200: CommandOutputSchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  signalCommand: {
    method: 'POST',
    url: '/v1/sandboxes/:id/commands/:pid/signal',
    schema: {
      tags,
      summary: "Send a signal to a background command's process group",
      params: CommandParams,
      body: SignalBody,
      response: { 200: CommandSchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  killCommand: {
    method: 'DELETE',
    url: '/v1/sandboxes/:id/commands/:pid',
    schema: {
      tags,
      summary: "Kill a background command's process group and return its final record",
      params: CommandParams,
      response: { 200: CommandSchema, ...errorResponses(401, 404, 409) },
    },
  },
} as const satisfies RouteTable;
