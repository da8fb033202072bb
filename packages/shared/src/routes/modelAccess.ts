import { ModelAccessBody, ModelAccessView } from '../api/modelAccess.js';
import { errorResponses } from './errorResponses.js';
import type { RouteTable } from './routeContract.js';

const tags = ['admin'] as const;
const url = '/v1/admin/model-access';

/** The model API apps reach through `app.llm` (admin). */
export const ModelAccessRoutes = {
  get: {
    method: 'GET',
    url,
    schema: {
      tags,
      summary: 'The model API the broker calls for app.llm (never its key)',
      response: { 200: ModelAccessView, ...errorResponses(401, 403) },
    },
  },
  put: {
    method: 'PUT',
    url,
    schema: {
      tags,
      summary: 'Set the model API and its key (sealed; apps never see it)',
      body: ModelAccessBody,
      response: { 200: ModelAccessView, ...errorResponses(400, 401, 403) },
    },
  },
  delete: {
    method: 'DELETE',
    url,
    schema: {
      tags,
      summary: 'Forget the model API and its key (app.llm is then refused)',
      response: { 200: ModelAccessView, ...errorResponses(401, 403) },
    },
  },
} as const satisfies RouteTable;
