/**
 * The desktop in the console, in Debian's Chromium against the real daemon: the launcher, install
 * from a file with its consent dialog, a pending update's permission diff, the permissions page,
 * the trash, publishing a build app, and the bridge's guarantees that hold without an app
 * running (a frame that is not a window gets no port; the SDK names its target origin; a window's
 * iframe is sandboxed without allow-same-origin). Apps running in windows are
 * desktopWindows.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App, UserspaceApp, UserspacePermissions } from '@paddock/shared';
import {
  desktopSuite,
  forgedFrameReport,
  installApp,
  launchChromium,
  SDK_BUNDLE,
  signIn,
} from './desktopClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

describe('the desktop in Chromium', () => {
  const suite = desktopSuite();
  let d: TestDaemon;
  let page: Page;
  before(() => ({ d, page } = suite));

  const app = async (id: string) =>
    (await d.api<UserspaceApp>('GET', `/v1/userspace-apps/${id}`)).body;
  const launcherItem = (id: string) =>
    page.locator(`[data-testid=launcher-app][data-app-id="${id}"]`);
  const desktop = async () => {
    await page.getByTestId('nav-desktop').click();
    await page.getByTestId('install-panel').waitFor();
  };

  it('lists installed apps in the launcher, each with its provenance and network state', async () => {
    const quiet = await installApp(d, { name: 'Quiet' });
    const chatty = await installApp(d, {
      name: 'Chatty',
      permissions: ['app.kv', 'network:https://api.example.com'],
    });
    await desktop();
    await launcherItem(quiet.id).waitFor();
    assert.equal(
      await launcherItem(quiet.id).getByTestId('provenance-badge').innerText(),
      'User-uploaded · Network: none',
    );
    assert.equal(
      await launcherItem(chatty.id).getByTestId('provenance-badge').innerText(),
      'User-uploaded · Network: https://api.example.com',
    );
  });

  it('installs from a file: the dialog asks for what is beyond the ceiling, then it runs', async () => {
    const { file } = await makePackage({
      key: generateAppKey(),
      version: 1,
      name: 'Reminders',
      permissions: ['app.kv', 'app.notify'],
    });
    await desktop();
    await page.getByTestId('install-file').setInputFiles(file);
    await page.getByTestId('install-file-submit').click();
    const dialog = page.getByTestId('consent-dialog');
    await dialog.waitFor();
    assert.equal(await dialog.getByTestId('consent-app-name').innerText(), 'Reminders');
    assert.deepEqual(
      await dialog
        .getByTestId('consent-capability')
        .evaluateAll((els) =>
          els.map((e) => (e as unknown as { dataset: { capability: string } }).dataset.capability),
        ),
      ['app.notify'],
    );
    await page.getByTestId('consent-accept').click();
    await page.locator('[data-testid=install-result][data-outcome=installed]').waitFor();
    const apps = await d.api<{ items: UserspaceApp[] }>('GET', '/v1/userspace-apps');
    const installed = apps.body.items.find((a) => a.name === 'Reminders');
    assert.equal(installed?.status, 'active');
    assert.ok(installed.granted.includes('app.notify'));
  });

  it('declining at install leaves the app waiting, without the permission', async () => {
    const { file } = await makePackage({
      key: generateAppKey(),
      version: 1,
      name: 'Nagger',
      permissions: ['app.kv', 'app.notify'],
    });
    await desktop();
    await page.getByTestId('install-file').setInputFiles(file);
    await page.getByTestId('install-file-submit').click();
    await page.getByTestId('consent-decline').click();
    await page.locator('[data-testid=install-result][data-outcome=pending_consent]').waitFor();
    const apps = await d.api<{ items: UserspaceApp[] }>('GET', '/v1/userspace-apps');
    const waiting = apps.body.items.find((a) => a.name === 'Nagger')!;
    assert.equal(waiting.status, 'pending_consent');
    assert.ok(!waiting.granted.includes('app.notify'));
    await launcherItem(waiting.id).getByTestId('launcher-review').waitFor();
    assert.equal(await launcherItem(waiting.id).getByTestId('launcher-open').isDisabled(), true);
  });

  it('shows a pending update’s permission diff and moves to it on consent', async () => {
    const key = generateAppKey();
    const v1 = await makePackage({ key, version: 1, name: 'Diary', permissions: ['app.kv'] });
    const first = await upload(d.url, d.token, v1.bytes);
    assert.equal(first.status, 201);
    const v2 = await makePackage({
      key,
      version: 2,
      name: 'Diary',
      permissions: ['app.table', 'app.notify'],
    });
    const second = await upload(d.url, d.token, v2.bytes);
    assert.equal(second.body.outcome, 'pending_consent');
    await desktop();
    await launcherItem(key.appId).getByTestId('launcher-review').click();
    const dialog = page.getByTestId('consent-dialog');
    assert.deepEqual(
      await dialog
        .getByTestId('consent-capability')
        .evaluateAll((els) =>
          els.map((e) => (e as unknown as { dataset: { capability: string } }).dataset.capability),
        ),
      ['app.notify'],
    );
    await page.getByTestId('consent-accept').click();
    await dialog.waitFor({ state: 'detached' });
    const updated = await app(key.appId);
    assert.equal(updated.version, 2);
    assert.equal(updated.pending, null);
    assert.ok(updated.granted.includes('app.notify'));
  });

  it('lists ceiling, granted and declined on the permissions page, and revokes', async () => {
    const notes = await installApp(d, {
      name: 'Notes',
      optional_permissions: ['app.notify', 'network:https://api.example.com'],
    });
    const answered = await d.api<UserspacePermissions>(
      'POST',
      `/v1/userspace-apps/${notes.id}/permissions`,
      { grant: ['app.notify'], decline: ['network:https://api.example.com'] },
    );
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    await desktop();
    await launcherItem(notes.id).getByTestId('launcher-settings').click();
    await page.getByTestId('userspace-app-page').waitFor();
    const granted = page.locator('[data-testid=granted-capability][data-capability="app.notify"]');
    await granted.waitFor();
    await page
      .locator(
        '[data-testid=declined-capability][data-capability="network:https://api.example.com"]',
      )
      .waitFor();
    await page.locator('[data-testid=ceiling-capability][data-capability="app.kv"]').waitFor();
    await granted.getByTestId('revoke').click();
    await granted.waitFor({ state: 'detached' });
    const perms = await d.api<UserspacePermissions>(
      'GET',
      `/v1/userspace-apps/${notes.id}/permissions`,
    );
    assert.deepEqual(perms.body.granted, []);
    assert.deepEqual(perms.body.declined, ['network:https://api.example.com']);
  });

  it('disables, enables and rolls back from the app’s page', async () => {
    const key = generateAppKey();
    for (const version of [1, 2]) {
      const pkg = await makePackage({ key, version, name: 'Ledger' });
      assert.ok([200, 201].includes((await upload(d.url, d.token, pkg.bytes)).status));
    }
    await page.goto(`${d.url}/desktop/apps/${key.appId}`);
    await page.getByTestId('app-disable').click();
    await page.getByTestId('userspace-app-status').filter({ hasText: 'disabled' }).waitFor();
    assert.equal((await app(key.appId)).status, 'disabled');
    await page.getByTestId('app-enable').click();
    await page.getByTestId('userspace-app-status').filter({ hasText: 'active' }).waitFor();
    await page.getByTestId('app-rollback').click();
    await page.getByTestId('app-rollback').waitFor({ state: 'detached' });
    assert.equal((await app(key.appId)).version, 1);
  });

  it('uninstalls to the trash and restores from it', async () => {
    const scratch = await installApp(d, { name: 'Scratchpad' });
    await page.goto(`${d.url}/desktop/apps/${scratch.id}`);
    await page.getByTestId('app-uninstall').click();
    const trashed = page.locator(`[data-testid=trash-app][data-app-id="${scratch.id}"]`);
    await trashed.waitFor();
    assert.equal((await app(scratch.id)).status, 'trashed');
    await trashed.getByTestId('trash-restore').click();
    await launcherItem(scratch.id).waitFor();
    assert.equal((await app(scratch.id)).status, 'active');
  });

  it('purges a trashed app only after showing what goes', async () => {
    const doomed = await installApp(d, { name: 'Doomed' });
    assert.equal((await d.api('DELETE', `/v1/userspace-apps/${doomed.id}`)).status, 204);
    await page.goto(`${d.url}/desktop/apps/${doomed.id}`);
    await page.getByTestId('app-purge').click();
    await page.getByTestId('purge-confirmation').waitFor();
    assert.equal((await app(doomed.id)).status, 'trashed', 'nothing is purged before confirming');
    await page.getByTestId('app-purge-confirm').click();
    await page.getByTestId('install-panel').waitFor();
    assert.equal((await d.api('GET', `/v1/userspace-apps/${doomed.id}`)).status, 404);
  });

  it('publishes a build app to the desktop from its page', async () => {
    const created = await d.api<App>('POST', '/v1/apps', { name: 'site', preset: 'static' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // An agent's change makes it ai-generated (the record, not the publisher, says so).
    const agent = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'an agent',
      role: 'agent',
    });
    const wrote = await fetch(
      `${d.url}/v1/sandboxes/${created.body.sandbox!.id}/files?path=public/index.html`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${agent.body.token}`,
          'content-type': 'application/octet-stream',
        },
        body: '<h1>by an agent</h1>',
      },
    );
    assert.equal(wrote.status, 200);
    await page.goto(`${d.url}/apps/${created.body.id}/settings`);
    await page.getByTestId('publish-app').click();
    const result = page.getByTestId('publish-result');
    await result.waitFor({ timeout: 300_000 });
    assert.equal(await result.getAttribute('data-outcome'), 'installed');
    const apps = await d.api<{ items: UserspaceApp[] }>('GET', '/v1/userspace-apps');
    const published = apps.body.items.find((a) => a.source.build_app_id === created.body.id);
    assert.ok(published);
    await desktop();
    assert.equal(
      await launcherItem(published.id).getByTestId('provenance-badge').innerText(),
      'AI-generated · Network: none',
    );
  });

  it('seed 000 gap: the window iframe never has allow-same-origin', async () => {
    const boxed = await installApp(d, { name: 'Boxed' });
    await desktop();
    await launcherItem(boxed.id).getByTestId('launcher-open').click();
    const frame = page.locator(
      `[data-testid=app-window][data-app-id="${boxed.id}"] >> [data-testid=app-window-frame]`,
    );
    await frame.waitFor();
    assert.equal(await frame.getAttribute('sandbox'), 'allow-scripts');
    assert.equal(await frame.getAttribute('referrerpolicy'), 'no-referrer');
    const everyFrame = await page
      .locator('iframe[data-testid=app-window-frame]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('sandbox')));
    assert.ok(everyFrame.every((s) => s !== null && !s.includes('allow-same-origin')));
  });

  it('hands no port to a frame that is not an app window', async () => {
    // With a window open (its bridge entry exists before its app loads), a hello from another
    // frame, even an opaque one as an app's is, gets no port: the source decides, not the shape.
    await page.getByTestId('app-window').first().waitFor();
    const report = await forgedFrameReport(
      page,
      "parent.postMessage({ type: 'paddock:hello' }, '*');",
    );
    assert.deepEqual(report, { ports: 0 });
  });
});

/**
 * The SDK in a real page, served by a loopback server of the test's own: its hello goes to the
 * origin named in the fragment and nowhere else, so a page that is not the console never gets
 * it, even as the SDK's parent.
 */
