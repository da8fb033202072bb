/**
 * `sandbox.yaml` fuzzed (issue 20): documents drawn from the manifest's own shape with random
 * leaves, extra keys and wrong types, written out in block or flow style and then cut or
 * spliced; random text; and a corpus of YAML bombs (billion laughs, deep nesting, a huge
 * scalar, duplicate and merge keys, language tags, directives). parseManifest never throws: it
 * answers a manifest that parses back to itself, or issues each with a line, a column and a
 * message. A bomb is refused, never expanded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { MANIFEST_LIMITS, parseManifest, type ManifestIssue } from '../src/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

/** parseManifest's answer, checked for its form whatever the input. */
function answer(text: string): ReturnType<typeof parseManifest> {
  const r = parseManifest(text);
  if (r.valid) {
    assert.equal(r.manifest.version, 1);
    // What it normalized to is itself a manifest, the same one.
    assert.deepEqual(parseManifest(stringify(r.manifest)), r, 'the manifest parses back to itself');
  } else {
    assert.ok(r.errors.length > 0, 'a refusal names at least one issue');
    for (const e of r.errors) assertIssue(e);
  }
  return r;
}

function assertIssue(e: ManifestIssue): void {
  assert.ok(Number.isInteger(e.line) && e.line >= 1, `line ${e.line}`);
  assert.ok(Number.isInteger(e.column) && e.column >= 1, `column ${e.column}`);
  assert.equal(typeof e.path, 'string');
  assert.ok(typeof e.message === 'string' && e.message.length > 0);
}

function refused(text: string): ManifestIssue[] {
  const r = answer(text);
  assert.equal(r.valid, false, `accepted: ${text.slice(0, 120)}`);
  return r.valid ? [] : r.errors;
}

/** Leaves that have broken validators before: wrong types, edges, odd strings. */
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(0, 1, -1, 65535, 65536, 3600, 3601, 2 ** 53, '', ' ', 'web', 'build', '..'),
  fc.constantFrom('/healthz', '*.example.com', 'example.com:443', 'rw', 'ro', 'a\u0000b', '🙂'),
  fc.constantFrom('x'.repeat(9000), 'app.kv', 'net.fetch', 'dist', 'index.html', '1.0.0'),
);
const value = (depth: number): fc.Arbitrary<unknown> =>
  depth <= 0
    ? leaf
    : fc.oneof(
        { weight: 3, arbitrary: leaf },
        fc.array(value(depth - 1), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 8 }), value(depth - 1), { maxKeys: 3 }),
      );

