import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  createApp as createAppInConsole,
  launchConsoleChromium,
  previewFrame,
  previewWithHeading,
  type ConsoleApp as App,
} from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { waitFor } from './previewClient.js';

/**
 * End to end in Debian's Chromium: the console signs in with a token, creates apps, shows the
 * live preview in an iframe, and Vite's HMR updates it through the preview proxy.
 */
describe('console and preview in Chromium', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;

  before(async () => {
    d = await startDaemon({ dataDir });
    browser = await launchConsoleChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
    await destroyEverything(dataDir);
  });

  const signIn = async (): Promise<void> => {
    await page.goto(d.url);
    await page.getByTestId('signin-token').fill('wrong-token');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('signin-error').waitFor();
    await page.getByTestId('signin-token').fill(d.token);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('app-list').waitFor();
    // Runs in the page; typed loosely because the tests compile without the DOM library.
    const stored = await page.evaluate(() => {
      const g = globalThis as unknown as { localStorage: object; sessionStorage: object };
      return JSON.stringify({ ...g.localStorage, ...g.sessionStorage });
    });
    assert.ok(!stored.includes(d.token), 'the token is kept in no web storage');
  };

  /** The app list, or a failure that says what the page showed instead. */
  const appList = async (): Promise<void> => {
    await page.goto(d.url);
    try {
      await page.getByTestId('app-list').waitFor({ timeout: 60_000 });
    } catch (err) {
      const text = await page
        .locator('body')
        .innerText()
        .catch(() => '(no body)');
      throw new Error(`no app list; the page shows: ${text.slice(0, 2000)}`, { cause: err });
    }
  };

  const createApp = async (name: string, preset: string): Promise<string> =>
    (await createAppInConsole(page, d, name, preset)).id;

  it('creates a react-vite app, renders its preview, and hot-reloads an edit', async () => {
    await signIn();
    const id = await createApp('hello-vite', 'react-vite');
    const frame = await previewWithHeading(page);
    const before = await frame.locator('h1').innerText();
    assert.ok(before.length > 0);
    await frame.evaluate(() => {
      (globalThis as unknown as { paddockMarker: number }).paddockMarker = 42;
    });

    const app = (await d.api<App>('GET', `/v1/apps/${id}`)).body;
    const file = await fetch(`${d.url}/v1/sandboxes/${app.sandbox!.id}/files?path=src/App.tsx`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    const source = await file.text();
    assert.ok(source.includes(before), 'App.tsx holds the heading');
    const put = await fetch(`${d.url}/v1/sandboxes/${app.sandbox!.id}/files?path=src/App.tsx`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: source.replace(before, 'Edited through Paddock'),
    });
    assert.equal(put.status, 200);
    await frame.locator('h1', { hasText: 'Edited through Paddock' }).waitFor({ timeout: 30_000 });
    const marker = await frame.evaluate(
      () => (globalThis as unknown as { paddockMarker?: number }).paddockMarker,
    );
    assert.equal(marker, 42, 'the page was updated in place by HMR, not reloaded');
    const tab = await page.getByTestId('preview-open-tab').getAttribute('href');
    assert.match(tab ?? '', /^http:\/\/5173-sb[0-9a-z]{26}\.preview\.localhost:\d+\//);
  });

  it('opens the preview in its own tab, and refuses it without a token', async () => {
    const href = (await page.getByTestId('preview-open-tab').getAttribute('href'))!;
    const tab = await browser.newPage();
    const res = await tab.goto(href);
    assert.equal(res?.status(), 200);
    assert.ok(!tab.url().includes('paddock_token'), 'the token left the address bar');
    await tab.locator('h1', { hasText: 'Edited through Paddock' }).waitFor();
    await tab.close();

    const stranger = await browser.newContext();
    const bare = new URL(href);
    bare.search = '';
    const refused = await (await stranger.newPage()).goto(bare.toString());
    assert.equal(refused?.status(), 401);
    await stranger.close();
  });

  it('shows a node-express app serving, and a worker-only app with no preview', async () => {
    await appList();
    await createApp('api', 'node-express');
    await page
      .getByTestId('preview-status')
      .filter({ hasText: 'ready' })
      .waitFor({ timeout: 60_000 });
    const frame = await waitFor('the express page', async () => {
      const f = await previewFrame(page);
      return (await f.locator('h1').count()) > 0 ? f : undefined;
    });
    assert.match(await frame.locator('h1').innerText(), /Express/);

    await appList();
    await createApp('jobs', 'worker');
    await page.getByTestId('preview-status').filter({ hasText: 'none' }).waitFor();
    assert.equal(await page.getByTestId('preview-frame').count(), 0);
    await page
      .locator('[data-testid="process-row"][data-status="running"]')
      .first()
      .waitFor({ timeout: 30_000 });
  });

  it('shows an invalid sandbox.yaml with its line on the app page', async () => {
    const jobs = (
      await d.api<{ items: (App & { name: string })[] }>('GET', '/v1/apps')
    ).body.items.find((a) => a.name === 'jobs')!;
    const put = await fetch(`${d.url}/v1/sandboxes/${jobs.sandbox!.id}/files?path=sandbox.yaml`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: 'version: 1\nworkers:\n  - name: bad name\n    command: node worker.js\n',
    });
    assert.equal(put.status, 200);
    const errors = page.getByTestId('manifest-errors');
    await errors.waitFor({ timeout: 30_000 });
    assert.match(await errors.innerText(), /sandbox\.yaml:3:/);
    // What ran keeps running: the invalid manifest replaced nothing.
    assert.ok(
      (await page.locator('[data-testid="process-row"][data-status="running"]').count()) > 0,
    );
  });
});
