import fp from 'fastify-plugin';
import { actorOf } from '../http/principal.js';
import type { AdmissionAudit } from './admissionAudit.js';
import { withCause } from './auditCause.js';

/**
 * Every API request runs with its caller as the audit cause (reason `user`), so a sandbox
 * transition it leads to is recorded with who asked; a refusal by a limit on any route is an
 * `admission.refused` entry. Registered after authentication, before the routes.
 */
export const requestCause = fp<{ admission: AdmissionAudit }>(async (app, opts) => {
  // A callback hook: the handler runs inside `done`, and so inside the cause.
  app.addHook('preHandler', (request, _reply, done) => {
    withCause({ actor: actorOf(request), reason: 'user' }, done);
  });
  app.addHook('onError', async (request, _reply, err) => {
    const operation = `${request.method} ${request.routeOptions.url ?? request.url}`;
    await withCause({ actor: actorOf(request), reason: 'user' }, () =>
      opts.admission.refused(err, operation),
    ).catch((e: unknown) => request.log.warn({ err: e }, 'auditing a refusal failed'));
  });
});