/** A field of the manifest: mostly its own shape, sometimes anything. */
const field = <T>(own: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: own }, value(2));
const command = field(fc.constantFrom('npm start', 'node server.js', '', 'x'.repeat(9000)));
const proc = fc.record(
  {
    name: field(fc.constantFrom('queue', 'web', 'build', 'a b', 'w'.repeat(65))),
    command,
    port: field(fc.integer({ min: -1, max: 70000 })),
    health_path: field(fc.constantFrom('/', '/healthz', 'healthz', '//x')),
    restart_after_task: field(fc.boolean()),
    timeout_seconds: field(fc.integer({ min: 0, max: 4000 })),
  },
  { requiredKeys: [] },
);
const shaped = fc
  .tuple(
    fc.record(
      {
        version: field(fc.constantFrom(1, 2, '1', 1.0)),
        web: field(proc),
        build: field(proc),
        workers: field(fc.array(proc, { maxLength: 3 })),
        egress: field(fc.record({ allow: field(fc.array(leaf, { maxLength: 4 })) })),
        publish: field(
          fc.record(
            {
              name: leaf,
              type: field(fc.constantFrom('web', 'service')),
              permissions: field(fc.array(leaf, { maxLength: 3 })),
              output: leaf,
              entry: leaf,
              version_label: leaf,
            },
            { requiredKeys: [] },
          ),
        ),
        filestores: field(
          fc.array(
            fc.record({ name: leaf, path: leaf, mode: field(fc.constantFrom('rw', 'ro')) }),
            {
              maxLength: 3,
            },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.string({ maxLength: 8 }), value(1), { maxKeys: 2 }),
  )
  .map(([known, extra]) => ({ ...extra, ...known }));

/** The document as YAML text, block or flow, then perhaps cut or spliced with junk. */
const document = fc
  .tuple(
    shaped,
    fc.boolean(),
    fc.option(
      fc.record({ at: fc.nat(), cut: fc.nat({ max: 20 }), insert: fc.string({ maxLength: 6 }) }),
    ),
  )
  .map(([doc, flow, splice]) => {
    const text = flow ? JSON.stringify(doc) : stringify(doc);
    if (!splice) return text;
    const at = splice.at % (text.length + 1);
    return text.slice(0, at) + splice.insert + text.slice(at + splice.cut);
  });

describe('sandbox.yaml, fuzzed', () => {
  it('answers documents drawn from its shape with a manifest or located issues', () => {
    fc.assert(
      fc.property(document, (text) => void answer(text)),
      { numRuns: RUNS },
    );
  });

  it('answers random text and bytes without throwing', () => {
    const yamlish = fc
      .array(
        fc.constantFrom(
          ...['version: 1', 'web:', '  ', '- ', ': ', '&a ', '*a', '<<: ', '!!str ', '!tag '],
          ...['{', '}', '[', ']', ',', '"', "'", '|', '>', '#', '\n', '\t', '? ', '---', '...'],
          ...['%YAML 1.1', '%TAG ! tag:x,2000:', '\u0000', '\ufeff', '\r', '\ud800', 'port: 1'],
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc.oneof(
          yamlish,
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
        ),
        (text) => void answer(text),
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses YAML bombs without expanding them', () => {
    const laughs = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...'bcdefghi'.split('').map((c, i) => {
        const prev = 'abcdefghi'[i]!;
        return `${c}: &${c} [${Array(9).fill(`*${prev}`).join(',')}]`;
      }),
      'version: 1',
      'web: {command: *i, port: 3000}',
    ].join('\n');
    assert.match(refused(laughs)[0]!.message, /aliases/);
    // Within the size cap, nested as deep as it allows.
    const depth = 20_000;
    refused(`version: 1\nweb: ${'['.repeat(depth)}${']'.repeat(depth)}`);
    refused(`version: 1\npublish: ${'{a: '.repeat(8_000)}1${'}'.repeat(8_000)}`);
    refused(
      `version: 1\nworkers:\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}- `).join('\n')}x`,
    );
    // A scalar as large as the cap allows, and one past it.
    const huge = `version: 1\nweb: {command: "`;
    refused(`${huge}${'x'.repeat(MANIFEST_LIMITS.maxBytes - huge.length - 20)}", port: 1}`);
    const over = refused(`version: 1\n# ${'x'.repeat(MANIFEST_LIMITS.maxBytes)}`);
    assert.match(over[0]!.message, /larger than/);
    // Many anchors and no alias: nothing to expand, and still no manifest to run.
    refused(
      `version: 1\nx: ${Array.from({ length: 2_000 }, (_, i) => `&a${i} [`).join('')}${']'.repeat(2_000)}`,
    );
  });

  it('reads a language tag as the plain string it tags, running nothing', () => {
    const r = answer('version: 1\nweb: {command: !!js/function "function(){}", port: 1}\n');
    assert.ok(r.valid && r.manifest.web?.command === 'function(){}', JSON.stringify(r));
  });

  it('refuses a corpus of hand-written nasty documents, each at its line', () => {
    const cases: [string, string, RegExp][] = [
      [
        'duplicate keys',
        'version: 1\nweb: {command: a, port: 1}\nweb: {command: b, port: 2}\n',
        /unique/,
      ],
      ['a Python object tag', 'version: 1\nweb: !!python/object:os.system [rm]\n', /./],
      [
        'a merge key from an alias',
        'base: &b {command: x, port: 1}\nversion: 1\nweb: {<<: *b}\n',
        /aliases/,
      ],
      ['a merge key inline', 'version: 1\nweb: {<<: {command: x, port: 1}}\n', /unknown key/],
      ['a complex key', 'version: 1\n? [web]\n: {command: x, port: 1}\n', /./],
      ['two documents', 'version: 1\nweb: {command: x, port: 1}\n---\nversion: 1\n', /./],
      [
        'a YAML 1.1 octal port',
        '%YAML 1.1\n---\nversion: 1\nweb: {command: x, port: 0o7777777}\n',
        /./,
      ],
      ['a float version', 'version: 1.5\nweb: {command: x, port: 1}\n', /version/],
      ['a string version', 'version: "1"\nweb: {command: x, port: 1}\n', /version/],
      ['a port past 65535', 'version: 1\nweb: {command: x, port: 65536}\n', /port/],
      ['a NUL in a command', 'version: 1\nweb: {command: "a\\0b", port: 1}\n', /NUL/],
      [
        'a NUL in a build command',
        'version: 1\nworkers: [{name: w, command: x}]\nbuild: {command: "a\\0"}\n',
        /NUL/,
      ],
      ['a NUL in a worker command', 'version: 1\nworkers: [{name: w, command: "\\0"}]\n', /NUL/],
      [
        'a health path with a NUL',
        'version: 1\nweb: {command: x, port: 1, health_path: "/\\0"}\n',
        /health_path/,
      ],
      [
        'a health path past Latin-1',
        'version: 1\nweb: {command: x, port: 1, health_path: "/\u0101"}\n',
        /health_path/,
      ],
      [
        'a health path with a control',
        'version: 1\nweb: {command: x, port: 1, health_path: "/\\x01"}\n',
        /health_path/,
      ],
      ['a tab for indentation', 'version: 1\nweb:\n\tcommand: x\n\tport: 1\n', /./],
    ];
    for (const [label, text, why] of cases) {
      const issues = refused(text);
      assert.ok(
        issues.some((e) => why.test(e.message) || why.test(e.path)),
        `${label}: ${JSON.stringify(issues)}`,
      );
    }
  });
});
