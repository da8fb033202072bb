import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allRoutes, ROUTES } from '../src/routes/allRoutes.js';

describe('the route contracts', () => {
  it('name each method and path once', () => {
    const keys = allRoutes().map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      [],
    );
  });

  it("declare a params schema with exactly the path's parameters", () => {
    for (const [feature, table] of Object.entries(ROUTES)) {
      for (const [name, route] of Object.entries(table)) {
        const inPath = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]).sort();
        const params = 'params' in route.schema ? route.schema.params : undefined;
        const declared = Object.keys(
          (params as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
        ).sort();
        assert.deepEqual(declared, inPath, `${feature}.${name}`);
      }
    }
  });

  it('answer every route with a success and with its errors by reference to Error', () => {
    for (const route of allRoutes()) {
      const statuses = Object.keys(route.schema.response).map(Number);
      // 101 is a WebSocket route's success (the upgrade); a route that only answers 405 is a
      // method a protocol has clients try and servers refuse (MCP's GET and DELETE on /mcp).
      assert.ok(
        statuses.some((s) => s === 101 || (s >= 200 && s < 300)) ||
          statuses.every((s) => [401, 403, 405].includes(s)),
        `${route.method} ${route.url}`,
      );
      for (const s of statuses.filter((s) => s >= 400 && route.url.startsWith('/v1/'))) {
        assert.equal(
          (route.schema.response[s] as { $ref?: string }).$ref,
          'Error#',
          `${route.method} ${route.url} ${s}`,
        );
      }
    }
  });
});
