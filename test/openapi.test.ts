import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import type { RouteEntry } from '@paddock/daemon';
import { describeApi, type OpenApiDoc } from './openapiDocument.js';

const CHECKED_IN = path.resolve(import.meta.dirname, '../docs/openapi.json');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

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
        .map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:([A-Za-z_]+)/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m} ${p}`),
      ),
    );
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
