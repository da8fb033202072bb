import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppRoutes, PaddockError } from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import { actorOf, requirePrincipal } from '../http/principal.js';
import type { GitService } from './gitService.js';

export interface GitRoutesOptions {
  git: GitService;
  audit: AuditLog;
}

/** POST /v1/apps/{id}/git/push and /git/pull; each attempt is audited, refused or not. */
export const gitRoutes: FastifyPluginAsyncTypebox<GitRoutesOptions> = async (app, opts) => {
  const audited = async <T>(
    request: Parameters<typeof actorOf>[0],
    action: string,
    appId: string,
    details: Record<string, string | boolean | null>,
    work: () => Promise<T>,
  ): Promise<T> => {
    const record = (outcome: 'ok' | 'failed', extra: Record<string, string> = {}) =>
      opts.audit.record({
        actor: actorOf(request),
        action,
        target: { type: 'app', id: appId },
        outcome,
        details: { ...details, ...extra },
      });
    try {
      const result = await work();
      await record('ok');
      return result;
    } catch (err) {
      await record('failed', { code: err instanceof PaddockError ? err.code : 'internal' });
      throw err;
    }
  };

  app.route({
    ...AppRoutes.gitPush,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const { id } = request.params;
      const { url = null, branch, force = false } = request.body;
      return audited(request, 'git.push', id, { url, branch, force }, () =>
        opts.git.push(p.owner, id, request.body),
      );
    },
  });

  app.route({
    ...AppRoutes.gitPull,
    handler: async (request) => {
      const p = requirePrincipal(request);
      const { id } = request.params;
      const { url = null, branch } = request.body;
      return audited(request, 'git.pull', id, { url, branch }, () =>
        opts.git.pull(p.owner, id, request.body),
      );
    },
  });
};
