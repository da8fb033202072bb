import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ContextConfigDefault, RouteGenericInterface } from 'fastify';
import { EgressRoutes, PaddockError } from '@paddock/shared';
import { actorOf, requirePrincipal } from '../http/principal.js';
import type { AppStore } from '../apps/appStore.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { EgressPolicyStore, EgressSubject } from './egressPolicyStore.js';
import type { AuditLog } from '../audit/auditLog.js';
import { describePolicy, type EgressBaseline } from './egressBaseline.js';

/** The host rules a sandbox's grants make, or null for a sandbox no grants govern. */
export type GrantedRules = (
  sandboxId: string,
) => Promise<{ allow: string[]; deny: string[] } | null>;

export interface EgressRoutesOptions {
  audit: AuditLog;
  policies: EgressPolicyStore;
  baseline: EgressBaseline;
  apps: AppStore;
  sandboxes: SandboxService;
  /** A userspace service app's sandbox: its egress is its grants', not set by hand. */
  granted: GrantedRules;
}

/**
 * Egress allow and deny lists of apps and standalone sandboxes; they apply at once, and extend
 * the baseline of the sandbox's manifest, which the answers list as rules of source `manifest`.
 */
export const egressRoutes: FastifyPluginAsyncTypebox<EgressRoutesOptions> = async (app, opts) => {
  /**
   * The subject a route names, checked against the caller's owner (else 404), with its baseline:
   * the hosts its sandbox's manifest allows.
   */
  const subjectOf = async (owner: string, kind: 'app' | 'sandbox', id: string) => {
    if (kind === 'app') {
      const appRow = await opts.apps.get(owner, id);
      if (!appRow) throw new PaddockError('not_found', `no app ${id}`);
      const baseline = opts.baseline.hosts(appRow.sandbox_id, appRow.preset);
      return { subject: `app:${id}` as EgressSubject, baseline };
    }
    const row = await opts.sandboxes.get(owner, id);
    if (row.app_id !== null) {
      throw new PaddockError(
        'conflict',
        `sandbox ${id} belongs to app ${row.app_id}; set the app's egress`,
      );
    }
    const baseline = opts.baseline.hosts(row.id, row.preset);
    return { subject: `sandbox:${id}` as EgressSubject, baseline };
  };

  const tables = [
    ['app', EgressRoutes.appPolicy, EgressRoutes.setAppPolicy],
    ['sandbox', EgressRoutes.sandboxPolicy, EgressRoutes.setSandboxPolicy],
  ] as const;
  for (const [kind, get, put] of tables) {
    // The schema named: `get` is either contract, and inference would take one, refuse the other.
    app.route<RouteGenericInterface, ContextConfigDefault, typeof get.schema>({
      ...get,
      handler: async (request) => {
        const p = requirePrincipal(request);
        const { id } = request.params;
        const { subject, baseline } = await subjectOf(p.owner, kind, id);
        const granted = kind === 'sandbox' ? await opts.granted(id) : null;
        const own = granted ? { ...granted, updated_at: null } : await opts.policies.get(subject);
        return describePolicy(subject, own, baseline);
      },
    });
    app.route<RouteGenericInterface, ContextConfigDefault, typeof put.schema>({
      ...put,
      handler: async (request) => {
        const p = requirePrincipal(request);
        const { id } = request.params;
        const { subject, baseline } = await subjectOf(p.owner, kind, id);
        if (kind === 'sandbox' && (await opts.granted(id)) !== null) {
          throw new PaddockError(
            'conflict',
            `sandbox ${id} runs a userspace app: its egress is the network permissions its user grants`,
          );
        }
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
        return describePolicy(subject, policy, baseline);
      },
    });
  }
};
