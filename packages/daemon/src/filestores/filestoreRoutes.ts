import type { Readable } from 'node:stream';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { FilestoreRoutes, PaddockError } from '@paddock/shared';
import { byteRange } from '../http/byteRange.js';
import { shieldedBody } from '../http/unreadBody.js';
import { actorOf, requireAdmin, requirePrincipal, requireSandboxScope } from '../http/principal.js';
import type { SandboxService } from '../sandboxes/index.js';
import type { FilestoreBackends } from './filestoreBackends.js';
import type { FilestoreMounts } from './filestoreMounts.js';
import type { FilestoreService } from './filestoreService.js';
import type { FilestoreStore } from './filestoreStore.js';
import { filestoreView } from './filestoreStore.js';

export interface FilestoreRoutesOptions {
  service: FilestoreService;
  backends: FilestoreBackends;
  mounts: FilestoreMounts;
  store: FilestoreStore;
  sandboxes: SandboxService;
}

/** A key's principal, or a sandbox's token (the broker checks what its token names). */
function callerOf(request: FastifyRequest) {
  const principal = request.principal;
  if (!principal) throw new PaddockError('unauthorized', 'a bearer token is required');
  return { principal, actor: actorOf(request) };
}

/** Filestores, their files (from outside and from sandboxes), backends and sandbox mounts. */
export const filestoreRoutes: FastifyPluginAsyncTypebox<FilestoreRoutesOptions> = async (
  app,
  { service, backends, mounts, store, sandboxes },
) => {
  app.route({
    ...FilestoreRoutes.create,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const made = await service.create(p.owner, request.body, actorOf(request));
      return reply.code(201).send(made);
    },
  });

  app.route({
    ...FilestoreRoutes.list,
    handler: async (request) => ({ items: await service.list(requirePrincipal(request).owner) }),
  });

  app.route({
    ...FilestoreRoutes.get,
    handler: async (request) =>
      filestoreView(await service.get(requirePrincipal(request).owner, request.params.id)),
  });

  app.route({
    ...FilestoreRoutes.delete,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      await service.delete(p.owner, request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  });

  app.route({
    ...FilestoreRoutes.listFiles,
    handler: async (request) =>
      service.listFiles(callerOf(request), request.params.id, request.query),
  });

  app.route({
    ...FilestoreRoutes.stat,
    handler: async (request) =>
      service.stat(callerOf(request), request.params.id, request.query.path),
  });

  app.route({
    ...FilestoreRoutes.read,
    handler: async (request, reply) => {
      const opened = await service.read(
        callerOf(request),
        request.params.id,
        request.query.path,
        request.headers.range === undefined
          ? null
          : (size) => byteRange(request.headers.range, size),
      );
      const { size } = opened.entry;
      reply.header('content-type', 'application/octet-stream');
      reply.header('accept-ranges', 'bytes');
      reply.header('last-modified', new Date(opened.entry.modified_at).toUTCString());
      if (opened.range) {
        const { start, end } = opened.range;
        reply.code(206);
        reply.header('content-range', `bytes ${start}-${end}/${size}`);
        reply.header('content-length', String(end - start + 1));
      } else {
        reply.header('content-length', String(size));
      }
      return reply.send(opened.stream);
    },
  });

  // Raw bytes in, streamed to the backend: this route's context has one parser, which hands
  // the body over unread.
  await app.register(async (plain) => {
    const raw = plain.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    raw.route({
      ...FilestoreRoutes.write,
      // A large upload may take longer than the API's default body limit allows.
      bodyLimit: Number.MAX_SAFE_INTEGER,
      handler: async (request) => {
        const raw = request.body as Readable | undefined;
        if (!raw) throw new PaddockError('bad_request', 'the file bytes are the request body');
        const { body, discardRest } = shieldedBody(raw);
        try {
          return await service.write(
            callerOf(request),
            request.params.id,
            request.query.path,
            body,
          );
        } catch (err) {
          await discardRest();
          throw err;
        }
      },
    });
  });

  app.route({
    ...FilestoreRoutes.deleteFile,
    handler: async (request, reply) => {
      await service.deleteFile(callerOf(request), request.params.id, request.query.path);
      return reply.code(204).send(null);
    },
  });

  app.route({
    ...FilestoreRoutes.move,
    handler: async (request) =>
      service.move(callerOf(request), request.params.id, request.body.from, request.body.to),
  });

  app.route({
    ...FilestoreRoutes.sandboxMounts,
    handler: async (request) => {
      const p = requireSandboxScope(request, request.params.id, 'sandbox:read');
      await sandboxes.get(p.owner, request.params.id);
      return {
        items: await store.mountViews(request.params.id, (b) => backends.isCopied(b)),
      };
    },
  });

  app.route({
    ...FilestoreRoutes.sync,
    handler: async (request) => {
      const p = requireSandboxScope(request, request.params.id, 'sandbox:read');
      const row = await sandboxes.get(p.owner, request.params.id);
      if (row.status !== 'running') {
        throw new PaddockError('sandbox_not_running', `sandbox ${row.id} is ${row.status}`);
      }
      return { items: await mounts.syncNow(row.id) };
    },
  });

  app.route({
    ...FilestoreRoutes.createBackend,
    handler: async (request, reply) => {
      requireAdmin(request);
      return reply.code(201).send(await backends.create(request.body));
    },
  });

  app.route({
    ...FilestoreRoutes.listBackends,
    handler: async (request) => {
      requirePrincipal(request);
      return { items: await backends.list() };
    },
  });

  app.route({
    ...FilestoreRoutes.deleteBackend,
    handler: async (request, reply) => {
      requireAdmin(request);
      if ((await store.countOnBackend(request.params.name)) > 0) {
        throw new PaddockError('conflict', `filestores use backend ${request.params.name}`);
      }
      await backends.remove(request.params.name);
      return reply.code(204).send(null);
    },
  });
};
