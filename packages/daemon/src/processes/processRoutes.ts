import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ProcessListSchema,
  ProcessLogsQuery,
  ProcessLogsSchema,
  ProcessNameParams,
  ProcessSchema,
  SandboxIdParams,
} from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { clientGone } from '../http/disconnect.js';
import { errorResponses } from '../http/errorResponses.js';
import { openEventStream, wantsStream } from '../http/eventStream.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { RuntimeService } from './runtimeService.js';

export interface ProcessRoutesOptions {
  sandboxes: SandboxService;
  runtime: RuntimeService;
}

/** The supervised processes of the manifest (web and workers): list, logs and restart. */
export const processRoutes: FastifyPluginAsyncTypebox<ProcessRoutesOptions> = async (app, opts) => {
  const tags = ['processes'];
  const { sandboxes, runtime } = opts;

  app.get(
    '/v1/sandboxes/:id/processes',
    {
      schema: {
        tags,
        summary: "The manifest's processes with status, pid, restarts and health",
        params: SandboxIdParams,
        response: { 200: ProcessListSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      const row = await sandboxes.get(p.owner, request.params.id);
      return { items: await runtime.processes(row) };
    },
  );

  app.get(
    '/v1/sandboxes/:id/processes/:name/logs',
    {
      schema: {
        tags,
        summary:
          "A process's log (stdout and stderr, kept across restarts); Accept: text/event-stream follows it",
        description:
          'Stream frames: `output` {text}; the first one is the current tail, then output as it happens.',
        params: ProcessNameParams,
        querystring: ProcessLogsQuery,
        response: { 200: ProcessLogsSchema, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const { id, name } = request.params;
      // Reading logs is not activity: an open console must not keep a sandbox awake.
      const { client } = await sandboxes.agent(p.owner, id);
      if (!wantsStream(request.headers.accept)) {
        return client.supervisedLogs(name, request.query.tail);
      }
      const gone = clientGone(reply);
      const stream = await client.supervisedLogStream(name, request.query.tail, gone);
      reply.hijack();
      openEventStream(reply.raw);
      // The agent's frames pass through as they are: they only carry the process's own output.
      stream.on('error', () => reply.raw.destroy());
      stream.on('end', () => reply.raw.end());
      stream.pipe(reply.raw, { end: false });
      gone.addEventListener('abort', () => stream.destroy());
    },
  );

  app.post(
    '/v1/sandboxes/:id/processes/:name/restart',
    {
      schema: {
        tags,
        summary: 'Restart a process now (a failed one too), resetting its failure count',
        params: ProcessNameParams,
        response: { 200: ProcessSchema, ...errorResponses(401, 404, 409) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.restartSupervised(request.params.name),
      );
    },
  );
};
