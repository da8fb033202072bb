import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { APP_TABS, INSTANCE_SECTIONS, paths } from '../packages/console/src/router/routes.js';
import {
  assertAccessible,
  createApp,
  launchConsoleChromium,
  screenshot,
  signIn,
  type ConsoleApp,
} from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

/** The page has its `main` and has stopped saying it is loading: what axe checks is the page. */
async function loaded(page: Page, what: string): Promise<void> {
  await page.locator('main').waitFor({ timeout: 15_000 });
  await page
    .waitForFunction(
      () =>
        !(
          globalThis as unknown as { document: { body: { innerText: string } } }
        ).document.body.innerText.includes('Loading…'),
      null,
      { timeout: 15_000 },
    )
    .catch(() => {
      throw new Error(`${what} still says it is loading after 15 s`);
    });
}

/**
 * Every page of the console, as a keyboard and screen-reader user meets it: axe-core finds no
 * serious or critical violation in the light theme or the dark one, at 1280 px or on a phone.
 */
describe('the console is accessible on every page', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  let app: ConsoleApp;

  before(async () => {
    d = await startDaemon({ dataDir });
    browser = await launchConsoleChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, d);
    app = await createApp(page, d, 'a11y', 'static');
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
    await destroyEverything(dataDir);
  });

  const pages = (): [string, string][] => [
    ['the app list', paths.apps],
    ['the new-app form', paths.newApp],
    ['the desktop', paths.desktop],
    ...APP_TABS.map((tab): [string, string] => [
      `the app's ${tab} section`,
      paths.app(app.id, tab),
    ]),
    ...INSTANCE_SECTIONS.map((s): [string, string] => [
      `the instance's ${s} page`,
      paths.instance(s),
    ]),
  ];

  for (const scheme of ['light', 'dark'] as const) {
    it(`finds no serious violation in the ${scheme} theme at 1280 px`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: 1280, height: 900 });
      for (const [what, to] of pages()) {
        await page.goto(`${d.url}${to}`);
        await loaded(page, what);
        await assertAccessible(page, `${what} (${scheme})`);
      }
    });
  }

  it('finds no serious violation on a phone', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [what, to] of pages()) {
      await page.goto(`${d.url}${to}`);
      await loaded(page, what);
      await assertAccessible(page, `${what} (phone)`);
    }
    await page.goto(`${d.url}${paths.app(app.id)}`);
    await screenshot(page, 'app-phone');
  });
});
