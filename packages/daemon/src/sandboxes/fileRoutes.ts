import type { Readable } from 'node:stream';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  AGENT_LIMITS,
  FileDeleteQuery,
  FileListQuery,
  FileListingSchema,
  FilePathQuery,
  FileStatSchema,
  FileWriteResult,
  MkdirBody,
  MoveBody,
  PaddockError,
  SandboxIdParams,
} from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { clientGone } from '../http/disconnect.js';
import { errorResponses } from '../http/errorResponses.js';
import type { SandboxService } from './sandboxService.js';
import type { SandboxRow } from './sandboxStore.js';

export interface FileRoutesOptions {
  sandboxes: SandboxService;
  /** Told the paths a write, delete or move touched (the runtime watches sandbox.yaml). */
  onChange?: (row: SandboxRow, paths: string[]) => void;
}

const FileWriteQuery = Type.Object(
  {
    path: FilePathQuery.properties.path,
    mode: Type.Optional(Type.String({ pattern: '^0?[0-7]{3,4}$' })),
  },
  { additionalProperties: false },
);

/** Files inside a sandbox's workspace. Every path is resolved and checked by the guest agent. */
export const fileRoutes: FastifyPluginAsyncTypebox<FileRoutesOptions> = async (
  app,
  { sandboxes, onChange = () => undefined },
) => {
  const tags = ['files'];

  app.get(
    '/v1/sandboxes/:id/files',
    {
      schema: {
        tags,
        summary: 'Read a file as raw bytes',
        params: SandboxIdParams,
        querystring: FilePathQuery,
        produces: ['application/octet-stream'],
        response: {
          200: {
            description: 'The file’s bytes',
            content: { 'application/octet-stream': { schema: {} } },
          },
          ...errorResponses(400, 401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const file = await sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.readFile(request.query.path, clientGone(reply)),
      );
      reply.header('content-type', 'application/octet-stream');
      reply.header('content-length', String(file.size));
      return reply.send(file.stream);
    },
  );

  // Raw bytes in, whatever the content type (a package.json is still bytes): this route lives in
  // its own context whose only parser hands the body over as a stream, never buffered here.
  await app.register(async (plain) => {
    const raw = plain.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    raw.put(
      '/v1/sandboxes/:id/files',
      {
        schema: {
          tags,
          summary: `Write a file from raw bytes (at most ${AGENT_LIMITS.fileWriteBytes} bytes); parents are created`,
          params: SandboxIdParams,
          querystring: FileWriteQuery,
          consumes: ['application/octet-stream'],
          response: { 200: FileWriteResult, ...errorResponses(400, 401, 403, 404, 409, 413, 507) },
        },
      },
      async (request) => {
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
    );
  });

  app.delete(
    '/v1/sandboxes/:id/files',
    {
      schema: {
        tags,
        summary: 'Delete a file, or a directory (recursive=true for a non-empty one)',
        params: SandboxIdParams,
        querystring: FileDeleteQuery,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...errorResponses(400, 401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      await sandboxes.withAgent(p.owner, request.params.id, async (client, row) => {
        await client.deleteFile(request.query.path, request.query.recursive ?? false);
        onChange(row, [request.query.path]);
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/sandboxes/:id/files/list',
    {
      schema: {
        tags,
        summary: 'List a directory to a depth; symlinks are reported, never followed',
        params: SandboxIdParams,
        querystring: FileListQuery,
        response: { 200: FileListingSchema, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.listFiles(request.query.path ?? '.', request.query.depth ?? 1),
      );
    },
  );

  app.get(
    '/v1/sandboxes/:id/files/stat',
    {
      schema: {
        tags,
        summary: 'Stat a path (a symlink is described, not followed)',
        params: SandboxIdParams,
        querystring: FilePathQuery,
        response: { 200: FileStatSchema, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.stat(request.query.path),
      );
    },
  );

  app.post(
    '/v1/sandboxes/:id/files/mkdir',
    {
      schema: {
        tags,
        summary: 'Create a directory',
        params: SandboxIdParams,
        body: MkdirBody,
        response: { 201: FileStatSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const made = await sandboxes.withAgent(p.owner, request.params.id, (client) =>
        client.mkdir(request.body),
      );
      return reply.code(201).send(made);
    },
  );

  app.post(
    '/v1/sandboxes/:id/files/move',
    {
      schema: {
        tags,
        summary: 'Move or rename a file or directory',
        params: SandboxIdParams,
        body: MoveBody,
        response: { 200: FileStatSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return sandboxes.withAgent(p.owner, request.params.id, async (client, row) => {
        const moved = await client.move(request.body);
        onChange(row, [request.body.from, request.body.to]);
        return moved;
      });
    },
  );
};
