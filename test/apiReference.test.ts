import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertAccessible, launchConsoleChromium } from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

interface Doc {
  paths: Record<string, Record<string, { summary?: string }>>;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
  };
}

const DOC = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../docs/openapi.json'), 'utf8'),
) as Doc;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

const operations = Object.entries(DOC.paths).flatMap(([p, ops]) =>
  Object.entries(ops)
    .filter(([m]) => METHODS.includes(m))
    .map(([method, op]) => ({ method, path: p, summary: op.summary ?? '' })),
);

/** Written out here rather than imported, so the test checks the renderer, not itself. */
function escaped(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The HTML of the element whose id is `id`, up to the end of its `<section>`. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section class="schema" id="${id}"`);
  assert.ok(start >= 0, `section ${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('the API reference at /docs', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let res: Response;
  let html: string;

  before(async () => {
    d = await startDaemon({ dataDir });
    res = await fetch(`${d.url}/docs`);
    html = await res.text();
  });

  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('answers 200 text/html without credentials, under a CSP that allows only its stylesheet', async () => {
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'self'/);
    assert.doesNotMatch(csp, /script-src/);
    assert.match(csp, /frame-ancestors 'none'/);
    const slash = await fetch(`${d.url}/docs/`);
    assert.equal(slash.status, 200);
    assert.equal(await slash.text(), html);
    assert.equal(slash.headers.get('content-security-policy'), csp);
  });

  it('has a section with an anchor for every operation, each linked from the contents', () => {
    const anchors = new Set<string>();
    for (const op of operations) {
      const heading = new RegExp(
        `<section class="operation" id="([a-z0-9-]+)"[^>]*>\\s*<h3[^>]*><a class="self" href="#\\1">` +
          `<span class="method method-${op.method}">${op.method.toUpperCase()}</span> ` +
          `<span class="path">${escaped(op.path).replace(/[{}]/g, '\\$&')}</span>`,
      ).exec(html);
      assert.ok(heading, `${op.method} ${op.path} has a section`);
      const anchor = heading[1]!;
      assert.ok(html.includes(`href="#${anchor}"><span class="method`), `${anchor} in contents`);
      assert.ok(!anchors.has(anchor), `${anchor} is unique`);
      anchors.add(anchor);
    }
    assert.equal(anchors.size, operations.length);
  });

  it("shows the shared schemas' fields and every error code", () => {
    for (const name of ['App', 'Task', 'Snapshot', 'ConfigEntry', 'Checkpoint']) {
      const schema = DOC.components.schemas[name]!;
      const body = section(html, `schema-${name}`);
      for (const field of Object.keys(schema.properties ?? {})) {
        assert.ok(body.includes(`<code>${field}</code>`), `${name}.${field}`);
      }
    }
    const error = DOC.components.schemas.Error!.properties!.error as {
      properties: { code: { enum: string[] } };
    };
    const errors = section(html, 'schema-Error');
    for (const code of error.properties.code.enum) {
      assert.ok(errors.includes(`<code>&quot;${code}&quot;</code>`), code);
    }
    // A request body's nested fields, with their dotted names.
    assert.ok(html.includes('<code>source.git.url</code>'));
    assert.ok(html.includes('<code>input.prompt</code>'));
  });

  it('links a stylesheet that the daemon serves', async () => {
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1];
    assert.equal(href, '/docs/reference.css');
    const css = await fetch(new URL(href, d.url));
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(await css.text(), /\.operation/);
  });

  it('has no script, no inline style and no event handler attribute', () => {
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<style/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
  });

  it("escapes the document's text: a summary with `<` in it shows as text", () => {
    const withLt = operations.filter((op) => op.summary.includes('<'));
    assert.ok(withLt.length > 0, 'the document has a summary with <');
    for (const op of withLt) {
      assert.ok(html.includes(escaped(op.summary)), op.summary);
      assert.ok(!html.includes(op.summary), `${op.summary} appears unescaped`);
    }
    // Backticked spans are code.
    assert.ok(html.includes('<code>if_busy: &quot;reject&quot;</code>'));
  });

  describe('in Chromium', () => {
    let browser: Browser;

    before(async () => {
      browser = await launchConsoleChromium();
    });

    after(async () => {
      await browser?.close();
    });

    for (const scheme of ['light', 'dark'] as const) {
      it(`renders styled with no CSP violation and no serious axe violation (${scheme})`, async () => {
        const page = await browser.newPage({ colorScheme: scheme });
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        const answer = await page.goto(`${d.url}/docs#post-v1-apps`);
        assert.equal(answer?.status(), 200);
        // The stylesheet applied: the contents are a sticky side column.
        const position = await page
          .locator('nav.contents')
          .evaluate(
            (el) =>
              (
                globalThis as unknown as { getComputedStyle: (e: unknown) => { position: string } }
              ).getComputedStyle(el).position,
          );
        assert.equal(position, 'sticky');
        await assertAccessible(page, `the API reference (${scheme})`);
        assert.deepEqual(problems, []);
        await page.close();
      });
    }
  });
});
