import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  AppIdParams,
  ConfigEntrySchema,
  ConfigKeyParams,
  ConfigList,
  CreateConfigBody,
  PatchConfigBody,
} from '@paddock/shared';
import { actorOf, requirePrincipal } from '../http/principal.js';
import { errorResponses } from '../http/errorResponses.js';
import type { AppConfigService } from './appConfigService.js';
import { configView } from './appConfigStore.js';
import type { AuditLog } from '../audit/auditLog.js';

export interface AppConfigRoutesOptions {
  audit: AuditLog;
  config: AppConfigService;
}

/** An app's config and secrets. Sensitive values go in and never come out. */
export const appConfigRoutes: FastifyPluginAsyncTypebox<AppConfigRoutesOptions> = async (
  app,
  opts,
) => {
  const tags = ['config'];
  const { config } = opts;
  // The key and whether it is sensitive; never the value.
  const audited = (
    request: FastifyRequest,
    action: string,
    appId: string,
    key: string,
    sensitive: boolean | null,
  ) =>
    opts.audit.record({
      actor: actorOf(request),
      action,
      target: { type: 'app', id: appId },
      details: { key, sensitive },
    });

  app.post(
    '/v1/apps/:id/config',
    {
      schema: {
        tags,
        summary:
          'Set a config value; sensitive ones are sealed (AES-256-GCM) and can never be read back',
        params: AppIdParams,
        body: CreateConfigBody,
        response: { 201: ConfigEntrySchema, ...errorResponses(400, 401, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      const row = await config.create(p.owner, request.params.id, request.body);
      await audited(request, 'config.set', request.params.id, row.key, row.sensitive === 1);
      return reply.code(201).send(configView(row));
    },
  );

  app.get(
    '/v1/apps/:id/config',
    {
      schema: {
        tags,
        summary: "An app's config: values of plain entries, value_set for sensitive ones",
        params: AppIdParams,
        response: { 200: ConfigList, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return { items: (await config.list(p.owner, request.params.id)).map(configView) };
    },
  );

  app.patch(
    '/v1/apps/:id/config/:key',
    {
      schema: {
        tags,
        summary: 'Change a value, its access policy or its injection rule',
        params: ConfigKeyParams,
        body: PatchConfigBody,
        response: { 200: ConfigEntrySchema, ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      const { id, key } = request.params;
      const row = await config.patch(p.owner, id, key, request.body);
      await audited(request, 'config.updated', id, key, row.sensitive === 1);
      return configView(row);
    },
  );

  app.delete(
    '/v1/apps/:id/config/:key',
    {
      schema: {
        tags,
        summary: 'Delete a config value',
        params: ConfigKeyParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...errorResponses(401, 404),
        },
      },
    },
    async (request, reply) => {
      const p = requirePrincipal(request);
      await config.delete(p.owner, request.params.id, request.params.key);
      await audited(request, 'config.deleted', request.params.id, request.params.key, null);
      return reply.code(204).send(null);
    },
  );
};
