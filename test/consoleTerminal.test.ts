import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PTY_LIMITS } from '@paddock/shared';
import {
  assertAccessible,
  createApp,
  launchConsoleChromium,
  screenshot,
  signIn,
  type ConsoleApp,
} from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { waitFor } from './previewClient.js';
import { TestTerminal } from './ptyClient.js';

/** Records every CSP violation the page sees (xterm.js is the part that could cause one). */
const RECORD_VIOLATIONS = `
  globalThis.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    globalThis.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample);
  });
`;

/**
 * The app page's Terminal section in Chromium, against a real sandbox: a shell that runs what
 * is typed, several at once and independent, UTF-8 both ways, the size following the page,
 * Ctrl+C, the shell's exit and a restart, the API's cap, all under the console's CSP.
 */
describe('the console opens terminals in an app’s sandbox', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  let app: ConsoleApp;
  const pageErrors: string[] = [];

  before(async () => {
    // A short drain: the last test stops the daemon with a terminal open.
    d = await startDaemon({ dataDir, env: { PADDOCK_DRAIN_SECONDS: '1' } });
    browser = await launchConsoleChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript({ content: RECORD_VIOLATIONS });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
    await destroyEverything(dataDir);
  });

  const shown = () => page.locator('[data-testid="terminal"]:not([hidden])');

  /** What the terminal shown has on its screen, as text. */
  const screenText = async (): Promise<string> =>
    (await shown().locator('.xterm-rows').innerText()).replace(/\u00a0/g, ' ');

  /** Waits until the terminal shown has `re` on its screen. */
  const onScreen = (re: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> =>
    waitFor(`${re} in the terminal`, async () => re.exec(await screenText()), timeoutMs);

  /** Types a line into the terminal shown, as a person would. */
  const run = async (line: string): Promise<void> => {
    await shown().locator('.terminal-screen').click();
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  };

  const violations = (): Promise<string[]> =>
    page.evaluate(() => (globalThis as unknown as { __violations: string[] }).__violations);

  it('runs what is typed in a shell in the sandbox', async () => {
    await signIn(page, d);
    app = await createApp(page, d, 'term-static', 'static');
    await page.getByTestId('app-tab-terminal').click();
    await page.locator('[data-testid="terminal"][data-state="open"]').waitFor({ timeout: 60_000 });
    assert.match(await shown().getByTestId('terminal-status').innerText(), /Connected/);
    await run('echo $((6*7))');
    await onScreen(/^42\s*$/m);
  });

  it('opens a second terminal that works on its own', async () => {
    await run('tty');
    const first = (await onScreen(/^(\/dev\/pts\/\d+)\s*$/m))[1];
    await page.getByTestId('terminal-new').click();
    await page.locator('[data-testid="terminal"][data-state="open"]').nth(1).waitFor();
    assert.equal(await page.getByTestId('terminal').count(), 2);
    await run('tty; echo second-$((2+3))');
    const second = (await onScreen(/^(\/dev\/pts\/\d+)\s*$/m))[1];
    await onScreen(/^second-5\s*$/m);
    assert.notEqual(first, second, 'each terminal has its own pty');

    // Back to the first: its screen is its own, and it still runs commands.
    await page.getByTestId('terminal-tab').filter({ hasText: 'Terminal 1' }).click();
    assert.doesNotMatch(await screenText(), /second-5/);
    await onScreen(/^42\s*$/m);
    await run('echo first-again');
    await onScreen(/^first-again\s*$/m);

    await assertAccessible(page, 'the terminal section');
    await screenshot(page, 'terminal');
  });

  it('carries UTF-8 both ways', async () => {
    await run('echo héllo ✓');
    await onScreen(/^héllo ✓\s*$/m);
  });

  it('follows the size of the page', async () => {
    // Each asks with its own mark, so an answer is never an older one still on the screen.
    let asked = 0;
    const size = async (): Promise<number> => {
      const mark = `S${++asked}`;
      await run(`echo ${mark}=$(stty size)=`);
      return Number((await onScreen(new RegExp(`${mark}=(\\d+) (\\d+)=`)))[2]);
    };
    const wide = await size();
    assert.ok(wide > 80, `cols at 1280 px: ${wide}`);
    await page.setViewportSize({ width: 800, height: 900 });
    const narrow = await waitFor('fewer columns', async () => {
      const cols = await size();
      return cols < wide ? cols : undefined;
    });
    assert.ok(narrow < wide, `${narrow} < ${wide}`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('interrupts a command with Ctrl+C', async () => {
    await run('sleep 100');
    await new Promise((r) => setTimeout(r, 500));
    await page.keyboard.press('Control+C');
    // Had sleep gone on, this would wait 100 s behind it.
    await run('echo after-$((1+1))');
    await onScreen(/^after-2\s*$/m, 10_000);
  });

  it('shows the shell’s exit and starts a new one', async () => {
    await run('exit 3');
    await page.locator('[data-testid="terminal"][data-state="exited"]').waitFor();
    assert.match(await shown().getByTestId('terminal-status').innerText(), /exited with code 3/);
    await shown().getByTestId('terminal-restart').click();
    await page.locator('[data-testid="terminal"]:not([hidden])[data-state="open"]').waitFor();
    await run('echo back-$((4*4))');
    await onScreen(/^back-16\s*$/m);
  });

  it('says so when the sandbox has as many terminals as it may', async () => {
    const sandboxId = app.sandbox!.id;
    const others: TestTerminal[] = [];
    for (let i = 2; i < PTY_LIMITS.maxPerSandbox; i++) {
      others.push(await TestTerminal.open(d.url, sandboxId, { token: d.token }));
    }
    await page.getByTestId('terminal-new').click();
    const refused = page.locator('[data-testid="terminal"]:not([hidden])[data-state="failed"]');
    await refused.waitFor();
    const notice = await refused.getByTestId('terminal-error').innerText();
    assert.match(notice, /at most 8 terminals/);
    assert.match(notice, /rate_limited/);
    // With a place free again, it connects.
    await others.pop()!.close();
    await refused.getByTestId('terminal-restart').click();
    await page.locator('[data-testid="terminal"]:not([hidden])[data-state="open"]').waitFor();
    await run('echo third');
    await onScreen(/^third\s*$/m);
    await Promise.all(others.map((t) => t.close()));

    // Closing a terminal ends it and shows another.
    await page.getByRole('button', { name: 'Close Terminal 3' }).click();
    assert.equal(await page.getByTestId('terminal').count(), 2);
    await shown().waitFor();
  });

  it('works on a phone, with no CSP violation and no page error', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await run('echo phone-ok');
    await onScreen(/^phone-ok\s*$/m);
    await assertAccessible(page, 'the terminal section on a phone');
    assert.deepEqual(await violations(), []);
    assert.deepEqual(pageErrors, []);
  });

  // Last: it stops the suite's daemon.
  it('says paddockd is stopping when the daemon ends the terminal', async () => {
    const stopped = d.stop();
    const failed = page.locator('[data-testid="terminal"]:not([hidden])[data-state="failed"]');
    await failed.waitFor({ timeout: 30_000 });
    const notice = await failed.getByTestId('terminal-error').innerText();
    assert.match(notice, /paddockd is stopping; reconnect when it is back/);
    assert.match(notice, /daemon_stopping/);
    assert.equal(await stopped, 0);
  });
});
