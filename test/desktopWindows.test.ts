/**
 * Apps running in desktop windows, end to end: the SDK in a sandboxed frame on the app's own
 * origin, the console's bridge, the broker. Needs the launch route and the app origins
 * (packages/app-origin) and the broker with app data and notifications (packages/broker,
 * packages/app-data): written with the desktop, run once those are merged.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import type { UserspaceApp } from '@paddock/shared';
import {
  desktopSuite,
  forgedFrameReport,
  installApp,
  openWindow,
  RAW_APP_FILES,
  SDK_APP_FILES,
  sdkCall,
} from './desktopClient.js';
import type { TestDaemon } from './harness.js';

/** What an app's frame is handed in answer to `hello`, counted up to a later round trip. */
async function helloProbe(page: Page, frame: Frame, hello: unknown, consoleOrigin: string) {
  await page.evaluate(() => {
    const g = globalThis as unknown as {
      addEventListener(
        t: string,
        l: (e: { data: unknown; source: { postMessage(m: unknown, o: string): void } }) => void,
      ): void;
    };
    g.addEventListener('message', (event) => {
      if (event.data === 'probe-marker') event.source.postMessage('probe-ping', '*');
    });
  });
  return frame.evaluate(
    ([message, origin]) => {
      const g = globalThis as unknown as {
        parent: { postMessage(m: unknown, o: string): void };
        addEventListener(t: string, l: (e: { data: unknown; ports: unknown[] }) => void): void;
      };
      let ports = 0;
      return new Promise<number>((resolve) => {
        g.addEventListener('message', (event) => {
          ports += event.ports.length;
          if (event.data === 'probe-ping') resolve(ports);
        });
        g.parent.postMessage(message, origin as string);
        g.parent.postMessage('probe-marker', origin as string);
      });
    },
    [hello, consoleOrigin] as const,
  );
}

