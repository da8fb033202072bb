import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { encodeExecFrame, ExecRoutes, PaddockError } from '@paddock/shared';
import { actorOf, requirePrincipal } from '../http/principal.js';
import { clientGone } from '../http/disconnect.js';
import { endOnStop, openEventStream, wantsStream } from '../http/eventStream.js';
import type { ExecService } from './execService.js';
import type { SandboxService } from './sandboxService.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface ExecRoutesOptions {
  audit: AuditLog;
  sandboxes: SandboxService;
  execs: ExecService;
}

export const execRoutes: FastifyPluginAsyncTypebox<ExecRoutesOptions> = async (
  app,
  { sandboxes, execs, audit },
) => {
  app.route({
    ...ExecRoutes.exec,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const { id } = request.params;
      // The command's keyed hash, exit code and duration; never the command or its output.
      const audited = (details: Record<string, string | number | boolean | null>) =>
        audit.record({
          actor: actorOf(request),
          action: 'exec',
          target: { type: 'sandbox', id },
          details: { command_hmac: execs.commandHash(request.body), ...details },
        });
      if (request.body.background) {
        const started = await execs.startBackground(p.owner, id, request.body);
        await audited({ background: true });
        return reply.code(201).send(started);
      }
      if (!wantsStream(request.headers.accept)) {
        const result = await execs.exec(p.owner, id, request.body, clientGone(reply));
        await audited(resultDetails(result));
        return result;
      }

      const { row } = await sandboxes.agent(p.owner, id);
      execs.execRequest(row, request.body); // validate before the stream starts
      // The client going away ends the command; so does a stopping daemon's deadline.
      const gone = AbortSignal.any([clientGone(reply), app.stopping]);
      reply.hijack();
      openEventStream(reply.raw);
      endOnStop(reply.raw, app.stopping, 'the command was ended');
      try {
        for await (const frame of execs.execStream(p.owner, id, request.body, gone)) {
          if (reply.raw.writableEnded) break;
          reply.raw.write(encodeExecFrame(frame));
          if (frame.event === 'exit') await audited(resultDetails(frame.data));
        }
      } catch (err) {
        // A stopping daemon's deadline already ended the stream with its own frame.
        if (!gone.aborted) {
          const code = err instanceof PaddockError ? err.code : 'internal';
          const message = err instanceof PaddockError ? err.message : 'the stream failed';
          if (!(err instanceof PaddockError)) request.log.error({ err }, 'exec stream failed');
          reply.raw.write(encodeExecFrame({ event: 'error', data: { code, message } }));
        }
      }
      reply.raw.end();
    },
  });

  app.route({
    ...ExecRoutes.listCommands,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const items = await sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.listProcesses(),
      );
      return { items };
    },
  });

  app.route({
    ...ExecRoutes.getCommand,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.getProcess(request.params.pid),
      );
    },
  });

  app.route({
    ...ExecRoutes.commandOutput,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.processOutput(request.params.pid, request.query.tail),
      );
    },
  });

  app.route({
    ...ExecRoutes.signalCommand,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, async (client) => {
        await client.signalProcess(request.params.pid, request.body.signal);
        return client.getProcess(request.params.pid);
      });
    },
  });

  app.route({
    ...ExecRoutes.killCommand,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.killProcess(request.params.pid),
      );
    },
  });
};

function resultDetails(r: { exit_code: number | null; state: string; duration_ms: number }) {
  return { exit_code: r.exit_code, state: r.state, duration_ms: Math.round(r.duration_ms) };
}
