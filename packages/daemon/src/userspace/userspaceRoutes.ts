import fs from 'node:fs';
import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { DownloadOptions } from '@paddock/app-package';
import type { InstallFromUrlBody } from '@paddock/shared';
import { PACKAGE_UPLOAD_TYPES, PaddockError, UserspaceAppRoutes } from '@paddock/shared';
import { actorOf, requireAdmin, requirePrincipal } from '../http/principal.js';
import { MAX_PACKAGE_BYTES, receiveUpload, receiveUrl, type Intake } from './packageIntake.js';
import type { UserspaceInstaller } from './userspaceInstaller.js';
import type { Caller, UserspaceJournal } from './userspaceJournal.js';
import type { UserspaceFiles } from './userspaceFiles.js';
import type { UserspaceService } from './userspaceService.js';

export interface UserspaceRoutesOptions {
  service: UserspaceService;
  installer: UserspaceInstaller;
  journal: UserspaceJournal;
  files: UserspaceFiles;
  download: DownloadOptions;
}

export function callerOf(request: FastifyRequest): Caller {
  const p = requirePrincipal(request);
  return { owner: p.owner, admin: p.role === 'admin', actor: actorOf(request) };
}

export const userspaceRoutes: FastifyPluginAsyncTypebox<UserspaceRoutesOptions> = async (
  app,
  opts,
) => {
  const { service, installer } = opts;
  const appOf = (request: FastifyRequest, id: string) => service.row(callerOf(request), id);

  app.route({
    ...UserspaceAppRoutes.list,
    handler: async (request) => ({
      items: await service.list(callerOf(request), request.query.trashed === true),
    }),
  });

  // A package in: raw bytes, a multipart file, or JSON naming a URL; in this scope only.
  await app.register(async (scope) => {
    const raw = scope.withTypeProvider<TypeBoxTypeProvider>();
    raw.addContentTypeParser([...PACKAGE_UPLOAD_TYPES], (_request, payload, done) =>
      done(null, payload),
    );
    await raw.register(multipart, { limits: { fileSize: MAX_PACKAGE_BYTES, files: 1, fields: 4 } });
    raw.route({
      ...UserspaceAppRoutes.install,
      handler: async (request, reply) => {
        const caller = callerOf(request);
        const intake = await receive(request, opts);
        const consent = request.query.consent === true || intake.consent;
        const done = await installer.install(caller, intake.file, {
          source: intake.source,
          consent,
        });
        const app = await service.view(done.result.row);
        return reply.code(done.created ? 201 : 200).send({ outcome: done.result.outcome, app });
      },
    });
  });

  app.route({
    ...UserspaceAppRoutes.get,
    handler: async (request) => service.view(await appOf(request, request.params.id)),
  });

  app.route({
    ...UserspaceAppRoutes.delete,
    handler: async (request, reply) => {
      const row = await appOf(request, request.params.id);
      const caller = callerOf(request);
      if (request.query.purge === true) {
        return reply
          .code(200)
          .send(await service.purge(caller, row, request.query.confirm === true));
      }
      await service.trash(caller, row);
      return reply.code(204).send(null);
    },
  });

  app.route({
    ...UserspaceAppRoutes.permissions,
    handler: async (request) => service.permissions(await appOf(request, request.params.id)),
  });

  app.route({
    ...UserspaceAppRoutes.consent,
    handler: async (request) => {
      const row = await appOf(request, request.params.id);
      const body = request.body;
      const next = await installer.consent(callerOf(request), row, body.version, body.grant ?? []);
      return service.view(next);
    },
  });

  app.route({
    ...UserspaceAppRoutes.answer,
    handler: async (request) => {
      const caller = callerOf(request);
      const { grant = [], decline = [] } = request.body;
      const both = grant.filter((g) => decline.includes(g));
      if (both.length > 0) {
        throw new PaddockError('bad_request', `both granted and declined: ${both.join(', ')}`);
      }
      let row = await appOf(request, request.params.id);
      if (grant.length > 0) row = await installer.consent(caller, row, undefined, grant);
      if (decline.length > 0) row = await service.decline(caller, row, decline);
      return service.permissions(row);
    },
  });

  app.route({
    ...UserspaceAppRoutes.revoke,
    handler: async (request) => {
      const row = await appOf(request, request.params.id);
      return service.view(await service.revoke(callerOf(request), row, request.body.permissions));
    },
  });

  app.route({
    ...UserspaceAppRoutes.enable,
    handler: async (request) => {
      const row = await appOf(request, request.params.id);
      return service.view(await service.setEnabled(callerOf(request), row, true));
    },
  });

  app.route({
    ...UserspaceAppRoutes.disable,
    handler: async (request) => {
      const row = await appOf(request, request.params.id);
      return service.view(await service.setEnabled(callerOf(request), row, false));
    },
  });

  app.route({
    ...UserspaceAppRoutes.rollback,
    handler: async (request) => {
      const row = await appOf(request, request.params.id);
      const restoreData = request.body.restore_data === true;
      return service.view(await installer.rollback(callerOf(request), row, restoreData));
    },
  });

  app.route({
    ...UserspaceAppRoutes.restore,
    handler: async (request) => {
      const row = await appOf(request, request.params.id);
      return service.view(await service.restore(callerOf(request), row));
    },
  });

  app.route({
    ...UserspaceAppRoutes.versions,
    handler: async (request) => ({
      items: await service.versions(await appOf(request, request.params.id)),
    }),
  });

  app.route({
    ...UserspaceAppRoutes.package,
    handler: async (request, reply) => {
      const pkg = service.package(await appOf(request, request.params.id));
      reply.header('content-type', 'application/vnd.paddock.app');
      reply.header('content-length', pkg.bytes);
      reply.header('content-disposition', `attachment; filename="${pkg.name}"`);
      return reply.send(pkg.stream);
    },
  });

  app.route({
    ...UserspaceAppRoutes.listPinnedKeys,
    handler: async (request) => {
      requireAdmin(request);
      return { items: await service.pinnedKeys() };
    },
  });

  app.route({
    ...UserspaceAppRoutes.pinKey,
    handler: async (request, reply) => {
      requireAdmin(request);
      const pinned = await service.pin(request.body.public_key, request.body.note ?? '');
      await opts.journal.audit(actorOf(request), 'userspace.key_pinned', pinned.app_id);
      return reply.code(201).send(pinned);
    },
  });

  app.route({
    ...UserspaceAppRoutes.unpinKey,
    handler: async (request, reply) => {
      requireAdmin(request);
      await service.unpin(request.params.app_id);
      await opts.journal.audit(actorOf(request), 'userspace.key_unpinned', request.params.app_id);
      return reply.code(204).send(null);
    },
  });
};

