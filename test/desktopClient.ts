/**
 * What the desktop's browser tests share: Chromium with app origins mapped to loopback, signing
 * in, test apps that use the real SDK bundle, and the frame probes that show what an app window
 * receives without timing (ordered messages: whatever a listener answered to A arrives before
 * the answer to a later B).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import type { UserspaceApp } from '@paddock/shared';
import { after, before } from 'node:test';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { generateAppKey, makePackage, upload, type PackageSpec } from './userspacePackages.js';

const ROOT = path.resolve(import.meta.dirname, '..');
/** The SDK as one module (built by `npm run build`), copied into each test app's package. */
export const SDK_BUNDLE = fs.readFileSync(
  path.join(ROOT, 'packages/app-sdk/dist/paddock-app-sdk.js'),
  'utf8',
);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    // Root in a container: no Chromium sandbox. App origins ({id}.apps.localhost) → loopback.
    args: ['--no-sandbox', '--host-resolver-rules=MAP *.apps.localhost 127.0.0.1'],
  });
}

/**
 * A daemon and a signed-in Chromium page for one describe block: its own before and after
 * hooks start and stop them (read the fields in a test or a later hook).
 */
export function desktopSuite(): { d: TestDaemon; browser: Browser; page: Page } {
  const dataDir = tempDataDir();
  const suite = {} as { d: TestDaemon; browser: Browser; page: Page };
  before(async () => {
    suite.d = await startDaemon({ dataDir });
    suite.browser = await launchChromium();
    suite.page = await suite.browser.newPage();
    await signIn(suite.page, suite.d);
  });
  after(async () => {
    await suite.browser?.close();
    await suite.d?.stop();
    await destroyEverything(dataDir);
  });
  return suite;
}

export async function signIn(page: Page, d: TestDaemon): Promise<void> {
  await page.goto(d.url);
  await page.getByTestId('signin-token').fill(d.token);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('app-list').waitFor();
}

/**
 * A web app whose page connects with the SDK and leaves the client on `globalThis.paddock`
 * (the tests drive it with frame.evaluate); `#state` says `connected` or the error's code.
 */
export const SDK_APP_FILES: Record<string, string> = {
  'index.html':
    '<!doctype html><meta charset="utf-8"><title>sdk app</title>' +
    '<p id="state">loading</p><script type="module" src="app.js"></script>',
  'app.js': [
    "import { connect } from './paddock-app-sdk.js';",
    "const state = document.getElementById('state');",
    'try {',
    '  globalThis.paddock = await connect();',
    "  state.textContent = 'connected';",
    '} catch (e) {',
    "  state.textContent = 'error ' + e.code;",
    '}',
  ].join('\n'),
  'paddock-app-sdk.js': SDK_BUNDLE,
};

/**
 * A web app that speaks the bridge's protocol itself (no SDK): it says hello to the console
 * named in its fragment and keeps the port it is handed on `globalThis.port`.
 */
export const RAW_APP_FILES: Record<string, string> = {
  'index.html':
    '<!doctype html><meta charset="utf-8"><title>raw app</title>' +
    '<p id="state">loading</p><script type="module" src="app.js"></script>',
  'app.js': [
    "const parentOrigin = decodeURIComponent(location.hash.split('paddock-parent=')[1] ?? '');",
    "addEventListener('message', (event) => {",
    "  if (event.source !== parent || event.data?.type !== 'paddock:port') return;",
    '  globalThis.port = event.ports[0];',
    "  document.getElementById('state').textContent = 'connected';",
    '});',
    "parent.postMessage({ type: 'paddock:hello' }, parentOrigin);",
  ].join('\n'),
};

