import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { ErrorBodySchema } from '@paddock/shared';

export const API_VERSION = '0.1.0';

/**
 * The OpenAPI 3.1 document is generated from the route schemas, so a route and its documentation
 * cannot drift apart; `docs/openapi.json` is a checked-in copy that a test compares with this.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(ErrorBodySchema);
  await app.register(swagger, {
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Paddock API',
        version: API_VERSION,
        description:
          'Self-hosted sandboxes for AI-built apps. Every route under /v1 takes `Authorization: Bearer <token>`; ' +
          'errors are `{"error": {"code", "message"}}` with stable codes.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: 'http://127.0.0.1:7070' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'sandboxes', description: 'Sandbox lifecycle and events' },
        { name: 'exec', description: 'Commands (foreground and background) inside a sandbox' },
        { name: 'files', description: 'The sandbox workspace' },
        { name: 'api-keys', description: 'Bearer tokens and owners' },
        { name: 'runtime', description: 'The sandbox.yaml runtime manifest' },
        { name: 'settings', description: 'Lifecycle settings, changed at run time' },
        { name: 'quotas', description: 'Per-owner quotas and their overrides (admin)' },
        { name: 'apps', description: 'Apps, their presets and sandboxes' },
        { name: 'processes', description: "The manifest's supervised processes" },
        { name: 'tasks', description: 'Agent tasks with checkpoints and health verdicts' },
        { name: 'system', description: 'Health, readiness and the host' },
      ],
    },
  });
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
