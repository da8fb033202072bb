import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type {
  ContextConfigDefault,
  FastifyReply,
  FastifyRequest,
  RouteGenericInterface,
} from 'fastify';
import {
  EgressRoutes,
  encodeSseFrame,
  PaddockError,
  type EgressDenial,
  type EgressDenialList,
} from '@paddock/shared';
import { clientGone } from '../http/disconnect.js';
import { endOnStop, openEventStream, startHeartbeat, wantsStream } from '../http/eventStream.js';
import { actorOf, requirePrincipal } from '../http/principal.js';
import type { AppStore } from '../apps/appStore.js';
import type { SandboxService } from '../sandboxes/sandboxService.js';
import type { EgressPolicyStore, EgressSubject } from './egressPolicyStore.js';
import type { AuditLog } from '../audit/auditLog.js';
import { describePolicy, type EgressBaseline } from './egressBaseline.js';
import type { DenialFeed } from './denialFeed.js';

/** Bytes a denial follower may leave unread before it is cut off. */
const STREAM_BUFFER_BYTES = 1024 * 1024;

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
  denials: DenialFeed;
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
      const baseline = opts.baseline.hosts(appRow.sandbox_id, {
        preset: appRow.preset,
        app: true,
      });
      return { subject: `app:${id}` as EgressSubject, baseline };
    }
    const row = await opts.sandboxes.get(owner, id);
    if (row.app_id !== null) {
      throw new PaddockError(
        'conflict',
        `sandbox ${id} belongs to app ${row.app_id}; set the app's egress`,
      );
    }
    const baseline = opts.baseline.hosts(row.id, { preset: row.preset, app: false });
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

  /**
   * A sandbox's refusals: the kept ones as JSON, or (text/event-stream) the kept ones then each
   * new one as it happens. A follower that does not read is cut off, not buffered for.
   */
  const denialsOf = (
    sandboxId: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ): EgressDenialList | FastifyReply => {
    if (!wantsStream(request.headers.accept)) return { items: opts.denials.recent(sandboxId) };
    const out = reply.raw;
    const gone = clientGone(reply);
    const send = (denial: EgressDenial) => {
      if (out.writableEnded || out.destroyed) return;
      out.write(encodeSseFrame({ event: 'denial', data: denial }));
      if (out.writableLength > STREAM_BUFFER_BYTES) out.destroy();
    };
    reply.hijack();
    openEventStream(out);
    startHeartbeat(out);
    for (const denial of opts.denials.recent(sandboxId)) send(denial);
    const stop = opts.denials.follow(sandboxId, send);
    gone.addEventListener('abort', stop);
    endOnStop(out, app.stopping, 'following refusals was ended');
    return reply;
  };

  app.route({
    ...EgressRoutes.sandboxDenials,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await opts.sandboxes.get(p.owner, request.params.id);
      return denialsOf(row.id, request, reply);
    },
  });

  app.route({
    ...EgressRoutes.appDenials,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const appRow = await opts.apps.get(p.owner, request.params.id);
      if (!appRow) throw new PaddockError('not_found', `no app ${request.params.id}`);
      if (!appRow.sandbox_id) {
        throw new PaddockError('conflict', `app ${appRow.id} has no sandbox`);
      }
      return denialsOf(appRow.sandbox_id, request, reply);
    },
  });
};