/** Installs a package through the API (consent to what it requires) and returns the app. */
export async function installApp(
  d: TestDaemon,
  spec: Partial<PackageSpec> & { name: string },
): Promise<UserspaceApp> {
  const { bytes } = await makePackage({ key: generateAppKey(), version: 1, ...spec });
  const res = await upload(d.url, d.token, bytes, '?consent=true');
  if (res.status !== 201)
    throw new Error(`install answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.app;
}

/** Opens the desktop and the app's window; the window's frame once the SDK has connected. */
export async function openWindow(page: Page, appId: string): Promise<Frame> {
  await page.getByTestId('nav-desktop').click();
  await page.locator(`[data-testid=launcher-app][data-app-id="${appId}"]`).waitFor();
  await page
    .locator(`[data-testid=launcher-app][data-app-id="${appId}"] >> [data-testid=launcher-open]`)
    .click();
  const handle = await page
    .locator(`[data-testid=app-window][data-app-id="${appId}"] >> [data-testid=app-window-frame]`)
    .elementHandle();
  const frame = await handle!.contentFrame();
  if (!frame) throw new Error('the window has no frame');
  await frame.locator('#state', { hasText: /connected|error/ }).waitFor({ timeout: 30_000 });
  return frame;
}

/** Runs `method(...args)` of the SDK client in the frame; resolves to {ok, value} or {ok, code}. */
export function sdkCall(
  frame: Frame,
  path: string,
  ...args: unknown[]
): Promise<{ ok: true; value: unknown } | { ok: false; code: string; details?: unknown }> {
  return frame.evaluate(
    async ([p, a]) => {
      const g = globalThis as unknown as { paddock: Record<string, unknown> };
      let target: unknown = g.paddock;
      let self: unknown = g.paddock;
      for (const part of (p as string).split('.')) {
        self = target;
        target = (target as Record<string, unknown>)[part];
      }
      try {
        const value = await (target as (...x: unknown[]) => Promise<unknown>).apply(
          self,
          a as unknown[],
        );
        return { ok: true as const, value };
      } catch (e) {
        const err = e as { code?: string; details?: unknown };
        return { ok: false as const, code: String(err.code), details: err.details };
      }
    },
    [path, args] as const,
  );
}

/**
 * Adds a frame to the page that is not an app window (sandboxed: an opaque origin, as an app's
 * is), runs `script` in it, and returns what it reports: the page answers the frame's `marker`
 * with `ping`, and the frame reports how many ports it had been handed by then.
 *
 * The frame is an empty one (`about:blank`) whose script the test puts in through the browser's
 * debugging protocol: the console's CSP refuses inline script, so a `srcdoc` document's would
 * never run, and refuses frames from anywhere but the apps and preview origins. The bridge must
 * ignore the frame anyway, whatever its way in.
 */
export async function forgedFrameReport(page: Page, script: string): Promise<{ ports: number }> {
  await page.evaluate(() => {
    interface FrameElement {
      setAttribute(name: string, value: string): void;
      contentWindow: unknown;
      remove(): void;
    }
    interface Message {
      source: { postMessage(message: unknown, target: string): void } | null;
      data: unknown;
    }
    const g = globalThis as unknown as {
      document: {
        createElement(tag: string): FrameElement;
        body: { appendChild(e: unknown): void };
      };
      addEventListener(type: string, listener: (e: Message) => void): void;
      forgedReport?: Promise<{ ports: number }>;
    };
    const frame = g.document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    frame.setAttribute('data-testid', 'forged-frame');
    // Inline listeners only: tsx names const-assigned functions with a helper the page lacks.
    g.forgedReport = new Promise<{ ports: number }>((resolve) => {
      g.addEventListener('message', (event: Message) => {
        if (event.source !== frame.contentWindow || !event.source) return;
        if (event.data === 'marker') event.source.postMessage('ping', '*');
        const report = (event.data as { report?: { ports: number } } | null)?.report;
        if (report) {
          frame.remove();
          resolve(report);
        }
      });
    });
    g.document.body.appendChild(frame);
  });
  const element = await page.$('iframe[data-testid="forged-frame"]');
  const frame = await element?.contentFrame();
  if (!frame) throw new Error('the forged frame has no document');
  await frame.evaluate(
    'let ports = 0;' +
      "addEventListener('message', (e) => { ports += e.ports.length;" +
      " if (e.data === 'ping') parent.postMessage({ report: { ports } }, '*'); });" +
      script +
      "parent.postMessage('marker', '*');",
  );
  return page.evaluate(
    () => (globalThis as unknown as { forgedReport: Promise<{ ports: number }> }).forgedReport,
  );
}
