import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ConfigEntry, EgressPolicy } from '@paddock/shared';
import {
  assertAccessible,
  createApp,
  launchConsoleChromium,
  screenshot,
  signIn,
  type ConsoleApp,
} from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

const SECRET = `sk-test-${'s'.repeat(20)}-first`;
const REPLACED = `sk-test-${'r'.repeat(20)}-second`;

/**
 * An app's config & secrets and its egress from the console, in Chromium: values and a secret
 * that never reaches the page, an egress list saved and read back, and a refusal that shows in
 * the live feed and is allowed from there. Nothing leaves the machine: the refused request is
 * refused by name at the sandbox's egress proxy.
 */
describe("the console edits an app's config and egress", () => {
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

  const row = (key: string) => page.locator(`[data-testid="config-row"][data-key="${key}"]`);
  const config = async () =>
    (await d.api<{ items: ConfigEntry[] }>('GET', `/v1/apps/${app.id}/config`)).body.items;
  const egress = async () => (await d.api<EgressPolicy>('GET', `/v1/apps/${app.id}/egress`)).body;
  const allowHosts = () =>
    page
      .getByTestId('egress-allow-host')
      .evaluateAll((els) => els.map((el) => (el as unknown as { value: string }).value));

  it('adds a plain value and a secret; the secret never reaches the page', async () => {
    await signIn(page, d);
    app = await createApp(page, d, 'config-app', 'static');
    await page.getByTestId('app-tab-config').click();
    await page.getByTestId('config-empty').waitFor();

    // A reserved key: the daemon's code shows next to the form.
    await page.getByLabel('Key').fill('PATH');
    await page.getByTestId('config-add-value').fill('/nope');
    await page.getByTestId('config-add-submit').click();
    const refused = page.getByTestId('config-add-error');
    await refused.waitFor();
    assert.match(await refused.innerText(), /reserved_config_key/);

    await page.getByLabel('Key').fill('GREETING');
    await page.getByTestId('config-add-value').fill('hello-plain');
    await page.getByTestId('config-add-submit').click();
    await row('GREETING').waitFor();
    assert.match(await row('GREETING').innerText(), /hello-plain/);
    assert.equal(await refused.count(), 0);

    await page.getByLabel('Key').fill('API_TOKEN');
    await page.getByTestId('config-add-secret').check();
    await page.getByTestId('config-add-value').fill(SECRET);
    await page.getByTestId('config-add-policy').selectOption('runtime_access');
    await page.getByTestId('config-inject-enabled').check();
    await page.getByTestId('config-inject-hosts').fill('api.example.test');
    await page.getByTestId('config-add-submit').click();
    const secret = row('API_TOKEN');
    await secret.waitFor();
    assert.equal(await secret.getAttribute('data-sensitive'), 'true');
    assert.match(await secret.getByTestId('config-value').innerText(), /set · updated/);
    assert.match(await secret.getByTestId('config-inject').innerText(), /api\.example\.test/);
    // The form is empty again and the value is nowhere in the document.
    assert.equal(await page.getByTestId('config-add-value').inputValue(), '');
    assert.ok(!(await page.content()).includes(SECRET), 'the secret is not in the page');

    const listed = await config();
    const token = listed.find((e) => e.key === 'API_TOKEN');
    assert.ok(token);
    assert.equal(token.value, undefined);
    assert.equal(token.value_set, true);
    assert.equal(token.access_policy, 'runtime_access');
    assert.deepEqual(token.inject, {
      hosts: ['api.example.test'],
      header: 'Authorization',
      format: 'Bearer {value}',
    });
  });

  it('replaces a secret, edits a value and deletes one', async () => {
    const before = (await config()).find((e) => e.key === 'API_TOKEN')!;
    await row('API_TOKEN').getByTestId('config-edit-open').click();
    const form = page.getByTestId('config-edit');
    await form.getByTestId('config-edit-value').fill(REPLACED);
    await form.getByTestId('config-edit-save').click();
    await form.waitFor({ state: 'detached' });
    const after = (await config()).find((e) => e.key === 'API_TOKEN')!;
    assert.notEqual(after.updated_at, before.updated_at);
    assert.deepEqual(after.inject, before.inject);
    const html = await page.content();
    assert.ok(!html.includes(SECRET) && !html.includes(REPLACED), 'no secret in the page');

    await row('GREETING').getByTestId('config-edit-open').click();
    await page.getByTestId('config-edit').getByTestId('config-edit-value').fill('hello-again');
    await page.getByTestId('config-edit-save').click();
    await row('GREETING').filter({ hasText: 'hello-again' }).waitFor();

    await row('GREETING').getByTestId('config-delete').click();
    const dialog = page.getByTestId('config-delete-dialog').filter({ hasText: 'GREETING' });
    await dialog.getByTestId('config-delete-confirm').click();
    await row('GREETING').waitFor({ state: 'detached' });
    assert.deepEqual(
      (await config()).map((e) => e.key),
      ['API_TOKEN'],
    );

    await assertAccessible(page, 'the config section');
    await screenshot(page, 'config');
  });

  it('saves an allow list, refuses a bad host, and keeps it across a reload', async () => {
    await page.getByTestId('app-tab-egress').click();
    await page.getByTestId('egress-section').waitFor();
    await page.locator('[data-testid="denial-feed-state"][data-state="live"]').waitFor();

    await page.getByTestId('egress-allow-add').click();
    await page.getByTestId('egress-allow-host').last().fill('not a host!');
    await page.getByTestId('egress-save').click();
    const refused = page.getByTestId('egress-save-error');
    await refused.waitFor();
    assert.match(await refused.innerText(), /bad_request/);
    assert.equal(
      await page.getByTestId('egress-allow-host').last().getAttribute('aria-invalid'),
      'true',
    );
    assert.deepEqual((await egress()).allow, []);

    await page.getByTestId('egress-allow-host').last().fill('api.example.test');
    await page.getByTestId('egress-save').click();
    await page
      .getByTestId('egress-saved')
      .filter({ hasText: /^Saved/ })
      .waitFor();
    assert.deepEqual((await egress()).allow, ['api.example.test']);

    await page.reload();
    await page.getByTestId('egress-allow-host').first().waitFor();
    assert.deepEqual(await allowHosts(), ['api.example.test']);
  });

  it('shows a refused request live and allows its host from the feed', async () => {
    await page.locator('[data-testid="denial-feed-state"][data-state="live"]').waitFor();
    const detail = await d.api<ConsoleApp>('GET', `/v1/apps/${app.id}`);
    const sandboxId = detail.body.sandbox?.id;
    assert.ok(sandboxId, 'the app has a sandbox');
    // Refused by name at the sandbox's egress proxy: no traffic leaves the machine.
    const ran = await d.api<{ stdout: string }>('POST', `/v1/sandboxes/${sandboxId}/exec`, {
      command: "curl -s -o /dev/null -w '%{http_code}' http://blocked.example.test/; true",
      timeout_ms: 30_000,
    });
    assert.equal(ran.status, 200, JSON.stringify(ran.body));

    const denial = page.locator('[data-testid="denial"][data-host="blocked.example.test"]');
    await denial.first().waitFor({ timeout: 30_000 });
    assert.match(await denial.first().innerText(), /80/);
    assert.match(await denial.first().innerText(), new RegExp(sandboxId));

    // An unsaved edit in the lists survives allowing a host from the feed.
    await page.getByTestId('egress-deny-add').click();
    await page.getByTestId('egress-deny-host').last().fill('ads.example.test');
    await denial.first().getByTestId('denial-allow').click();
    await page.getByTestId('egress-allow-host').nth(1).waitFor({ timeout: 30_000 });
    assert.deepEqual(await allowHosts(), ['api.example.test', 'blocked.example.test']);
    assert.deepEqual((await egress()).allow, ['api.example.test', 'blocked.example.test']);
    assert.equal(await page.getByTestId('egress-deny-host').inputValue(), 'ads.example.test');
    await denial.first().filter({ hasText: 'Allowed now' }).waitFor();
    await page.getByTestId('egress-save').click();
    await page
      .getByTestId('egress-saved')
      .filter({ hasText: /^Saved/ })
      .waitFor();
    assert.deepEqual((await egress()).deny, ['ads.example.test']);
    assert.deepEqual((await egress()).allow, ['api.example.test', 'blocked.example.test']);

    await assertAccessible(page, 'the egress section');
    await screenshot(page, 'egress');
  });

  it('reads in the dark theme: both sections with their content', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const tab of ['config', 'egress'] as const) {
      await page.getByTestId(`app-tab-${tab}`).click();
      await page.getByTestId(`${tab}-section`).waitFor();
      await (
        tab === 'config'
          ? page.getByTestId('config-row').first()
          : page.getByTestId('denial').first()
      ).waitFor();
      await assertAccessible(page, `the ${tab} section (dark)`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('fits a phone: both sections without sideways scrolling of the page', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const tab of ['config', 'egress'] as const) {
      await page.getByTestId(`app-tab-${tab}`).click();
      await page.getByTestId(`${tab}-section`).waitFor();
      const wide = await page.evaluate(() => {
        const root = (
          globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }
        ).document.documentElement;
        return root.scrollWidth;
      });
      assert.ok(wide <= 390, `the ${tab} page is ${wide}px wide on a 390px phone`);
      await assertAccessible(page, `the ${tab} section on a phone`);
    }
  });
});
