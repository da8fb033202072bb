import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppRoutes, PaddockError } from '@paddock/shared';
import { clientGone } from '../http/disconnect.js';
import { requirePrincipal } from '../http/principal.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import { packWorkspaceDir } from '../sandboxes/workspaceArchive.js';
import { excludedNamesFor } from '../snapshots/snapshotWorkspace.js';
import { asExportFormat, exportFileName } from './appExport.js';
import type { AppService } from './appService.js';

export interface AppArchiveRoutesOptions {
  apps: AppService;
  sandboxes: SandboxService;
}

/**
 * `GET /v1/apps/:id/archive`: the app's workspace as tar.gz or zip, without what snapshots leave
 * out (node_modules, .venv, build caches: the one REGENERABLE_DIRS list, plus the preset's), and
 * without `.git` unless asked. The app's sandbox is woken if it sleeps.
 */
export const appArchiveRoutes: FastifyPluginAsyncTypebox<AppArchiveRoutesOptions> = async (
  app,
  { apps, sandboxes },
) => {
  app.route({
    ...AppRoutes.archive,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const format = request.query.format ?? 'tar.gz';
      const woken = await apps.wake(p.owner, request.params.id);
      if (woken.sandbox_id === null) {
        throw new PaddockError('conflict', `app ${woken.id} has no sandbox`);
      }
      const gone = clientGone(reply);
      const workspace = await sandboxes.withAgent(p.owner, woken.sandbox_id, (client, row) => {
        const exclude = [...excludedNamesFor(row), ...(request.query.git ? [] : ['.git'])];
        return packWorkspaceDir(client, '.', { exclude }, gone);
      });
      reply.header('content-type', format === 'zip' ? 'application/zip' : 'application/gzip');
      reply.header(
        'content-disposition',
        `attachment; filename="${exportFileName(woken.name, format)}"`,
      );
      return reply.send(asExportFormat(workspace, format));
    },
  });
};
