import { SandboxIdParams } from '../api/sandboxes.js';
import { CreateTaskBody, TaskIdParams, TaskList, TaskSchema } from '../api/tasks.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['tasks'] as const;

/** Agent tasks: start, list, follow, cancel, and the diff they leave. */
export const TaskRoutes = {
  create: {
    method: 'POST',
    url: '/v1/sandboxes/:id/tasks',
    schema: {
      tags,
      summary: 'Start an agent task in the sandbox (queued behind the one running, if any)',
      description:
        'Answers 202 at once. `if_busy: "reject"` answers 409 instead of queueing. After the agent, the ' +
        'task commits a checkpoint, runs the build check, restarts `restart_after_task` processes and ' +
        'waits for health.',
      params: SandboxIdParams,
      body: CreateTaskBody,
      response: { 202: TaskSchema, ...errorResponses(400, 401, 404, 409) },
    },
  },
  list: {
    method: 'GET',
    url: '/v1/sandboxes/:id/tasks',
    schema: {
      tags,
      summary: "The sandbox's tasks, newest first",
      params: SandboxIdParams,
      response: { 200: TaskList, ...errorResponses(401, 404) },
    },
  },
  get: {
    method: 'GET',
    url: '/v1/tasks/:id',
    schema: {
      tags,
      summary: 'A task with its status and, once finished, its result',
      params: TaskIdParams,
      response: { 200: TaskSchema, ...errorResponses(401, 404) },
    },
  },
  cancel: {
    method: 'POST',
    url: '/v1/tasks/:id/cancel',
    schema: {
      tags,
      summary: 'Cancel a task: a queued one ends, a running one has its process group killed',
      params: TaskIdParams,
      response: { 200: TaskSchema, ...errorResponses(401, 404) },
    },
  },
  diff: {
    method: 'GET',
    url: '/v1/tasks/:id/diff',
    schema: {
      tags,
      summary: "The task's changes as a unified diff (empty until it finished)",
      params: TaskIdParams,
      produces: ['text/plain'],
      response: {
        200: { description: 'A unified diff', content: { 'text/plain': { schema: {} } } },
        ...errorResponses(401, 404),
      },
    },
  },
  stream: {
    method: 'GET',
    url: '/v1/tasks/:id/stream',
    schema: {
      tags,
      summary: 'Follow a task: its log so far, then new output, status changes and the result',
      description:
        'Server-sent events: `log` {text} (the first one is the backlog), `status` {status}, and a final ' +
        '`result` (the task) after which the stream ends. A daemon stopping ends it with an `error` ' +
        '{code: `daemon_stopping`, message} (the task goes on).',
      params: TaskIdParams,
      produces: ['text/event-stream'],
      response: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: {} } } },
        ...errorResponses(401, 404),
      },
    },
  },
} as const satisfies RouteTable;
