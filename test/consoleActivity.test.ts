import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  assertAccessible,
  createApp,
  launchConsoleChromium,
  screenshot,
  signIn,
  type ConsoleApp,
} from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { previewGet, waitFor } from './previewClient.js';

interface Proc {
  name: string;
  status: string;
  pid: number | null;
}
interface AppState {
  sandbox: { id: string; status: string; processes: Proc[] } | null;
}

/**
 * An app's processes, lifecycle and activity from the console, in Chromium: searching a
 * process's logs, restarting it, stopping and starting the sandbox, rotating the preview link,
 * and the Activity section listing events, with new ones arriving live.
 */
describe('the console shows processes, lifecycle and activity', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  let app: ConsoleApp;

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

  const webProcess = async (): Promise<Proc | undefined> =>
    (await d.api<AppState>('GET', `/v1/apps/${app.id}`)).body.sandbox?.processes.find(
      (p) => p.name === 'web',
    );

  it('searches the web process logs and restarts it', async () => {
    await signIn(page, d);
    app = await createApp(page, d, 'activity-static', 'static');
    await page.getByTestId('app-tab-build').click();
    const logs = page.getByTestId('process-logs');
    await logs.filter({ hasText: 'Serving' }).waitFor({ timeout: 60_000 });

    // Case-insensitive: the server printed "Serving …".
    await page.getByTestId('log-search').fill('serving');
    const count = page.getByTestId('log-match-count');
    await count.filter({ hasText: /^[1-9]\d* match/ }).waitFor();
    assert.ok((await logs.locator('mark').count()) >= 1);
    assert.equal((await logs.locator('mark').first().innerText()).toLowerCase(), 'serving');
    await page.getByTestId('log-search').fill('no such text anywhere');
    await count.filter({ hasText: '0 matches' }).waitFor();
    await page.getByTestId('log-only-matching').check();
    assert.equal((await logs.innerText()).trim(), '');
    await page.getByTestId('log-search').fill('');
    await page.getByTestId('log-only-matching').uncheck();
    assert.equal(await page.getByTestId('log-follow').isChecked(), true);

    const before = await waitFor('the web process running', async () => {
      const web = await webProcess();
      return web?.status === 'running' && web.pid !== null ? web : undefined;
    });
    const row = page.locator('[data-testid="process-row"][data-name="web"]');
    await row.getByTestId('process-restart').click();
    const restarted = await waitFor('the web process running again', async () => {
      const web = await webProcess();
      return web?.status === 'running' && web.pid !== null && web.pid !== before.pid
        ? web
        : undefined;
    });
    assert.notEqual(restarted.pid, before.pid);
    await page
      .locator('[data-testid="process-row"][data-name="web"][data-status="running"]')
      .waitFor();
    await row
      .getByTestId('process-restart')
      .filter({ hasText: /^Restart$/ })
      .waitFor();
  });

  it('stops and starts the sandbox and rotates the preview link from Settings', async () => {
    await page.getByTestId('app-tab-settings').click();
    const panel = page.getByTestId('lifecycle');
    await panel.waitFor();
    await assertAccessible(page, 'the Settings section');

    await page.getByTestId('lifecycle-stop').click();
    await page
      .getByTestId('lifecycle-start')
      .and(page.locator(':enabled'))
      .waitFor({ timeout: 60_000 });
    assert.equal(
      (await d.api<AppState>('GET', `/v1/apps/${app.id}`)).body.sandbox?.status,
      'stopped',
    );
    await page.getByTestId('lifecycle-start').click();
    await page
      .getByTestId('lifecycle-stop')
      .and(page.locator(':enabled'))
      .waitFor({ timeout: 60_000 });
    assert.equal(
      (await d.api<AppState>('GET', `/v1/apps/${app.id}`)).body.sandbox?.status,
      'running',
    );

    const link = page.getByTestId('lifecycle-preview-link');
    await link.waitFor();
    const old = (await link.getAttribute('href'))!;
    assert.equal((await previewGet(d.url, old)).status, 302, 'the link works before rotation');

    await page.getByTestId('rotate-preview').click();
    const dialog = page.getByTestId('rotate-dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /stops working/);
    await page.getByTestId('rotate-confirm').click();
    await page.getByTestId('rotate-done').waitFor();
    const fresh = await waitFor('a new preview link', async () => {
      const href = await link.getAttribute('href');
      return href && href !== old ? href : undefined;
    });
    assert.notEqual(fresh, old);
    assert.notEqual((await previewGet(d.url, old)).status, 302, 'the old link no longer works');
    assert.equal((await previewGet(d.url, fresh)).status, 302, 'the new link works');
  });

  it('lists the events on Activity and shows a new one live', async () => {
    await page.getByTestId('app-tab-activity').click();
    const list = page.getByTestId('activity-list');
    await list.waitFor();
    const stopped = list.locator('[data-testid="activity-item"][data-type="sandbox.stopped"]');
    const started = list.locator('[data-testid="activity-item"][data-type="sandbox.started"]');
    await stopped.first().waitFor();
    await started.first().waitFor();
    await list.locator('[data-type="preview.rotated"]').first().waitFor();
    await list.locator('[data-type="app.created"]').waitFor();
    const stops = await stopped.count();
    assert.equal(stops, 1);
    await page.locator('[data-testid="activity-stream-state"][data-state="live"]').waitFor();

    // The first item is the newest; its details open.
    const newest = list.getByTestId('activity-item').first();
    await newest.locator('summary').click();
    await newest.locator('.activity-details').waitFor();
    assert.match(await newest.locator('.activity-details').innerText(), /Sandbox/);

    const sandboxId = (await d.api<AppState>('GET', `/v1/apps/${app.id}`)).body.sandbox!.id;
    assert.equal((await d.api('POST', `/v1/sandboxes/${sandboxId}/stop`)).status, 200);
    await waitFor('the stop appears live', async () => (await stopped.count()) === stops + 1);
    assert.equal(
      await list.getByTestId('activity-item').first().getAttribute('data-type'),
      'sandbox.stopped',
    );

    await assertAccessible(page, 'the Activity section');
    await screenshot(page, 'activity');

    // On a phone the list wraps; the page does not scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await assertAccessible(page, 'the Activity section on a phone');
    const overflow = await page.evaluate(() => {
      const root = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } };
        }
      ).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
