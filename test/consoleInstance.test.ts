import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, launchConsoleChromium, screenshot, signIn } from './consoleClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

interface SettingsView {
  idle_stop_seconds: number;
  sources: Record<string, 'default' | 'stored'>;
}

/**
 * The instance pages as an admin uses them in Chromium: settings saved and refused, an API key
 * created (its token once), used and revoked, the audit log filtered and exported, the system
 * page and a secrets key rotation; and what a non-admin sees instead.
 */
describe('the console instance pages', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;

  before(async () => {
    d = await startDaemon({ dataDir });
    browser = await launchConsoleChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await signIn(page, d);
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('changes a lifecycle setting, keeps it across a reload, and shows the API refusing a bad one', async () => {
    await page.getByTestId('nav-instance').click();
    await page.getByTestId('settings-form').waitFor();
    const idle = page.getByTestId('setting-idle_stop_seconds');
    assert.equal(await idle.inputValue(), '900');
    const row = page.locator('[data-setting="idle_stop_seconds"]');
    assert.equal(await row.locator('[data-source]').getAttribute('data-source'), 'default');
    await assertAccessible(page, 'instance settings');
    await screenshot(page, 'instance-settings');

    await idle.fill('1200');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-status').getByText(/Saved/).waitFor();
    await page.reload();
    await page.getByTestId('settings-form').waitFor();
    assert.equal(await page.getByTestId('setting-idle_stop_seconds').inputValue(), '1200');
    await row.locator('[data-source="stored"]').waitFor();
    const api = await d.api<SettingsView>('GET', '/v1/settings');
    assert.equal(api.body.idle_stop_seconds, 1200);
    assert.equal(api.body.sources.idle_stop_seconds, 'stored');

    // Out of bounds: the API's own message, under the field it is about; nothing changes.
    await page.getByTestId('setting-keepalive_max_seconds').fill('10');
    await page.getByTestId('settings-save').click();
    const fieldError = page
      .locator('[data-setting="keepalive_max_seconds"]')
      .getByTestId('setting-error');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /keepalive_max_seconds/);
    assert.equal(
      await page.getByTestId('setting-keepalive_max_seconds').getAttribute('aria-invalid'),
      'true',
    );
    const unchanged = await d.api<{ keepalive_max_seconds: number }>('GET', '/v1/settings');
    assert.equal(unchanged.body.keepalive_max_seconds, 3600);
    await assertAccessible(page, 'instance settings with an error');
  });

  let token = '';

  it('creates an API key with a role, shows its token once, and revokes it', async () => {
    await page.getByTestId('instance-nav-api-keys').click();
    await page.getByTestId('create-key-form').waitFor();
    await page.getByTestId('key-name').fill('ci runner');
    await page.getByTestId('key-role').selectOption('agent');
    await page.getByTestId('key-create').click();
    const box = page.getByTestId('new-key-token');
    await box.waitFor();
    token = await box.inputValue();
    assert.ok(token.length > 20, 'a token is shown');
    assert.match(await page.getByTestId('new-key').innerText(), /you will not see it again/);
    const row = page.locator('[data-testid="api-key-row"]', { hasText: 'ci runner' });
    await row.waitFor();
    assert.match(await row.innerText(), /agent/);
    await assertAccessible(page, 'API keys with a new token');
    await screenshot(page, 'api-keys');

    const works = await fetch(`${d.url}/v1/session`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(works.status, 200);

    // Dismissed, the token is gone from the page for good.
    await page.getByTestId('new-key-dismiss').click();
    await page.getByTestId('create-key-form').waitFor();
    assert.equal(await page.getByTestId('new-key-token').count(), 0);
    assert.ok(!(await page.content()).includes(token), 'the token is not in the page');

    await row.getByTestId('api-key-revoke').click();
    const dialog = page.getByTestId('revoke-dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /ci runner/);
    await assertAccessible(page, 'revoke dialog');
    await page.getByTestId('revoke-dialog-confirm').click();
    await page.getByTestId('api-key-revoked').waitFor();
    await row.waitFor({ state: 'detached' });
    const refused = await fetch(`${d.url}/v1/session`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(refused.status, 401);
  });

  it('filters the audit log by action and outcome, pages it, and exports what it shows', async () => {
    await page.getByTestId('instance-nav-audit').click();
    await page.getByTestId('audit-table').waitFor();
    await assertAccessible(page, 'audit log');

    await page.getByTestId('audit-action').fill('api_key.*');
    await page.getByTestId('audit-apply').click();
    await page.locator('[data-testid="audit-row"][data-action="api_key.revoked"]').waitFor();
    const actions = await page
      .getByTestId('audit-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    assert.deepEqual(new Set(actions), new Set(['api_key.created', 'api_key.revoked']));

    await page.getByTestId('audit-action').fill('settings.changed');
    await page.getByTestId('audit-apply').click();
    await page.locator('[data-testid="audit-row"][data-action="settings.changed"]').waitFor();
    assert.equal(await page.locator('[data-action="api_key.created"]').count(), 0);

    // The refused key's 401 was recorded as a denial.
    await page.getByTestId('audit-action').fill('');
    await page.getByTestId('audit-outcome').selectOption('denied');
    await page.getByTestId('audit-apply').click();
    await page.locator('[data-testid="audit-row"][data-outcome="denied"]').first().waitFor();
    const outcomes = await page
      .getByTestId('audit-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')));
    assert.ok(
      outcomes.every((o) => o === 'denied'),
      outcomes.join(),
    );

    const href = await page.getByTestId('audit-export').getAttribute('href');
    assert.equal(href, '/v1/audit/export?outcome=denied');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('audit-export').click(),
    ]);
    const file = await download.path();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    assert.ok(lines.length > 0 && lines[0] !== '');
    for (const line of lines) {
      assert.equal((JSON.parse(line) as { outcome: string }).outcome, 'denied');
    }

    // Load more: a page holds 50 entries; 56 settings changes take two.
    for (let i = 0; i < 55; i++) {
      await d.api('PATCH', '/v1/settings', { audit_retention_days: 30 + i });
    }
    await page.getByTestId('audit-outcome').selectOption('');
    await page.getByTestId('audit-action').fill('settings.changed');
    await page.getByTestId('audit-apply').click();
    await page.getByTestId('audit-count').getByText('50 entries shown; there are more').waitFor();
    await page.getByTestId('audit-more').click();
    await page.getByTestId('audit-count').getByText('56 entries', { exact: true }).waitFor();
    assert.equal(await page.getByTestId('audit-more').count(), 0);
    assert.equal(await page.getByTestId('audit-row').count(), 56);
  });

  it('shows the version and driver, and rotates the secrets key through a confirm', async () => {
    await page.getByTestId('instance-nav-system').click();
    await page.getByTestId('system-facts').waitFor();
    const info = await d.api<{ version: string; driver: { driver: string } }>('GET', '/v1/system');
    assert.equal(await page.getByTestId('system-version').innerText(), info.body.version);
    assert.equal(await page.getByTestId('system-driver').innerText(), info.body.driver.driver);
    // Each preset's cache state, as the API has it.
    const presets = await d.api<{ items: { name: string; dependencies: string }[] }>(
      'GET',
      '/v1/presets',
    );
    for (const p of presets.body.items) {
      const row = page.getByTestId('preset-cache-table').locator(`tr[data-preset="${p.name}"]`);
      assert.equal(await row.getAttribute('data-state'), p.dependencies, p.name);
    }
    const before = await page.getByTestId('secrets-key-id').innerText();
    await assertAccessible(page, 'system');

    await page.getByTestId('secrets-rotate').click();
    await page.getByTestId('rotate-dialog').waitFor();
    await assertAccessible(page, 'rotate dialog');
    await page.getByTestId('rotate-dialog-confirm').click();
    const done = page.getByTestId('secrets-rotated');
    await done.waitFor();
    const status = await d.api<{ key_id: string }>('GET', '/v1/system/secrets');
    assert.notEqual(status.body.key_id, before);
    assert.match(await done.innerText(), new RegExp(status.body.key_id));
    await page
      .getByTestId('secrets-key-id')
      .getByText(status.body.key_id, { exact: true })
      .waitFor();
  });

  it('fits a phone and reads in the dark theme, each section loaded', async () => {
    await d.api('POST', '/v1/api-keys', { name: 'a key with a rather long name', role: 'user' });
    const loaded: [string, string][] = [
      ['settings', 'settings-form'],
      ['api-keys', 'api-key-table'],
      ['audit', 'audit-table'],
      ['system', 'secrets-status'],
    ];
    for (const scheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [section, testId] of loaded) {
        await page.goto(`${d.url}/instance/${section}`);
        await page.getByTestId(testId).waitFor();
        await assertAccessible(page, `${section} on a phone (${scheme})`);
        // Wide tables scroll inside their box; the page itself does not scroll sideways.
        const overflow = await page.evaluate(() => {
          const { document, innerWidth } = globalThis as unknown as {
            document: { documentElement: { scrollWidth: number } };
            innerWidth: number;
          };
          return document.documentElement.scrollWidth - innerWidth;
        });
        assert.ok(overflow <= 0, `${section} is ${overflow}px wider than a phone (${scheme})`);
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('tells a non-admin the pages are for admins and offers no Instance link', async () => {
    const created = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'alice laptop',
      owner: 'alice',
      role: 'user',
    });
    assert.equal(created.status, 201);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const alice = await context.newPage();
      await alice.goto(d.url);
      await alice.getByTestId('signin-token').fill(created.body.token);
      await alice.getByTestId('signin-submit').click();
      await alice.getByTestId('app-list').waitFor();
      assert.equal(await alice.getByTestId('nav-instance').count(), 0);
      await alice.goto(`${d.url}/instance/api-keys`);
      const notice = alice.getByTestId('instance-not-admin');
      await notice.waitFor();
      assert.match(await notice.innerText(), /for admins/);
      assert.equal(await alice.getByTestId('api-key-table').count(), 0);
      await assertAccessible(alice, 'instance pages for a non-admin');
    } finally {
      await context.close();
    }
  });
});
