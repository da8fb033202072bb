import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { consoleOrigin, type AppsAddress, type BundleTokens } from '@paddock/app-origin';
import type { AppSessions } from '@paddock/broker';
import { PaddockError, UserspaceAppRoutes, type LaunchResult } from '@paddock/shared';
import type { AuditLog } from '../audit/auditLog.js';
import { requestCredential } from '../auth/requestCredential.js';
import { actorOf } from '../http/principal.js';
import { callerOf } from '../userspace/userspaceRoutes.js';
import type { UserspaceService } from '../userspace/userspaceService.js';
import type { UserspaceStore } from '../userspace/userspaceStore.js';
import { manifestOf, runs, statusOf } from '../userspace/userspaceView.js';

export interface LaunchRoutesOptions {
  service: UserspaceService;
  store: UserspaceStore;
  address: () => AppsAddress;
  tokens: BundleTokens;
  sessions: AppSessions;
  audit: AuditLog;
}

/**
 * `POST /v1/userspace-apps/{id}/launch`: a window of a web app. The owner (or an admin) gets
 * the bundle's URL on the app's own origin, with a token in its path, and the window's app
 * session; both bound to the app, its version in use and the credential of the request.
 */
export const launchRoutes: FastifyPluginAsyncTypebox<LaunchRoutesOptions> = async (app, opts) => {
  app.route({
    ...UserspaceAppRoutes.launch,
    handler: async (request): Promise<LaunchResult> => {
      const caller = callerOf(request);
      const principal = request.principal!;
      const row = await opts.service.row(caller, request.params.id);
      if (row.app_type !== 'web') {
        throw new PaddockError('conflict', 'a service app has no window to open');
      }
      if (!runs(row)) {
        throw new PaddockError('conflict', `the app is ${statusOf(row)}: it does not run`, {
          status: statusOf(row),
        });
      }
      const credential = requestCredential(request);
      if (credential === null) throw new PaddockError('unauthorized', 'a credential is required');
      const ancestor = launchingOrigin(request, opts.address());
      const session = await opts.sessions.issue({
        appId: row.id,
        version: row.version,
        keyId: principal.keyId,
        binding: opts.sessions.bind(credential),
      });
      const bundle = await opts.tokens.issue(
        {
          appId: row.id,
          version: row.version,
          keyId: principal.keyId,
          binding: opts.tokens.bind(credential),
          ancestor,
        },
        session.expiresAt,
      );
      const version = await opts.store.version(row.id, row.version);
      const entry = (version && manifestOf(version).entry) || 'index.html';
      const origin = opts.address().origin(row.id);
      await opts.audit.record({
        actor: actorOf(request),
        action: 'userspace.launched',
        target: { type: 'userspace_app', id: row.id },
        details: { version: row.version, console_origin: ancestor },
      });
      const path = entry.split('/').map(encodeURIComponent).join('/');
      return {
        url: `${origin}/t/${bundle.token}/${path}#paddock-parent=${encodeURIComponent(ancestor)}`,
        origin,
        app_session: session.token,
        expires_at: bundle.expiresAt.toISOString(),
      };
    },
  });
};

/**
 * The console origin that launches: the request's `Origin` when it has one, else
 * `<protocol>://<Host>`. It is the only origin the bundle lets frame it. Never an apps host.
 */
function launchingOrigin(request: FastifyRequest, address: AppsAddress): string {
  const header = request.headers.origin;
  const named =
    typeof header === 'string' && header !== ''
      ? header
      : `${request.protocol}://${request.headers.host ?? ''}`;
  const origin = consoleOrigin(named);
  if (origin === null) {
    throw new PaddockError('bad_request', 'the launching page has no usable origin', {
      origin: named.slice(0, 200),
    });
  }
  if (address.ownsOrigin(origin)) {
    throw new PaddockError('bad_request', 'an app origin cannot launch an app');
  }
  return origin;
}
