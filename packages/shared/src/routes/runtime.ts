import { ManifestValidation, ValidateManifestBody } from '../api/runtime.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

/** The runtime manifest (`sandbox.yaml`) checked without a sandbox. */
export const RuntimeRoutes = {
  validateManifest: {
    method: 'POST',
    url: '/v1/runtime/manifest/validate',
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
} as const satisfies RouteTable;
