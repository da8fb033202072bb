/**
 * What the console's browser tests share: Chromium with preview hosts mapped to loopback,
 * signing in, creating an app through the new-app form, its preview frame, the accessibility
 * check (axe-core) and the screenshots in docs/console/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
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

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/**
 * Runs axe-core on the page as it stands and fails on any serious or critical violation
 * (WCAG 2 A/AA rules). Evaluated through the devtools protocol, so the console's CSP, which
 * allows no inline script, stays on. Preview and app frames are other origins: not checked.
 */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as { axe: AxeLike; document: object };
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      iframes: false,
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(', ')}`,
      );
  });
  assert.deepEqual(found, [], `accessibility of ${what}`);
}

interface AxeLike {
  run(
    context: object,
    options: object,
  ): Promise<{
    violations: {
      id: string;
      impact: string | null;
      nodes: { target: string[]; failureSummary?: string }[];
    }[];
  }>;
}

/** Where the tests keep the console's screenshots, so the docs show the console as it is. */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '..', 'docs', 'console');

/** Saves the page as docs/console/{name}.png (what the README and the docs show). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}
