import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AppIdParams,
  EgressPolicyBody,
  EgressPolicySchema,
  PaddockError,
  SandboxIdParams,
} from '@paddock/shared';
import { actorOf, requirePrincipal } from '../http/principal.js';
import type { AppStore } from '../apps/appStore.js';
import { errorResponses } from '../http/errorResponses.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { EgressPolicyStore, EgressSubject } from './egressPolicyStore.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface EgressRoutesOptions {
  audit: AuditLog;
  policies: EgressPolicyStore;
  apps: AppStore;
  sandboxes: SandboxService;
}

/** Egress allow and deny lists of apps and standalone sandboxes; they apply at once. */
export const egressRoutes: FastifyPluginAsyncTypebox<EgressRoutesOptions> = async (app, opts) => {
  const tags = ['egress'];

  /** The subject a route names, checked against the caller's owner (else 404). */
  const subjectOf = async (owner: string, kind: 'app' | 'sandbox', id: string) => {
    if (kind === 'app') {
      if (!(await opts.apps.get(owner, id))) throw new PaddockError('not_found', `no app ${id}`);
      return `app:${id}` as EgressSubject;
    }
    const row = await opts.sandboxes.get(owner, id);
    if (row.app_id !== null) {
      throw new PaddockError(
        'conflict',
        `sandbox ${id} belongs to app ${row.app_id}; set the app's egress`,
      );
    }
    return `sandbox:${id}` as EgressSubject;
  };

  for (const kind of ['app', 'sandbox'] as const) {
    const url = kind === 'app' ? '/v1/apps/:id/egress' : '/v1/sandboxes/:id/egress';
    const params = kind === 'app' ? AppIdParams : SandboxIdParams;
    app.get(
      url,
      {
        schema: {
          tags,
          summary: `The ${kind}'s egress policy (nothing is allowed until something is)`,
          params,
          response: { 200: EgressPolicySchema, ...errorResponses(401, 404, 409) },
        },
      },
      async (request) => {
        const p = requirePrincipal(request);
        const { id } = request.params as { id: string };
        return opts.policies.get(await subjectOf(p.owner, kind, id));
      },
    );
    app.put(
      url,
      {
        schema: {
          tags,
          summary: `Replace the ${kind}'s egress allow and deny lists; applies to running processes at once`,
          params,
          body: EgressPolicyBody,
          response: { 200: EgressPolicySchema, ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const p = requirePrincipal(request);
        const { id } = request.params as { id: string };
        const subject = await subjectOf(p.owner, kind, id);
        const policy = await opts.policies.put(subject, p.owner, {
          allow: request.body.allow,
          deny: request.body.deny ?? [],
        });
        await opts.audit.record({
          actor: actorOf(request),
          action: 'egress.changed',
          target: { type: kind, id },
          details: { allow: policy.allow, deny: policy.deny },
        });
        return policy;
      },
    );
  }
};
