import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseManifest } from '@paddock/manifest';
import { ManifestValidation, ValidateManifestBody } from '@paddock/shared';
import { requirePrincipal } from '../http/principal.js';
import { errorResponses } from '../http/errorResponses.js';

/** The runtime manifest (`sandbox.yaml`) checked without a sandbox. */
export const manifestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/runtime/manifest/validate',
    {
      schema: {
        tags: ['runtime'],
        summary: 'Validate a sandbox.yaml: the normalized manifest, or every problem with its line',
        description:
          'Answers 200 either way; `valid` says which. A problem has `line`, `column` (1-based), ' +
          '`path` (e.g. `workers[1].name`) and `message`.',
        body: ValidateManifestBody,
        response: { 200: ManifestValidation, ...errorResponses(400, 401, 413) },
      },
    },
    async (request) => {
      requirePrincipal(request);
      return parseManifest(request.body.content);
    },
  );
};
