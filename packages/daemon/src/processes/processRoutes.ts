import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProcessRoutes } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { clientGone } from '../http/disconnect.js';
import { endOnStop, openEventStream, wantsStream } from '../http/eventStream.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { RuntimeService } from './runtimeService.js';

export interface ProcessRoutesOptions {
  sandboxes: SandboxService;
  runtime: RuntimeService;
}

/** The supervised processes of the manifest (web and workers): list, logs and restart. */
export const processRoutes: FastifyPluginAsyncTypebox<ProcessRoutesOptions> = async (app, opts) => {
  const { sandboxes, runtime } = opts;

  app.route({
    ...ProcessRoutes.list,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const row = await sandboxes.get(p.owner, request.params.id);
      return { items: await runtime.processes(row) };
    },
  });

  app.route({
    ...ProcessRoutes.logs,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const { id, name } = request.params;
      // Reading logs is not activity: an open console must not keep a sandbox awake.
      const { client } = await sandboxes.agent(p.owner, id);
      if (!wantsStream(request.headers.accept)) {
        return client.supervisedLogs(name, request.query.tail);
      }
      // The client going away ends the follow; so does a stopping daemon's deadline.
      const gone = AbortSignal.any([clientGone(reply), app.stopping]);
      const stream = await client.supervisedLogStream(name, request.query.tail, gone);
      reply.hijack();
      openEventStream(reply.raw);
      // The agent's frames pass through as they are: they only carry the process's own output.
      // An error after the closing frame is the stop's own abort: the frame must still go out.
      stream.on('error', () => {
        if (!reply.raw.writableEnded) reply.raw.destroy();
      });
      stream.on('end', () => reply.raw.end());
      stream.pipe(reply.raw, { end: false });
      gone.addEventListener('abort', () => stream.destroy());
      endOnStop(reply.raw, app.stopping, 'following the log was ended');
    },
  });

  app.route({
    ...ProcessRoutes.restart,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.restartSupervised(request.params.name),
      );
    },
  });
};
