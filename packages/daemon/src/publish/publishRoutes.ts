import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UserspaceAppRoutes } from '@paddock/shared';
import { actorOf, requirePrincipal } from '../http/principal.js';
import type { PublishService } from './publishService.js';

export interface PublishRoutesOptions {
  publish: PublishService;
}

/** POST /v1/apps/{id}/publish: 201 when the userspace app is new, 200 when it is updated. */
export const publishRoutes: FastifyPluginAsyncTypebox<PublishRoutesOptions> = async (app, opts) => {
  app.route({
    ...UserspaceAppRoutes.publish,
    handler: async (request, reply) => {
      const p = requirePrincipal(request);
      const done = await opts.publish.publish(p.owner, request.params.id, {
        consent: request.body.consent === true,
        actor: actorOf(request),
      });
      return reply.code(done.created ? 201 : 200).send(done.result);
    },
  });
};
