import fs from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { encodeSseFrame, TaskRoutes, type TaskStreamFrame } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { clientGone } from '../http/disconnect.js';
import { endOnStop, openEventStream } from '../http/eventStream.js';
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
  const { tasks, logs } = opts;

  app.route({
    ...TaskRoutes.create,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await tasks.create(p.owner, request.params.id, request.body);
      return reply.code(202).send(taskView(row));
    },
  });

  app.route({
    ...TaskRoutes.list,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return { items: (await tasks.list(p.owner, request.params.id)).map(taskView) };
    },
  });

  app.route({
    ...TaskRoutes.get,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return taskView(await tasks.get(p.owner, request.params.id));
    },
  });

  app.route({
    ...TaskRoutes.cancel,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return taskView(await tasks.cancel(p.owner, request.params.id));
    },
  });

  app.route({
    ...TaskRoutes.diff,
    handler: async (request, reply) => {
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
  });

  app.route({
    ...TaskRoutes.stream,
    handler: async (request, reply) => {
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
      endOnStop(out, app.stopping, 'following the task was ended (the task goes on)');
    },
  });
};
