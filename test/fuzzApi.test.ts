/**
 * Property-based fuzzing of every documented route (issue 20), with fast-check: path parameters,
 * query strings and JSON bodies drawn from each operation's own schema (right names, random
 * values and types, extra keys), plus bodies that are not JSON at all. Whatever arrives, the
 * daemon answers with a 4xx (or a 2xx) in the error envelope, never a 5xx, and keeps serving.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { suiteDaemon } from './harness.js';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
}
interface Operation {
  parameters?: { in: string; name: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
}

const DOC = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '..', 'docs', 'openapi.json'), 'utf8'),
) as { paths: Record<string, Record<string, Operation>> };
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

/** Strings that have broken parsers before: empty, long, traversal, NUL, odd Unicode, numbers. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../../etc/passwd', 'a\u0000b', '\u202e', '🙂', '%00', 'null'),
  fc.constantFrom('-1', '0', '1e309', 'NaN', 'x'.repeat(5000)),
  fc.stringMatching(/^(sb|snp|app|fst|task|key)[0-9a-z]{26}$/),
);
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nastyString,
  fc.constantFrom(-1, 0, 2 ** 53, 1e308, -0.5, true, null, [], {}),
);

/** A value for a schema: mostly its own shape with random leaves, sometimes anything at all. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 3) return anyJson;
  const own: fc.Arbitrary<unknown>[] = [];
  if (schema.enum) own.push(fc.constantFrom(...schema.enum));
  if (schema.anyOf) own.push(fc.oneof(...schema.anyOf.map((s) => valueFor(s, depth + 1))));
  if (schema.properties) {
    const entries = Object.entries(schema.properties).map(
      ([k, s]) => [k, valueFor(s, depth + 1)] as const,
    );
    own.push(
      fc
        .tuple(
          fc.record(Object.fromEntries(entries), { requiredKeys: [] }),
          fc.dictionary(nastyString, anyJson, { maxKeys: 2 }),
        )
        .map(([known, extra]) => ({ ...extra, ...known })),
    );
  }
  if (schema.items) own.push(fc.array(valueFor(schema.items, depth + 1), { maxLength: 4 }));
  if (schema.type === 'string') own.push(nastyString);
  if (schema.type === 'integer' || schema.type === 'number') {
    own.push(fc.oneof(fc.integer(), fc.double({ noNaN: true })));
  }
  return own.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.oneof(...own) }, anyJson) : anyJson;
}

/** A request for the operation: its path filled in, a query, and a body (or raw bytes). */
function requestFor(route: string, op: Operation) {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  return fc.record({
    path: fc
      .tuple(...pathParams.map(() => nastyString))
      .map((values) =>
        pathParams.reduce(
          (url, p, i) => url.replace(`{${p.name}}`, encodeURIComponent(values[i] || 'x')),
          route,
        ),
      ),
    query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, valueFor(p.schema)])), {
      requiredKeys: [],
    }),
    body: op.requestBody
      ? fc.oneof(
          { weight: 4, arbitrary: valueFor(op.requestBody.content['application/json']?.schema) },
          fc.constantFrom('{', '{"a":', '[1,2', 'not json', '\u0000'),
        )
      : fc.constant(undefined),
    json: fc.boolean(),
  });
}

describe('every route under random input', () => {
  const d = suiteDaemon();
  const operations = Object.entries(DOC.paths).flatMap(([route, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ route, method: method.toUpperCase(), op })),
  );

  it(`answers ${operations.length} operations' random input with no 5xx, and keeps serving`, async () => {
    const seen: string[] = [];
    for (const { route, method, op } of operations) {
      await fc.assert(
        fc.asyncProperty(requestFor(route, op), async (r) => {
          const query = new URLSearchParams();
          for (const [k, v] of Object.entries(r.query)) {
            query.set(k, typeof v === 'string' ? v : JSON.stringify(v));
          }
          const url = `${d.url}${r.path.replace('/{', '/x')}${query.size ? `?${query}` : ''}`;
          const hasBody = r.body !== undefined && method !== 'GET' && method !== 'HEAD';
          const res = await fetch(url, {
            method,
            headers: {
              authorization: `Bearer ${d.token}`,
              ...(hasBody ? { 'content-type': 'application/json' } : {}),
            },
            body: hasBody
              ? typeof r.body === 'string' && !r.json
                ? r.body
                : JSON.stringify(r.body)
              : undefined,
            // A stream that stays open (events, a follow) is fine; the bytes are not read.
            signal: AbortSignal.timeout(15_000),
          });
          await res.body?.cancel();
          seen.push(`${method} ${route} ${res.status}`);
          assert.ok(
            res.status < 500,
            `${method} ${url} answered ${res.status} to ${JSON.stringify(r.body)?.slice(0, 300)}`,
          );
        }),
        { numRuns: RUNS },
      );
    }
    assert.equal((await fetch(`${d.url}/readyz`)).status, 200, 'the daemon still serves');
    assert.ok(seen.length >= operations.length * RUNS);
  });
});
