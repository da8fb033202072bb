import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import tar from 'tar-stream';
import yazl from 'yazl';
import type { App } from '@paddock/shared';
import {
  assertAccessible,
  launchConsoleChromium,
  previewWithHeading,
  screenshot,
  signIn,
} from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

const HEADING = 'Brought in from a zip';
const NEW_PORT = 8123;

/** A zip of a small static site, inside one top-level folder as GitHub's downloads are. */
function siteZip(): Promise<Buffer> {
  const z = new yazl.ZipFile();
  const files: Record<string, string> = {
    'my-site/index.html':
      '<!doctype html><html><head><title>My site</title><link rel="stylesheet" href="style.css">' +
      `</head><body><h1>${HEADING}</h1></body></html>\n`,
    'my-site/style.css': 'h1 { color: teal; }\n',
  };
  for (const [name, body] of Object.entries(files)) {
    z.addBuffer(Buffer.from(body), name, { mode: 0o100644 });
  }
  z.end();
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    z.outputStream.on('data', (b: Buffer) => parts.push(b));
    z.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    z.outputStream.on('error', reject);
  });
}

/** A tar with an entry that climbs out of the project: `../x`. */
async function climbingTar(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'index.html' }, '<h1>fine</h1>\n');
  pack.entry({ name: '../x' }, 'escaped\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The entry names of a tar.gz. */
async function tarGzNames(bytes: Buffer): Promise<string[]> {
  const extract = tar.extract();
  const names: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      names.push(header.name.replace(/^\.\//, ''));
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(gunzipSync(bytes));
  await done;
  return names;
}

/**
 * Bringing a project in and taking it out again from the console, as a person would in
 * Chromium: a zip imported with review (the detection, the proposed sandbox.yaml edited before
 * the first start, the preview), a malicious archive refused in place, and the download.
 */
describe('the console imports a project and exports it', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  let app: App;

  before(async () => {
    d = await startDaemon({ dataDir });
    browser = await launchConsoleChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('refuses an archive with ../x in place, and creates no app', async () => {
    await signIn(page, d);
    await page.getByTestId('import-app-link').click();
    await page.getByRole('heading', { name: 'Import a project' }).waitFor();
    await assertAccessible(page, 'the import page (git)');
    await page.getByTestId('import-from-archive').check();
    await assertAccessible(page, 'the import page (archive)');

    await page.getByLabel('Archive (.zip, .tar or .tar.gz)').setInputFiles({
      name: 'climbing.tar',
      mimeType: 'application/x-tar',
      buffer: await climbingTar(),
    });
    await page.getByTestId('import-archive-submit').click();
    const error = page.locator('[data-testid="import-error"][data-code="invalid_archive"]');
    await error.waitFor({ timeout: 120_000 });
    assert.match(await error.innerText(), /invalid_archive/);
    assert.match(await error.innerText(), /absolute paths, “\.\.”/);
    // Still on the import page, with nothing made.
    assert.equal(new URL(page.url()).pathname, '/apps/import');
    const apps = await d.api<{ items: App[] }>('GET', '/v1/apps');
    assert.deepEqual(
      apps.body.items.map((a) => a.name),
      [],
    );
  });

  it('imports a zip with review: detection, the proposed sandbox.yaml, edited, started', async () => {
    await page.getByLabel('Archive (.zip, .tar or .tar.gz)').setInputFiles({
      name: 'my-site.zip',
      mimeType: 'application/zip',
      buffer: await siteZip(),
    });
    // Left empty, the name is the archive's.
    assert.equal(await page.getByTestId('import-name').getAttribute('placeholder'), 'my-site');
    await page.getByTestId('import-archive-submit').click();

    const review = page.getByTestId('import-review');
    await review.waitFor({ timeout: 300_000 });
    const apps = await d.api<{ items: App[] }>('GET', '/v1/apps');
    const found = apps.body.items.find((a) => a.name === 'my-site');
    assert.ok(found, 'the app is named after the archive');
    app = found;
    assert.equal(new URL(page.url()).pathname, `/apps/${app.id}`);
    assert.equal(app.preset, null);
    assert.equal(app.import?.state, 'review');

    assert.equal(await page.getByTestId('import-kind').getAttribute('data-kind'), 'static');
    assert.equal(
      await page.getByTestId('import-manifest-source').getAttribute('data-source'),
      'proposed',
    );
    // The header says what the app is, with no preset.
    assert.match(await page.locator('.page-header').innerText(), /Imported \(static site\)/);

    const manifest = page.getByTestId('import-manifest');
    const proposed = await manifest.inputValue();
    assert.equal(proposed, app.import?.detection?.manifest);
    const port = /^\s*port:\s*(\d+)/m.exec(proposed)?.[1];
    assert.ok(port, `the proposal has a web port:\n${proposed}`);
    await page
      .locator('[data-testid="import-manifest-check"][data-state="valid"]')
      .waitFor({ timeout: 30_000 });
    await assertAccessible(page, 'the import review');
    await screenshot(page, 'import-review');

    // A port that is not a number is shown in place, with its line, before anything starts.
    const broken = proposed.replace(/^(\s*port:\s*)\d+/m, '$1not-a-port');
    await manifest.fill(broken);
    const errors = page.getByTestId('import-manifest-errors');
    await errors.waitFor({ timeout: 30_000 });
    const brokenLine = broken.split('\n').findIndex((l) => l.includes('not-a-port')) + 1;
    assert.match(await errors.innerText(), new RegExp(`sandbox\\.yaml:${brokenLine}:`));
    await assertAccessible(page, 'the import review with errors');

    // The port edited (wherever the proposal names it), then started.
    const edited = proposed.replaceAll(new RegExp(`\\b${port}\\b`, 'g'), String(NEW_PORT));
    await manifest.fill(edited);
    await page
      .locator('[data-testid="import-manifest-check"][data-state="valid"]')
      .waitFor({ timeout: 30_000 });
    await page.getByTestId('import-start').click();
    await review.waitFor({ state: 'detached', timeout: 60_000 });

    const frame = await previewWithHeading(page, 300_000);
    assert.equal(await frame.locator('h1').innerText(), HEADING);

    const started = (await d.api<App>('GET', `/v1/apps/${app.id}`)).body;
    assert.equal(started.import?.state, 'started');
    const written = await fetch(
      `${d.url}/v1/sandboxes/${started.sandbox!.id}/files?path=sandbox.yaml`,
      { headers: { authorization: `Bearer ${d.token}` } },
    );
    assert.equal(written.status, 200);
    assert.equal(await written.text(), edited, 'the edited sandbox.yaml is the project’s');
    app = started;

    // The app list names it by what it was found to be.
    await page.getByRole('link', { name: '← Apps' }).click();
    const row = page.locator(`[data-testid="app-row"][data-app-id="${app.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Imported \(static site\)/);
  });

  it('downloads the project as a tar.gz without node_modules', async () => {
    // node_modules in the workspace, as an install would leave it: not part of the project.
    const put = await fetch(
      `${d.url}/v1/sandboxes/${app.sandbox!.id}/files?path=node_modules/left-pad/index.js`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${d.token}`,
          'content-type': 'application/octet-stream',
        },
        body: 'module.exports = 1;\n',
      },
    );
    assert.equal(put.status, 200, await put.text());

    await page.getByRole('link', { name: 'my-site' }).click();
    await page.getByTestId('app-tab-settings').click();
    const panel = page.getByTestId('export-panel');
    await panel.waitFor();
    const link = page.getByTestId('archive-download');
    const href = await link.getAttribute('href');
    assert.equal(href, `/v1/apps/${app.id}/archive?format=tar.gz&git=false`);
    await page.getByTestId('archive-format-zip').check();
    assert.equal(
      await link.getAttribute('href'),
      `/v1/apps/${app.id}/archive?format=zip&git=false`,
    );
    await page.getByTestId('archive-format-tar.gz').check();

    // The link works with the page's own session cookie (no token).
    const response = await page.request.get(`${d.url}${href}`);
    assert.equal(response.status(), 200, await response.text());
    const names = await tarGzNames(await response.body());
    assert.ok(names.includes('index.html'), names.join(', '));
    assert.ok(names.includes('sandbox.yaml'), names.join(', '));
    assert.ok(!names.some((n) => n.startsWith('node_modules')), names.join(', '));
    assert.ok(!names.some((n) => n.startsWith('.git/')), names.join(', '));

    // Push and pull are offered with what a private remote needs.
    await page.getByTestId('git-push').waitFor();
    const note = await page.getByTestId('git-remote-note').innerText();
    assert.match(note, /Basic \{basic:x-access-token\}/);
    await assertAccessible(page, 'the export section');
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'export');
  });
});
