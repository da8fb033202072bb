/**
 * What the console's browser tests share: Chromium with preview hosts mapped to loopback,
 * signing in, creating an app through the new-app form, and its preview frame.
 */
import assert from 'node:assert/strict';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import type { TestDaemon } from './harness.js';
import { waitFor } from './previewClient.js';

export interface ConsoleApp {
  id: string;
  name: string;
  sandbox: { id: string; preview: { url: string | null; status: string } } | null;
}

export function launchConsoleChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    // Root in a container: Chromium's own sandbox needs user namespaces it may not get.
    // Preview hosts are mapped to loopback only (the daemon listens on 127.0.0.1).
    args: ['--no-sandbox', '--host-resolver-rules=MAP *.preview.localhost 127.0.0.1'],
  });
}

export async function signIn(page: Page, d: TestDaemon): Promise<void> {
  await page.goto(d.url);
  await page.getByTestId('signin-token').fill(d.token);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('app-list').waitFor();
}

/** Creates an app from the new-app form and waits for its page; returns it as the API has it. */
export async function createApp(
  page: Page,
  d: TestDaemon,
  name: string,
  preset: string,
): Promise<ConsoleApp> {
  await page.getByRole('link', { name: 'New app' }).click();
  await page.getByTestId('new-app-name').fill(name);
  await page.getByTestId('new-app-preset').selectOption(preset);
  await page.getByTestId('new-app-submit').click();
  // The app page shows once the app exists (the first use of a preset installs its cache).
  await page.getByTestId('app-status').waitFor({ timeout: 300_000 });
  const apps = await d.api<{ items: ConsoleApp[] }>('GET', '/v1/apps');
  const app = apps.body.items.find((a) => a.name === name);
  assert.ok(app, `${name} exists`);
  return app;
}

export async function previewFrame(page: Page): Promise<Frame> {
  const handle = await page.getByTestId('preview-frame').elementHandle();
  const frame = await handle!.contentFrame();
  assert.ok(frame);
  return frame;
}

/** The preview frame once the preview is ready and its page shows an `h1`. */
export async function previewWithHeading(page: Page, timeoutMs = 120_000): Promise<Frame> {
  await page
    .getByTestId('preview-status')
    .filter({ hasText: 'ready' })
    .waitFor({ timeout: timeoutMs });
  return waitFor(
    'the preview frame',
    async () => {
      const f = await previewFrame(page);
      return (await f.locator('h1').count()) > 0 ? f : undefined;
    },
    timeoutMs,
  );
}
