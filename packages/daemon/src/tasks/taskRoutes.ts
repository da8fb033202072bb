import fs from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CreateTaskBody,
  encodeSseFrame,
  SandboxIdParams,
  TaskIdParams,
  TaskList,
  TaskSchema,
  type TaskStreamFrame,
} from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { clientGone } from '../http/disconnect.js';
import { errorResponses } from '../http/errorResponses.js';
import { openEventStream } from '../http/eventStream.js';
import type { TaskLogs } from './taskLog.js';
import type { TaskService } from './taskService.js';
import { taskView } from './taskStore.js';

export interface TaskRoutesOptions {
  tasks: TaskService;
  logs: TaskLogs;
}

/** Unread stream output held for one follower before it is cut off. */
const STREAM_BUFFER_BYTES = 4 * 1024 * 1024;

export const taskRoutes: FastifyPluginAsyncTypebox<TaskRoutesOptions> = async (app, opts) => {
  const tags = ['tasks'];
  const { tasks, logs } = opts;

  app.post(
    '/v1/sandboxes/:id/tasks',
    {
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
    async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await tasks.create(p.owner, request.params.id, request.body);
      return reply.code(202).send(taskView(row));
    },
  );

  app.get(
    '/v1/sandboxes/:id/tasks',
    {
      schema: {
        tags,
        summary: "The sandbox's tasks, newest first",
        params: SandboxIdParams,
        response: { 200: TaskList, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return { items: (await tasks.list(p.owner, request.params.id)).map(taskView) };
    },
  );

  app.get(
    '/v1/tasks/:id',
    {
      schema: {
        tags,
        summary: 'A task with its status and, once finished, its result',
        params: TaskIdParams,
        response: { 200: TaskSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return taskView(await tasks.get(p.owner, request.params.id));
    },
  );

  app.post(
    '/v1/tasks/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a task: a queued one ends, a running one has its process group killed',
        params: TaskIdParams,
        response: { 200: TaskSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return taskView(await tasks.cancel(p.owner, request.params.id));
    },
  );

  app.get(
    '/v1/tasks/:id/diff',
    {
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
    async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await tasks.get(p.owner, request.params.id);
      let diff = '';
      try {
        diff = fs.readFileSync(logs.diffFile(row.id), 'utf8');
      } catch {
        // not finished, or nothing was committed
      }
      return reply.type('text/plain; charset=utf-8').send(diff);
    },
  );

  app.get(
    '/v1/tasks/:id/stream',
    {
      schema: {
        tags,
        summary: 'Follow a task: its log so far, then new output, status changes and the result',
        description:
          'Server-sent events: `log` {text} (the first one is the backlog), `status` {status}, and a final ' +
          '`result` (the task) after which the stream ends.',
        params: TaskIdParams,
        produces: ['text/event-stream'],
        response: {
          200: { description: 'An event stream', content: { 'text/event-stream': { schema: {} } } },
          ...errorResponses(401, 404),
        },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await tasks.get(p.owner, request.params.id);
      const gone = clientGone(reply);
      const out = reply.raw;
      // A follower that does not read is cut off rather than buffered for without end.
      const send = (frame: TaskStreamFrame): void => {
        if (out.writableEnded || out.destroyed) return;
        out.write(encodeSseFrame(frame));
        if (frame.event === 'result') out.end();
        else if (out.writableLength > STREAM_BUFFER_BYTES) out.destroy();
      };
      const sub = logs.subscribe(row.id, send);
      reply.hijack();
      openEventStream(out);
      out.write(encodeSseFrame({ event: 'status', data: { status: sub.status ?? row.status } }));
      if (sub.backlog !== '')
        out.write(encodeSseFrame({ event: 'log', data: { text: sub.backlog } }));
      if (!sub.live) {
        // Finished: the stored state is the whole story.
        out.write(
          encodeSseFrame({ event: 'result', data: taskView(await tasks.get(p.owner, row.id)) }),
        );
        out.end();
        return;
      }
      gone.addEventListener('abort', sub.unsubscribe);
    },
  );
};
