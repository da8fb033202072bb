import type { Readable } from 'node:stream';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import {
  AGENT_LIMITS,
  encodeSseFrame,
  FileRoutes,
  PaddockError,
  WATCH_LIMITS,
} from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { clientGone } from '../http/disconnect.js';
import { endOnStop, openEventStream, startHeartbeat } from '../http/eventStream.js';
import type { SandboxService } from './sandboxService.js';
import type { SandboxRow } from './sandboxStore.js';

/** A watch follower that does not read is cut off once this much waits for it. */
const WATCH_BUFFER_BYTES = 1024 * 1024;

export interface FileRoutesOptions {
  sandboxes: SandboxService;
  /** Told the paths a write, delete or move touched (the runtime watches sandbox.yaml). */
  onChange?: (row: SandboxRow, paths: string[]) => void;
}

/** Files inside a sandbox's workspace. Every path is resolved and checked by the guest agent. */
export const fileRoutes: FastifyPluginAsyncTypebox<FileRoutesOptions> = async (
  app,
  { sandboxes, onChange = () => undefined },
) => {
  app.route({
    ...FileRoutes.read,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const file = await sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.readFile(request.query.path, clientGone(reply)),
      );
      reply.header('content-type', 'application/octet-stream');
      reply.header('content-length', String(file.size));
      return reply.send(file.stream);
    },
  });

  // Raw bytes in, whatever the content type (a package.json is still bytes): this route lives in
  // its own context whose only parser hands the body over as a stream, never buffered here.
  await app.register(async (plain) => {
    const raw = plain.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    raw.route({
      ...FileRoutes.write,
      handler: async (request) => {
        const p = requirePrincipal(request);
        const declared = Number(request.headers['content-length'] ?? 0);
        if (declared > AGENT_LIMITS.fileWriteBytes) {
          throw new PaddockError(
            'payload_too_large',
            `files are limited to ${AGENT_LIMITS.fileWriteBytes} bytes`,
          );
        }
        const body = request.body as Readable | Buffer | undefined;
        return sandboxes.withAgent(p.owner, request.params.id, async (client, row) => {
          const written = await client.writeFile(
            request.query.path,
            body ?? Buffer.alloc(0),
            request.query.mode ? { mode: request.query.mode } : {},
          );
          onChange(row, [request.query.path]);
          return written;
        });
      },
    });
  });

  app.route({
    ...FileRoutes.delete,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      await sandboxes.withAgent(p.owner, request.params.id, async (client, row) => {
        await client.deleteFile(request.query.path, request.query.recursive ?? false);
        onChange(row, [request.query.path]);
      });
      return reply.code(204).send(null);
    },
  });

  app.route({
    ...FileRoutes.list,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.listFiles(request.query.path ?? '.', request.query.depth ?? 1),
      );
    },
  });

  app.route({
    ...FileRoutes.stat,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.stat(request.query.path),
      );
    },
  });

  app.route({
    ...FileRoutes.mkdir,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const made = await sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.mkdir(request.body),
      );
      return reply.code(201).send(made);
    },
  });

  app.route({
    ...FileRoutes.move,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, async (client, row) => {
        const moved = await client.move(request.body);
        onChange(row, [request.body.from, request.body.to]);
        return moved;
      });
    },
  });

  /** Open watches per sandbox id, capped here rather than by the agent: see WATCH_LIMITS. */
  const perSandbox = new Map<string, number>();

  app.route({
    ...FileRoutes.watch,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const { id } = request.params;
      const { path = '.', recursive = false, include_ignored: includeIgnored } = request.query;
      await sandboxes.agent(p.owner, id); // whose it is and whether it runs come first
      const held = perSandbox.get(id) ?? 0;
      if (held >= WATCH_LIMITS.maxWatches) {
        throw new PaddockError(
          'rate_limited',
          `at most ${WATCH_LIMITS.maxWatches} file watches may be open on one sandbox`,
        );
      }
      perSandbox.set(id, held + 1);
      // The client going away ends the watch; so does a stopping daemon's deadline.
      const signal = AbortSignal.any([clientGone(reply), app.stopping]);
      try {
        // Opening is a file call like the others (a dead agent is noticed there); the open
        // stream is not activity, so a console left open does not keep the sandbox awake.
        const frames = await sandboxes.withAgent(p.owner, id, (client) =>
          client.watchFiles({ path, recursive, includeIgnored }, signal),
        );
        reply.hijack();
        const out = reply.raw;
        openEventStream(out);
        startHeartbeat(out);
        endOnStop(out, app.stopping, 'the file watch was ended');
        try {
          for await (const frame of frames) {
            if (out.writableEnded) break;
            out.write(encodeSseFrame(frame));
            if (out.writableLength > WATCH_BUFFER_BYTES) {
              out.destroy();
              break;
            }
          }
        } catch (err) {
          if (!signal.aborted) {
            const e =
              err instanceof PaddockError
                ? err
                : new PaddockError('internal', 'the file watch failed');
            if (!(err instanceof PaddockError)) request.log.error({ err }, 'file watch failed');
            out.write(
              encodeSseFrame({ event: 'error', data: { code: e.code, message: e.message } }),
            );
          }
        }
        out.end();
      } finally {
        const left = (perSandbox.get(id) ?? 1) - 1;
        if (left > 0) perSandbox.set(id, left);
        else perSandbox.delete(id);
      }
    },
  });
};
