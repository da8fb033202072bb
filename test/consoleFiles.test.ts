import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  assertAccessible,
  createApp,
  launchConsoleChromium,
  previewWithHeading,
  screenshot,
  signIn,
  type ConsoleApp,
} from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

const HEADING = 'Hello from React + Vite';
const EDITED = 'Edited in the console';
const AGENT = 'Written by an agent';
const THEIRS = 'An agent wrote this while you typed';

/** The text colour of an element, read in the page (the tests' TypeScript has no DOM lib). */
const textColour = (el: unknown) =>
  (
    globalThis as unknown as { getComputedStyle: (e: unknown) => { color: string } }
  ).getComputedStyle(el).color;

/** Records every CSP violation the console's document sees. */
const RECORD_VIOLATIONS = `
  globalThis.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    globalThis.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
`;

/**
 * The Files section as a person building an app uses it, in Chromium against the real daemon:
 * the workspace tree, a file opened in CodeMirror, an edit saved with Ctrl+S reaching the
 * preview, an agent's write to the open file reloading it in place, the unsaved-change guard,
 * and a conflict when an agent writes under unsaved edits. All under the console's strict CSP.
 */
describe('the console edits an app’s files', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  let app: ConsoleApp;
  let sandboxId: string;

  before(async () => {
    d = await startDaemon({ dataDir });
    browser = await launchConsoleChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(RECORD_VIOLATIONS);
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
    await destroyEverything(dataDir);
  });

  const fileUrl = (path: string) =>
    `/v1/sandboxes/${sandboxId}/files?path=${encodeURIComponent(path)}`;
  const readFile = async (path: string) => {
    const res = await d.api<string>('GET', fileUrl(path));
    assert.equal(res.status, 200);
    return res.body;
  };
  const editorText = () => page.getByTestId('code-editor-content').innerText();
  const treeItem = (path: string) =>
    page.locator(`[data-testid="file-tree"] [data-path="${path}"]`);

  async function openAppTsx(): Promise<void> {
    await page.getByTestId('app-tab-files').click();
    const src = treeItem('src');
    await src.waitFor({ timeout: 60_000 });
    if ((await src.getAttribute('aria-expanded')) !== 'true') await src.click();
    await treeItem('src/App.tsx').click();
    await page.locator('[data-testid="file-pane"][data-path="src/App.tsx"]').waitFor();
    await page.getByTestId('code-editor-content').waitFor({ timeout: 60_000 });
  }

  it('opens src/App.tsx from the tree, saves an edit with Ctrl+S and the preview shows it', async () => {
    await signIn(page, d);
    app = await createApp(page, d, 'files-vite', 'react-vite');
    assert.ok(app.sandbox);
    sandboxId = app.sandbox.id;
    const frame = await previewWithHeading(page, 300_000);
    assert.equal(await frame.locator('h1').innerText(), HEADING);

    await openAppTsx();
    // The tree lists the workspace; heavy directories are there but not expanded.
    const modules = treeItem('node_modules');
    await modules.waitFor();
    assert.equal(await modules.getAttribute('aria-expanded'), 'false');
    assert.match(await editorText(), new RegExp(`<h1>${HEADING}</h1>`.replace(/\+/g, '\\+')));
    // Real highlighting: a keyword is coloured unlike the text around it.
    const colour = (selector: string) => page.locator(selector).first().evaluate(textColour);
    const keyword = page.locator('.cm-line span', { hasText: /^import$/ }).first();
    assert.notEqual(await keyword.evaluate(textColour), await colour('.cm-content'));

    // Select the heading's text with the keyboard and type over it, as a person would.
    const original = await readFile('src/App.tsx');
    await page.locator('.cm-line', { hasText: HEADING }).click();
    await page.keyboard.press('End');
    for (let i = 0; i < '</h1>'.length; i++) await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < HEADING.length; i++) await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.type(EDITED);
    await page.getByTestId('file-modified').waitFor();
    await page.keyboard.press('Control+S');
    await page.getByTestId('file-modified').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await readFile('src/App.tsx'), original.replace(HEADING, EDITED));
    // Our own save's echo from the watch is not news.
    await page.waitForTimeout(1500);
    assert.equal(await page.getByTestId('file-notice').count(), 0);
    assert.equal(await page.getByTestId('file-conflict').count(), 0);

    await page.getByTestId('app-tab-build').click();
    const preview = await previewWithHeading(page, 120_000);
    await preview.locator('h1', { hasText: EDITED }).waitFor({ timeout: 60_000 });
  });

  it('reloads the open file in place when an agent writes it, and says so', async () => {
    await openAppTsx();
    assert.match(await editorText(), new RegExp(EDITED));
    await page
      .locator('[data-testid="files-watch"][data-state="live"]')
      .waitFor({ timeout: 30_000 });
    const agentText = (await readFile('src/App.tsx')).replace(EDITED, AGENT);
    const put = await d.api('PUT', fileUrl('src/App.tsx'), agentText);
    assert.equal(put.status, 200);
    const notice = page.getByTestId('file-notice');
    await notice.waitFor({ timeout: 30_000 });
    assert.match(await notice.innerText(), /Changed on disk by someone else; reloaded/);
    assert.match(await editorText(), new RegExp(AGENT));
    assert.equal(await page.getByTestId('file-modified').count(), 0);

    await assertAccessible(page, 'the files section with a file open');
    await screenshot(page, 'files');

    // The editor follows the dark theme with the page (the console's variables reach into it).
    const background = () =>
      page.locator('.cm-editor').evaluate(
        (el) =>
          (
            globalThis as unknown as {
              getComputedStyle: (e: unknown) => { backgroundColor: string };
            }
          ).getComputedStyle(el).backgroundColor,
      );
    assert.equal(await background(), 'rgb(255, 255, 255)');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await background(), 'rgb(31, 32, 36)');
    await assertAccessible(page, 'the files section with a file open, in the dark theme');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('asks before dropping unsaved edits, and offers a choice when an agent writes under them', async () => {
    await page.locator('.cm-line', { hasText: AGENT }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' {/* mine */}');
    await page.getByTestId('file-modified').waitFor();

    // Opening another file asks first; declining keeps the edits.
    const asked = new Promise<string>((resolve) => {
      page.once('dialog', (dialog) => {
        resolve(dialog.message());
        void dialog.dismiss();
      });
    });
    await treeItem('package.json').click();
    assert.match(await asked, /src\/App\.tsx has unsaved changes/);
    assert.equal(await page.getByTestId('file-pane').getAttribute('data-path'), 'src/App.tsx');
    assert.match(await editorText(), /\/\* mine \*\//);

    // An agent writes the file under the unsaved edits: nothing is lost silently.
    const theirs = (await readFile('src/App.tsx')).replace(AGENT, THEIRS);
    assert.equal((await d.api('PUT', fileUrl('src/App.tsx'), theirs)).status, 200);
    const conflict = page.getByTestId('file-conflict');
    await conflict.waitFor({ timeout: 30_000 });
    assert.match(await editorText(), /\/\* mine \*\//);
    await page.getByTestId('reload-theirs').click();
    await conflict.waitFor({ state: 'detached' });
    assert.match(await editorText(), new RegExp(THEIRS));
    assert.equal(await page.getByTestId('file-modified').count(), 0);

    // Clean again: another file opens without asking.
    await treeItem('package.json').click();
    await page.locator('[data-testid="file-pane"][data-path="package.json"]').waitFor();
    await page.getByTestId('code-editor-content').waitFor();
    assert.match(await editorText(), /"scripts"/);
  });

  it('creates, renames and deletes a file, and does not open a binary one', async () => {
    await page.getByRole('button', { name: 'New file' }).click();
    await page.getByLabel('New file path').fill('src/notes.md');
    await page.getByRole('button', { name: 'Create file' }).click();
    await page.locator('[data-testid="file-pane"][data-path="src/notes.md"]').waitFor();
    await treeItem('src/notes.md').waitFor({ timeout: 30_000 });
    await page.getByTestId('code-editor-content').click();
    await page.keyboard.type('# Notes');
    await page.getByTestId('file-save').click();
    await page.getByTestId('file-modified').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await readFile('src/notes.md'), '# Notes');

    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New path').fill('docs/notes.md');
    await page.getByRole('button', { name: 'Rename', exact: true }).last().click();
    await page.locator('[data-testid="file-pane"][data-path="docs/notes.md"]').waitFor();
    assert.equal(await readFile('docs/notes.md'), '# Notes');
    assert.equal((await d.api('GET', fileUrl('src/notes.md'))).status, 404);

    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete docs/notes.md?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await d.api('GET', fileUrl('docs/notes.md'))).status, 404);
    assert.match(await page.getByTestId('file-pane').innerText(), /Pick a file/);

    // Bytes that are not text are described, not put in the editor.
    assert.equal((await d.api('PUT', fileUrl('blob.bin'), 'a\u0000b')).status, 200);
    await treeItem('blob.bin').click({ timeout: 30_000 });
    const notText = page.getByTestId('file-not-text');
    await notText.waitFor();
    assert.match(await notText.innerText(), /not text/);

    const violations = await page.evaluate(
      () => (globalThis as unknown as { __violations: string[] }).__violations,
    );
    assert.deepEqual(violations, [], 'no CSP violation on the console');
  });
});