/** The package of an install request, in a file under `incoming/`. */
async function receive(
  request: FastifyRequest,
  opts: UserspaceRoutesOptions,
): Promise<Intake & { consent: boolean }> {
  const file = opts.files.incomingFile();
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    const body = request.body as InstallFromUrlBody | undefined;
    if (
      !body ||
      typeof body.source_url !== 'string' ||
      Object.keys(body).some((k) => k !== 'source_url' && k !== 'consent')
    ) {
      throw new PaddockError(
        'bad_request',
        'a JSON install names the package as {"source_url": "https://…"}',
      );
    }
    return {
      ...(await receiveUrl(body.source_url, file, opts.download)),
      consent: body.consent === true,
    };
  }
  if (request.isMultipart()) {
    const part = await request.file();
    if (!part) throw new PaddockError('bad_request', 'the multipart body holds no file');
    const intake = await receiveUpload(part.file, file);
    if (part.file.truncated) {
      // Cut at the cap and written whole up to it: not a package to keep under incoming/.
      fs.rmSync(intake.file, { force: true });
      throw new PaddockError('package_too_large', `the package is over ${MAX_PACKAGE_BYTES} bytes`);
    }
    return { ...intake, consent: false };
  }
  if (!request.body) throw new PaddockError('package_invalid', 'the request carries no package');
  return { ...(await receiveUpload(request.body as Readable, file)), consent: false };
}
