import { Readable } from 'node:stream';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import { FileRoutes } from '@paddock/shared';
import { clientGone } from '../http/disconnect.js';
import { requirePrincipal } from '../http/principal.js';
import { shieldedBody } from '../http/unreadBody.js';
import type { SandboxService } from './sandboxService.js';
import type { SandboxRow } from './sandboxStore.js';
import { packWorkspaceDir, unpackIntoWorkspace } from './workspaceArchive.js';

export interface ArchiveRoutesOptions {
  sandboxes: SandboxService;
  /** Told the paths an upload touched (the runtime watches sandbox.yaml). */
  onChange?: (row: SandboxRow, paths: string[]) => void;
}

/** A directory of a running sandbox's workspace as a tar stream, in and out. */
export const archiveRoutes: FastifyPluginAsyncTypebox<ArchiveRoutesOptions> = async (
  app,
  { sandboxes, onChange = () => undefined },
) => {
  app.route({
    ...FileRoutes.pullArchive,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const gone = clientGone(reply);
      // The stream outlives the handler; its client is the agent's, not one withAgent tracks.
      const tar = await sandboxes.withAgent(p.owner, request.params.id, (client) =>
        packWorkspaceDir(client, request.query.path, {}, gone),
      );
      reply.header('content-type', 'application/x-tar');
      return reply.send(tar);
    },
  });

  // The body is a stream, whatever its content type (tar and tar.gz are told by their bytes):
  // this route lives in its own context whose only parser hands it over unread.
  await app.register(async (plain) => {
    const raw = plain.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    raw.route({
      ...FileRoutes.pushArchive,
      handler: async (request, reply) => {
        const p = requirePrincipal(request);
        // A refusal stops reading mid-body: the rest is dropped before the answer, or the
        // kept-alive connection is left mid-request and the client's next request hangs.
        const { body, discardRest } = shieldedBody(
          (request.body as Readable | undefined) ?? Readable.from([]),
        );
        try {
          return await sandboxes.withAgent(p.owner, request.params.id, async (client, row) => {
            const { changed, ...result } = await unpackIntoWorkspace(
              client,
              request.query.path,
              body,
              clientGone(reply),
            );
            onChange(row, changed);
            return result;
          });
        } catch (err) {
          await discardRest();
          throw err;
        }
      },
    });
  });
};
