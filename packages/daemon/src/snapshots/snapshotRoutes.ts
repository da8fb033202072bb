import { Readable } from 'node:stream';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import {
  CreateSnapshotBody,
  ImportSnapshotQuery,
  SandboxIdParams,
  SnapshotIdParams,
  SnapshotSchema,
} from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { errorResponses } from '../http/errorResponses.js';
import type { SnapshotService } from './snapshotService.js';
import { snapshotView } from './snapshotStore.js';

export interface SnapshotRoutesOptions {
  snapshots: SnapshotService;
}

/** The archive types an import accepts; gzip is recognised by its bytes, not its label. */
const ARCHIVE_TYPES = [
  'application/x-tar',
  'application/gzip',
  'application/x-gzip',
  'application/octet-stream',
];

/** Snapshots by id, capture from a sandbox, export and import. App-scoped routes are the apps'. */
export const snapshotRoutes: FastifyPluginAsyncTypebox<SnapshotRoutesOptions> = async (
  app,
  opts,
) => {
  const tags = ['snapshots'];
  const { snapshots } = opts;

  app.post(
    '/v1/sandboxes/:id/snapshots',
    {
      schema: {
        tags,
        summary:
          "Capture the sandbox's workspace (processes frozen meanwhile); regenerable dirs such as node_modules are left out",
        params: SandboxIdParams,
        body: CreateSnapshotBody,
        response: { 201: SnapshotSchema, ...errorResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await snapshots.capture(p.owner, request.params.id, request.body.name);
      return reply.code(201).send(snapshotView(row));
    },
  );

  app.get(
    '/v1/snapshots/:id',
    {
      schema: {
        tags,
        summary: 'One snapshot',
        params: SnapshotIdParams,
        response: { 200: SnapshotSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return snapshotView(await snapshots.get(p.owner, request.params.id));
    },
  );

  app.delete(
    '/v1/snapshots/:id',
    {
      schema: {
        tags,
        summary: 'Delete a snapshot; content no other snapshot shares is removed from disk',
        params: SnapshotIdParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...errorResponses(400, 401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      await snapshots.delete(p.owner, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/snapshots/:id/export',
    {
      schema: {
        tags,
        summary: 'The snapshot as a tar archive (files, directories, symlinks; modes and mtimes)',
        params: SnapshotIdParams,
        produces: ['application/x-tar'],
        response: {
          200: { description: 'A tar archive', content: { 'application/x-tar': { schema: {} } } },
          ...errorResponses(400, 401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const { row, stream } = await snapshots.export(p.owner, request.params.id);
      reply.header('content-type', 'application/x-tar');
      reply.header('content-disposition', `attachment; filename="${row.id}.tar"`);
      return reply.send(stream);
    },
  );

  // Raw archive bytes in: the parser hands the request stream over untouched, in this scope only.
  await app.register(async (plain) => {
    const raw = plain.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser(ARCHIVE_TYPES, (_request, payload, done) => done(null, payload));
    raw.post(
      '/v1/snapshots/import',
      {
        schema: {
          tags,
          summary:
            'Import a tar or tar.gz as a new snapshot; absolute paths, "..", hard links and device files are refused',
          querystring: ImportSnapshotQuery,
          consumes: ARCHIVE_TYPES,
          response: { 201: SnapshotSchema, ...errorResponses(400, 401, 409, 415) },
        },
      },
      async (request, reply) => {
        const p = requirePrincipal(request);
        const body = request.body as Readable | undefined;
        const row = await snapshots.import(p.owner, request.query.name, body ?? Readable.from([]));
        return reply.code(201).send(snapshotView(row));
      },
    );
  });
};
