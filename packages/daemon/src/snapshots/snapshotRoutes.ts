import { Readable } from 'node:stream';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import { SNAPSHOT_ARCHIVE_TYPES, SnapshotRoutes } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { shieldedBody } from '../http/unreadBody.js';
import type { SnapshotService } from './snapshotService.js';
import { snapshotView } from './snapshotStore.js';

export interface SnapshotRoutesOptions {
  snapshots: SnapshotService;
}

/** Snapshots by id, capture from a sandbox, export and import. App-scoped routes are the apps'. */
export const snapshotRoutes: FastifyPluginAsyncTypebox<SnapshotRoutesOptions> = async (
  app,
  opts,
) => {
  const { snapshots } = opts;

  app.route({
    ...SnapshotRoutes.capture,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await snapshots.capture(p.owner, request.params.id, request.body.name);
      return reply.code(201).send(snapshotView(row));
    },
  });

  app.route({
    ...SnapshotRoutes.get,
    handler: async (request) => {
      const p = requirePrincipal(request);
      return snapshotView(await snapshots.get(p.owner, request.params.id));
    },
  });

  app.route({
    ...SnapshotRoutes.delete,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      await snapshots.delete(p.owner, request.params.id);
      return reply.code(204).send(null);
    },
  });

  app.route({
    ...SnapshotRoutes.export,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const { row, stream } = await snapshots.export(p.owner, request.params.id);
      reply.header('content-type', 'application/x-tar');
      reply.header('content-disposition', `attachment; filename="${row.id}.tar"`);
      return reply.send(stream);
    },
  });

  // Raw archive bytes in: the parser hands the request stream over untouched, in this scope only.
  await app.register(async (plain) => {
    const raw = plain.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser(SNAPSHOT_ARCHIVE_TYPES, (_request, payload, done) =>
      done(null, payload),
    );
    raw.route({
      ...SnapshotRoutes.import,
      handler: async (request, reply) => {
        const p = requirePrincipal(request);
        // A refusal stops reading mid-body (a bomb, too many entries): the rest is read and
        // dropped before the answer, or the connection is left mid-request and the client's
        // next request on it hangs until it is reset.
        const { body, discardRest } = shieldedBody(
          (request.body as Readable | undefined) ?? Readable.from([]),
        );
        try {
          const row = await snapshots.import(
            p.owner,
            request.query.name,
            body,
            p.role === 'agent' ? p.keyId : null,
          );
          return await reply.code(201).send(snapshotView(row));
        } catch (err) {
          await discardRest();
          throw err;
        }
      },
    });
  });
};
