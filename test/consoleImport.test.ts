import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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
import { gitDaemonEnv, startGitServer, type GitServer } from './fixtures/git-server/gitServer.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { selfSignedCertificate } from './testCertificate.js';

const HEADING = 'Brought in from a zip';
const NEW_PORT = 8123;
const GIT_HOST = 'git.example.test';
const GIT_HEADING = 'Brought in from git';
/** The private repository's token: only the test, the person typing it and the injector know it. */
const TOKEN = `ghs_${randomBytes(18).toString('hex')}`;

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
  const cert = selfSignedCertificate(GIT_HOST);
  let server: GitServer;
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  let app: App;

  before(async () => {
    server = await startGitServer({ host: GIT_HOST, key: cert.key, cert: cert.cert, token: TOKEN });
    server.createRepo('site', [
      {
        message: 'First page',
        files: { 'index.html': `<!doctype html><title>Site</title><h1>${GIT_HEADING}</h1>\n` },
      },
    ]);
    d = await startDaemon({
      dataDir,
      env: gitDaemonEnv(server, GIT_HOST, cert.certFile),
    });
    browser = await launchConsoleChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
    await destroyEverything(dataDir);
    await server?.close();
    cert.remove();
  });

  /** Writes a file into the app's workspace, as an edit or a task would. */
  const writeFile = async (sandboxId: string, file: string, content: string) => {
    const put = await fetch(
      `${d.url}/v1/sandboxes/${sandboxId}/files?path=${encodeURIComponent(file)}`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${d.token}`,
          'content-type': 'application/octet-stream',
        },
        body: content,
      },
    );
    assert.equal(put.status, 200, await put.text());
  };

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
    // A fresh form: no error left from the refused archive.
    await page.getByRole('link', { name: '← Apps' }).click();
    await page.getByTestId('import-app-link').click();
    await page.getByTestId('import-from-archive').check();
    await page.getByLabel('Archive (.zip, .tar or .tar.gz)').setInputFiles({
      name: 'my-site.zip',
      mimeType: 'application/zip',
      buffer: await siteZip(),
    });
    // Left empty, the name is the archive's.
    assert.equal(await page.getByTestId('import-name').getAttribute('placeholder'), 'my-site');
    await page.getByTestId('import-archive-submit').click();

    // The review, or (failing fast) the import's error in place.
    const review = page.getByTestId('import-review');
    const refused = page.getByTestId('import-error');
    await review.or(refused).waitFor({ timeout: 300_000 });
    assert.equal(await refused.count(), 0, await refused.allInnerTexts().then((t) => t.join()));
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
    // The preview waits for the review rather than reading "down".
    assert.match(
      await page.locator('.preview-placeholder').innerText(),
      /starts once its import is confirmed/,
    );

    const manifest = page.getByTestId('import-manifest');
    const proposed = await manifest.inputValue();
    assert.equal(proposed, app.import?.detection?.manifest);
    const port = /^\s*port:\s*(\d+)/m.exec(proposed)?.[1];
    assert.ok(port, `the proposal has a web port:\n${proposed}`);
    await page
      .locator('[data-testid="import-manifest-check"][data-state="valid"]')
      .waitFor({ timeout: 30_000 });
    await assertAccessible(page, 'the import review');
    // Tall enough to show the whole panel, down to its Start button.
    await page.setViewportSize({ width: 1280, height: 1200 });
    await screenshot(page, 'import-review');
    await page.setViewportSize({ width: 1280, height: 900 });

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
    await writeFile(app.sandbox!.id, 'node_modules/left-pad/index.js', 'module.exports = 1;\n');

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
  });

  it('imports a private git repository with its token, then pushes and pulls from Export', async () => {
    await page.getByRole('link', { name: '← Apps' }).click();
    await page.getByTestId('import-app-link').click();
    await page.getByTestId('import-from-git').check();
    await page.getByLabel('Repository URL').fill(server.url('site'));
    await page.getByLabel('Branch, tag or commit (optional)').fill('main');
    const token = page.getByLabel('Access token (optional, write-only)');
    assert.equal(await token.getAttribute('type'), 'password');
    await token.fill(TOKEN);
    // Typed, never markup: the token is in no attribute of the page.
    assert.ok(!(await page.content()).includes(TOKEN));
    assert.equal(await page.getByTestId('import-name').getAttribute('placeholder'), 'site');
    await page.getByTestId('import-git-submit').click();

    const review = page.getByTestId('import-review');
    const refused = page.getByTestId('import-error');
    await review.or(refused).waitFor({ timeout: 300_000 });
    assert.equal(await refused.count(), 0, await refused.allInnerTexts().then((t) => t.join()));
    assert.equal(await page.getByTestId('import-kind').getAttribute('data-kind'), 'static');
    assert.match(await page.getByTestId('import-detection').innerText(), /site\.git at main/);
    await page.getByTestId('import-start').click();
    await review.waitFor({ state: 'detached', timeout: 60_000 });
    const frame = await previewWithHeading(page, 300_000);
    assert.equal(await frame.locator('h1').innerText(), GIT_HEADING);

    const apps = await d.api<{ items: App[] }>('GET', '/v1/apps');
    const fromGit = apps.body.items.find((a) => a.name === 'site');
    assert.ok(fromGit?.sandbox);
    const sandboxId = fromGit.sandbox.id;

    // A change of the app's, pushed to where it came from (the URL is the import's).
    await writeFile(sandboxId, 'about.html', '<h1>About</h1>\n');
    await page.getByTestId('app-tab-settings').click();
    const pushUrl = page.getByTestId('git-push-url');
    assert.equal(await pushUrl.getAttribute('placeholder'), server.url('site'));
    assert.equal(await page.getByTestId('git-push-branch').inputValue(), 'main');
    await page.getByTestId('git-push-submit').click();
    const pushed = page.getByTestId('git-push-result');
    await pushed.waitFor({ timeout: 120_000 });
    assert.equal(await pushed.getAttribute('data-commit'), server.heads('site').main);
    assert.equal(server.readFile('site', 'main', 'about.html'), '<h1>About</h1>\n');
    assert.match(
      await pushed.innerText(),
      /Pushed: main at https:\/\/git\.example\.test\/site\.git/,
    );

    // Someone else's commit on the remote, pulled in as a checkpoint.
    const theirs = server.commit('site', 'main', {
      message: 'Remote change',
      files: { 'remote.txt': 'from elsewhere\n' },
    });
    await page.getByTestId('git-pull-submit').click();
    const pulled = page.locator('[data-testid="git-pull-result"][data-changed="true"]');
    await pulled.waitFor({ timeout: 120_000 });
    assert.equal(await pulled.getAttribute('data-checkpoint'), theirs);
    assert.match(await pulled.innerText(), /the remote's changes are checkpoint/);
    const remote = await fetch(`${d.url}/v1/sandboxes/${sandboxId}/files?path=remote.txt`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(await remote.text(), 'from elsewhere\n');

    // The remote moves on while the app changes the same file: the push is refused, explained.
    server.commit('site', 'main', { message: 'Remote again', files: { 'remote.txt': 'theirs\n' } });
    await writeFile(sandboxId, 'remote.txt', 'ours\n');
    await page.getByTestId('git-push-submit').click();
    const conflict = page.locator('[data-testid="git-push-error"][data-code="git_conflict"]');
    await conflict.waitFor({ timeout: 120_000 });
    assert.match(await conflict.innerText(), /Pull them in first.*Overwrite the remote branch/s);
    await assertAccessible(page, 'the export section with a refused push');

    // Forced, the remote branch is the app's.
    await page.getByTestId('git-push-force').check();
    await page.getByTestId('git-push-submit').click();
    await pushed.waitFor({ timeout: 120_000 });
    assert.equal(await pushed.getAttribute('data-commit'), server.heads('site').main);
    assert.equal(server.readFile('site', 'main', 'remote.txt'), 'ours\n');

    // The token is nowhere in the page.
    assert.ok(!(await page.content()).includes(TOKEN));
    await page.getByTestId('export-panel').scrollIntoViewIfNeeded();
    await screenshot(page, 'export');
  });
});
