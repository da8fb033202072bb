import { Readable } from 'node:stream';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import { APP_ARCHIVE_TYPES, AppRoutes, type App } from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import type { AppRow } from '../apps/appStore.js';
import { actorOf, requirePrincipal } from '../http/principal.js';
import { shieldedBody } from '../http/unreadBody.js';
import type { AppImports } from './appImports.js';

export interface ImportRoutesOptions {
  imports: AppImports;
  audit: AuditLog;
  /** An app as the API shows it (the apps module's view). */
  view: (row: AppRow) => Promise<App>;
}

/** An archive upload into a new app, and the confirmation of an import under review. */
export const importRoutes: FastifyPluginAsyncTypebox<ImportRoutesOptions> = async (app, opts) => {
  app.route({
    ...AppRoutes.confirmImport,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const row = await opts.imports.confirm(p.owner, request.params.id, request.body);
      await opts.audit.record({
        actor: actorOf(request),
        action: 'app.import_confirm',
        target: { type: 'app', id: row.id },
        details: { edited: request.body.manifest !== undefined },
      });
      return opts.view(row);
    },
  });

  // Raw archive bytes in: the parser hands the request stream over untouched, in this scope only.
  await app.register(async (plain) => {
    const raw = plain.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser(APP_ARCHIVE_TYPES, (_request, payload, done) => done(null, payload));
    raw.route({
      ...AppRoutes.import,
      handler: async (request, reply) => {
        const p = requirePrincipal(request);
        // A refusal stops reading mid-body: the rest is dropped before the answer, or the
        // kept-alive connection is left mid-request and the client's next request hangs.
        const { body, discardRest } = shieldedBody(
          (request.body as Readable | undefined) ?? Readable.from([]),
        );
        let row;
        try {
          row = await opts.imports.fromArchive(
            p.owner,
            request.query,
            body,
            p.role === 'agent' ? p.keyId : null,
          );
        } catch (err) {
          await discardRest();
          throw err;
        }
        await opts.audit.record({
          actor: actorOf(request),
          action: 'app.import',
          target: { type: 'app', id: row.id },
          details: { source: 'archive' },
        });
        return reply.code(201).send(await opts.view(row));
      },
    });
  });
};
