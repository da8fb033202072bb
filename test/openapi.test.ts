import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import type { RouteEntry } from '@paddock/daemon';
import { allRoutes } from '@paddock/shared';
import { describeApi, type OpenApiDoc } from './openapiDocument.js';

const CHECKED_IN = path.resolve(import.meta.dirname, '../docs/openapi.json');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every operation of the document as `method /path/{param}`. */
function operations(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops)
      .filter((m) => METHODS.includes(m))
      .map((m) => `${m} ${p}`),
  );
}

/** Fastify's `/v1/tasks/:id` as OpenAPI's `/v1/tasks/{id}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, '{$1}');
}

describe('the OpenAPI document', () => {
  let text: string;
  let doc: OpenApiDoc;
  let routes: RouteEntry[];

  before(async () => {
    ({ text, doc, routes } = await describeApi());
  });

  it('is OpenAPI 3.1 and matches the checked-in docs/openapi.json (run `npm run openapi`)', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(fs.readFileSync(CHECKED_IN, 'utf8'), text);
  });

  it('documents exactly the routes the daemon serves', () => {
    const served = new Set(
      routes
        .filter((r) => r.documented)
        .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.url)}`),
    );
    const documented = new Set(operations(doc));
    assert.deepEqual([...documented].sort(), [...served].sort());
    for (const must of [
      'post /v1/sandboxes',
      'get /v1/sandboxes/{id}',
      'post /v1/sandboxes/{id}/exec',
      'put /v1/sandboxes/{id}/files',
      'get /v1/sandboxes/{id}/files/list',
      'post /v1/api-keys',
      'get /v1/sandboxes/{id}/events',
    ]) {
      assert.ok(documented.has(must), must);
    }
  });

  it("serves every route contract of @paddock/shared's ROUTES, and no route without one", () => {
    const contracts = allRoutes().map((r) => `${r.method.toLowerCase()} ${openApiPath(r.url)}`);
    assert.deepEqual([...contracts].sort(), operations(doc).sort());
    // Served from the contract itself, not from a copy of its method and path.
    for (const route of allRoutes()) {
      const op = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()] as
        { summary?: string; tags?: string[] } | undefined;
      assert.equal(op?.summary, route.schema.summary, `${route.method} ${route.url}`);
      assert.deepEqual(op?.tags, [...route.schema.tags], `${route.method} ${route.url}`);
    }
  });

  it('passes the Redocly linter without errors', async () => {
    const config = await createConfig({
      extends: ['recommended'],
      rules: { 'operation-operationId': 'off', 'info-license-url': 'off' },
    });
    const problems = await lintFromString({ source: text, absoluteRef: CHECKED_IN, config });
    const errors = problems.filter((p) => p.severity === 'error');
    assert.deepEqual(
      errors.map((e) => `${e.ruleId}: ${e.message} at ${e.location[0]?.pointer}`),
      [],
    );
  });

  it('gives every operation a summary, a tag and its error responses', () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        if (!METHODS.includes(m)) continue;
        const o = op as { summary?: string; tags?: string[]; responses?: Record<string, unknown> };
        assert.ok(o.summary, `${m} ${p} summary`);
        assert.ok(o.tags?.length, `${m} ${p} tags`);
        if (p.startsWith('/v1/')) assert.ok(o.responses?.['401'], `${m} ${p} documents 401`);
      }
    }
  });
});
