import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, signIn } from './desktopClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

/** Records every CSP violation a document of the page sees, frames included. */
const RECORD_VIOLATIONS = `
  globalThis.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    globalThis.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
`;

/** The page's console errors, but for the 401s of asking for a session while signed out. */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    if (/Failed to load resource: the server responded with a status of 401/.test(msg.text())) {
      return;
    }
    errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __violations: string[] }).__violations);
}

/**
 * The console under its CSP in Chromium: it signs in, lists apps and signs out everywhere with
 * no violation or console error, and a page of another origin cannot frame it.
 */
describe('the console in Chromium under its security headers', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let other: http.Server;
  let otherUrl: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    d = await startDaemon({ dataDir });
    browser = await launchChromium();
    // Another origin (another port) with a page that tries to frame the console.
    other = http.createServer((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (req.url === '/inner') return res.end('<p id="inner">framed fine</p>');
      res.end(
        `<iframe id="inner" src="/inner"></iframe>` +
          `<iframe id="console" name="console" src="${d.url}/"></iframe>`,
      );
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherUrl = `http://localhost:${(other.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await browser?.close();
    other?.close();
    await d?.stop();
    await destroyEverything(dataDir);
  });

  const newPage = async (): Promise<{ page: Page; errors: string[] }> => {
    const context = await browser.newContext();
    contexts.push(context);
    await context.addInitScript({ content: RECORD_VIOLATIONS });
    const page = await context.newPage();
    return { page, errors: watch(page) };
  };

  it('signs in, lists apps, opens the desktop and signs out everywhere else with no violation', async () => {
    const { page, errors } = await newPage();
    const response = await page.goto(d.url);
    assert.match(response!.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    await signIn(page, d);
    await page.getByTestId('nav-desktop').click();
    await page.getByTestId('desktop-surface').waitFor();
    await page.goto(d.url);
    await page.getByTestId('app-list').waitFor();
    assert.deepEqual(await violations(page), []);

    // A second browser, signed in as the same owner.
    const second = await newPage();
    await signIn(second.page, d);

    await page.getByTestId('account-toggle').click();
    assert.match(await page.getByTestId('session-expires').innerText(), /This session ends/);
    await page.getByTestId('signout-everywhere').click();
    await page.getByTestId('signout-everywhere-done').waitFor();
    // This one stays signed in (its cookie was re-issued), also after a reload...
    await page.reload();
    await page.getByTestId('app-list').waitFor();
    // ...the other is signed out at its next request.
    await second.page.reload();
    await second.page.getByTestId('signin-token').waitFor();

    assert.deepEqual(await violations(page), []);
    assert.deepEqual(await violations(second.page), []);
    assert.deepEqual(errors, []);
    assert.deepEqual(second.errors, []);
  });

  it('cannot be framed by a page of another origin', async () => {
    const { page } = await newPage();
    const refused = page.waitForEvent('console', {
      predicate: (msg) => /frame-ancestors/.test(msg.text()),
    });
    await page.goto(otherUrl);
    await refused;
    // The same page frames its own page fine: the harness can see a frame that loads.
    const inner = page.frameLocator('#inner');
    assert.equal(await inner.locator('#inner').innerText(), 'framed fine');
    const framed = page.frame({ name: 'console' });
    assert.ok(framed);
    assert.equal(await framed.locator('[data-testid="signin-token"], #root').count(), 0);
    assert.notEqual(framed.url(), `${d.url}/`);
  });
});