describe('seed 000 gap: the SDK never posts to "*"', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let browser: Browser;
  let server: http.Server;
  let sdkOrigin: string;

  before(async () => {
    const files: Record<string, string> = {
      '/sdk.html': '<!doctype html><script type="module" src="/probe.js"></script>',
      '/probe.js': [
        "import { connect } from '/paddock-app-sdk.js';",
        'connect({ connectTimeoutMs: 600000 }).catch(() => {});',
        // The probe's own marker (not the SDK): sent after whatever connect() posted.
        "parent.postMessage('marker', '*');",
      ].join('\n'),
      '/paddock-app-sdk.js': SDK_BUNDLE,
    };
    server = http.createServer((req, res) => {
      const body = files[new URL(req.url ?? '/', 'http://x').pathname];
      res
        .writeHead(body === undefined ? 404 : 200, {
          'content-type': req.url?.endsWith('.html') ? 'text/html' : 'text/javascript',
          // The frame is sandboxed (an opaque origin): its module scripts are CORS requests.
          'access-control-allow-origin': '*',
        })
        .end(body ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sdkOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    d = await startDaemon({ dataDir });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await d?.stop();
    await destroyEverything(dataDir);
  });

  /** What the console page received from a framed SDK page told its parent is `parentOrigin`. */
  const received = async (page: Page, parentOrigin: string): Promise<unknown[]> =>
    page.evaluate(
      async (src) => {
        interface Message {
          source: unknown;
          data: unknown;
        }
        const g = globalThis as unknown as {
          document: {
            createElement(tag: string): {
              setAttribute(n: string, v: string): void;
              src: string;
              contentWindow: unknown;
            };
            body: { appendChild(e: unknown): void };
          };
          addEventListener(type: string, listener: (e: Message) => void): void;
        };
        const frame = g.document.createElement('iframe');
        frame.setAttribute('sandbox', 'allow-scripts');
        frame.src = src;
        const seen: unknown[] = [];
        return new Promise<unknown[]>((resolve) => {
          g.addEventListener('message', (event) => {
            if (event.source !== frame.contentWindow) return;
            seen.push(event.data);
            if (event.data === 'marker') resolve(seen);
          });
          g.document.body.appendChild(frame);
        });
      },
      `${sdkOrigin}/sdk.html#paddock-parent=${encodeURIComponent(parentOrigin)}`,
    );

  it('says hello to the console origin it was given, and to no other page', async () => {
    // The console's CSP frames only the apps and preview origins: this test's own loopback
    // server is neither, so the page's CSP is set aside (what is tested is the SDK's target).
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signIn(page, d);
    await page.getByTestId('nav-desktop').click();
    assert.deepEqual(await received(page, d.url), [{ type: 'paddock:hello' }, 'marker']);
    // Told its parent is another origin, the same SDK's hello never reaches this page.
    assert.deepEqual(await received(page, 'http://127.0.0.1:1'), ['marker']);
    await context.close();
  });
});

// The packages made for this file go with it.
after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));