describe('apps in desktop windows: the SDK, the bridge and the broker end to end', () => {
  const suite = desktopSuite();
  let d: TestDaemon;
  let page: Page;
  before(() => ({ d, page } = suite));

  const sdkApp = (name: string, optional: string[] = []): Promise<UserspaceApp> =>
    installApp(d, {
      name,
      permissions: ['app.kv'],
      optional_permissions: optional,
      files: SDK_APP_FILES,
    });

  it('runs an app in a sandboxed window that uses app.kv through the SDK', async () => {
    const app = await sdkApp('Counter');
    const frame = await openWindow(page, app.id);
    assert.equal(await frame.locator('#state').innerText(), 'connected');
    assert.deepEqual(await sdkCall(frame, 'kv.set', 'count', 1), { ok: true, value: {} });
    assert.deepEqual(await sdkCall(frame, 'kv.get', 'count'), {
      ok: true,
      value: { found: true, value: 1 },
    });
    // seed 000 gap: no allow-same-origin, so the window's origin is opaque and holds no cookie.
    const where = await frame.evaluate(() => {
      const g = globalThis as unknown as { origin: string; document: { cookie: string } };
      let cookie: string;
      try {
        cookie = g.document.cookie;
      } catch (e) {
        cookie = (e as Error).name;
      }
      return { origin: g.origin, cookie };
    });
    assert.deepEqual(where, { origin: 'null', cookie: 'SecurityError' });
  });

  it('streams a file larger than one call through the window: a Blob up, a Blob back', async () => {
    const app = await installApp(d, {
      name: 'Media',
      permissions: ['app.files'],
      files: SDK_APP_FILES,
    });
    const frame = await openWindow(page, app.id);
    const size = 12 * 1024 * 1024 + 3;
    const outcome = await frame.evaluate(async (n) => {
      const g = globalThis as unknown as {
        paddock: {
          files: {
            upload(p: string, c: Blob): Promise<{ size: number; mime: string }>;
            download(p: string): Promise<Response>;
            read(p: string): Promise<unknown>;
          };
        };
      };
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = (i * 7 + (i >> 10)) & 0xff;
      const stored = await g.paddock.files.upload(
        'video/take.bin',
        new Blob([bytes], { type: 'video/webm' }),
      );
      const back = await g.paddock.files.download('video/take.bin');
      const got = new Uint8Array(await back.arrayBuffer());
      let same = got.length === n;
      for (let i = 0; same && i < n; i++) same = got[i] === bytes[i];
      let readCode = 'none';
      try {
        await g.paddock.files.read('video/take.bin');
      } catch (e) {
        readCode = (e as { code: string }).code;
      }
      return { stored, type: back.headers.get('content-type'), same, readCode };
    }, size);
    assert.equal(outcome.stored.size, size);
    assert.equal(outcome.stored.mime, 'video/webm', "the Blob's own type");
    assert.equal(outcome.type, 'video/webm');
    assert.equal(outcome.same, true, 'every byte came back');
    assert.equal(outcome.readCode, 'payload_too_large', 'one call carries at most 8 MiB');
    const usage = await d.api<{ files_bytes: number }>('GET', `/v1/userspace-apps/${app.id}/usage`);
    assert.ok(usage.body.files_bytes >= size);
  });

  it('refuses a capability outside the ceiling until the user allows it, then revokes it', async () => {
    const app = await sdkApp('Reminder', ['app.notify', 'network:https://api.example.com']);
    const frame = await openWindow(page, app.id);
    const refused = await sdkCall(frame, 'notify', 'Tea');
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.code, 'capability_required');
    assert.deepEqual(!refused.ok && refused.details, {
      capability: 'app.notify',
      method: 'app.notify',
      grantable: true,
    });

    const asked = sdkCall(frame, 'requestPermission', 'app.notify');
    const dialog = page.getByTestId('consent-dialog');
    await dialog.waitFor();
    assert.equal(await dialog.getByTestId('consent-app-name').innerText(), 'Reminder');
    await page.getByTestId('consent-accept').click();
    assert.deepEqual(await asked, { ok: true, value: true });
    assert.deepEqual((await sdkCall(frame, 'notify', 'Tea')).ok, true);
    await page.getByTestId('notifications-unread').waitFor();

    // Declined once, never asked again: the second request answers false with no dialog.
    const network = 'network:https://api.example.com';
    const first = sdkCall(frame, 'requestPermission', network);
    await dialog.waitFor();
    await page.getByTestId('consent-decline').click();
    assert.deepEqual(await first, { ok: true, value: false });
    assert.deepEqual(await sdkCall(frame, 'requestPermission', network), {
      ok: true,
      value: false,
    });

    // Revoke takes effect on the next call.
    const revoked = await d.api('POST', `/v1/userspace-apps/${app.id}/revoke`, {
      permissions: ['app.notify'],
    });
    assert.equal(revoked.status, 200);
    const again = await sdkCall(frame, 'notify', 'Tea');
    assert.equal(!again.ok && again.code, 'capability_required');
  });

  it('ignores a forged hello from another frame, and a message naming another app', async () => {
    const a = await sdkApp('Alpha');
    const b = await sdkApp('Beta');
    const frameB = await openWindow(page, b.id);
    assert.equal((await sdkCall(frameB, 'kv.set', 'secret', 'B')).ok, true);
    const frameA = await openWindow(page, a.id);
    assert.equal((await sdkCall(frameA, 'kv.set', 'secret', 'A')).ok, true);

    // A frame that is not a window gets nothing, with windows open.
    assert.deepEqual(
      await forgedFrameReport(page, "parent.postMessage({ type: 'paddock:hello' }, '*');"),
      { ports: 0 },
    );
    // A's frame saying hello as B (or as anything but the SDK's exact hello) gets nothing...
    assert.equal(await helloProbe(page, frameA, { type: 'paddock:hello', app_id: b.id }, d.url), 0);
    // ...and A's port still works, as A.
    assert.deepEqual(await sdkCall(frameA, 'kv.get', 'secret'), {
      ok: true,
      value: { found: true, value: 'A' },
    });

    // Over the port itself (an app's page without the SDK), a call naming B is refused, and a
    // plain one is the app's own.
    const raw = await installApp(d, { name: 'Raw', permissions: ['app.kv'], files: RAW_APP_FILES });
    const frameR = await openWindow(page, raw.id);
    const answers = await frameR.evaluate((other) => {
      interface MessagePortLike {
        postMessage(m: unknown): void;
        onmessage: ((e: { data: { id: number } }) => void) | null;
      }
      const port = (globalThis as unknown as { port: MessagePortLike }).port;
      return new Promise<unknown[]>((resolve) => {
        const got: unknown[] = [];
        port.onmessage = (m) => {
          got[m.data.id - 1] = m.data;
          if (got.filter(Boolean).length === 4) resolve(got);
        };
        const get = { type: 'call', method: 'app.kv.get' };
        port.postMessage({
          type: 'call',
          method: 'app.kv.set',
          id: 1,
          params: { key: 'secret', value: 'R' },
        });
        port.postMessage({ ...get, id: 2, params: { key: 'secret' }, app_id: other });
        port.postMessage({ ...get, id: 3, params: { key: 'secret', app_id: other } });
        port.postMessage({ ...get, id: 4, params: { key: 'secret' } });
      });
    }, b.id);
    const [, named, inParams, plain] = answers as {
      ok: boolean;
      result?: unknown;
      error?: { code: string };
    }[];
    assert.equal(named?.ok, false);
    assert.equal(named?.error?.code, 'bad_request');
    assert.equal(inParams?.ok, false);
    assert.deepEqual(plain, { id: 4, ok: true, result: { found: true, value: 'R' } });
  });

  it('gives a launch one port: a page the app navigates its frame to gets none', async () => {
    const app = await sdkApp('Wanderer');
    const frame = await openWindow(page, app.id);
    assert.equal((await sdkCall(frame, 'kv.set', 'k', 1)).ok, true);
    // The app navigates its own frame (no CSP can forbid that): the page it lands on says
    // hello with the SDK and gets no port; the desktop empties the window rather than leave
    // the app on a page it did not launch, and a reload launches it afresh.
    await frame.evaluate(() => {
      const g = globalThis as unknown as { location: { href: string } };
      g.location.href = 'index.html?elsewhere';
    });
    await page.getByTestId('app-window-left').waitFor();
    const frameOf = page.locator(
      `[data-testid=app-window][data-app-id="${app.id}"] >> [data-testid=app-window-frame]`,
    );
    assert.equal(await frameOf.getAttribute('src'), 'about:blank');
  });
});
