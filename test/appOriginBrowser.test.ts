/**
 * App origins in Debian's Chromium: a web app's bundle framed by the console's origin with
 * `sandbox="allow-scripts"` runs its own module script (CSP `script-src 'self'` matches the
 * bundle's URL origin from the opaque-origin document), is refused fetches and image loads to
 * an https origin the user did not grant, and may fetch it once granted; at top level it
 * cannot read the console's cookies or call the API; it cannot fetch another app's origin with
 * credentials. Only loopback: the test domains map to 127.0.0.1.
 *
 * The console's page is the daemon's own origin (`page.goto(<daemon>/)` then `setContent`,
 * which keeps the console page's CSP, so its `frame-src` must allow the apps origins): the
 * launch route names that origin as the bundle's only frame ancestor, as the console's desktop
 * will, without signing in through the console's UI.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { LaunchResult } from '@paddock/shared';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { selfSignedCertificate } from './testCertificate.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

const DATA_HOST = 'data.paddock-test.example';
/** A 1×1 PNG. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/**
 * The app's script: it tries each way out named in its URL's fragment and reports what
 * happened, to its parent (framed) or in its own document (top level).
 */
const APP_JS = `
const params = new URLSearchParams(location.hash.slice(1));
const parentOrigin = params.get('paddock-parent');
const attempt = async (url, init) => {
  try {
    const res = await fetch(url, init);
    return 'ok:' + (await res.text());
  } catch {
    return 'blocked';
  }
};
const image = (src) =>
  new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve('loaded');
    img.onerror = () => resolve('blocked');
    img.src = src;
  });
const report = { script: 'ran', origin: self.origin };
report.ownImage = await image('logo.png');
report.fetch = await attempt(params.get('data') + '/data');
report.image = await image(params.get('data') + '/pixel.png?' + Date.now());
if (params.get('api')) report.api = await attempt(params.get('api'), { credentials: 'include' });
if (params.get('other')) report.other = await attempt(params.get('other'), { credentials: 'include' });
try {
  report.cookie = 'read:' + document.cookie;
} catch (err) {
  report.cookie = 'threw:' + err.name;
}
document.documentElement.dataset.report = JSON.stringify(report);
if (parent !== self) parent.postMessage(report, parentOrigin);
`;

interface Report {
  script: string;
  origin: string;
  ownImage: string;
  fetch: string;
  image: string;
  api?: string;
  other?: string;
  cookie: string;
}

describe('app origins in Chromium', () => {
  const dataDir = tempDataDir();
  const cert = selfSignedCertificate(DATA_HOST);
  const key = generateAppKey();
  const otherKey = generateAppKey();
  let d: TestDaemon;
  let browser: Browser;
  let data: https.Server;
  let dataOrigin: string;
  /** Requests that reached the https data server. */
  const reached: string[] = [];

  before(async () => {
    data = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      reached.push(req.url ?? '');
      res.setHeader('access-control-allow-origin', '*');
      if ((req.url ?? '').startsWith('/pixel.png')) {
        res.writeHead(200, { 'content-type': 'image/png' }).end(PIXEL);
      } else res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from data');
    });
    await new Promise<void>((r) => data.listen(0, '127.0.0.1', r));
    dataOrigin = `https://${DATA_HOST}:${(data.address() as AddressInfo).port}`;
    d = await startDaemon({ dataDir });
    const pkg = await makePackage({
      key,
      version: 1,
      optional_permissions: [`network:${dataOrigin}`],
      files: {
        'index.html':
          '<!doctype html><html><head><script type="module" src="app.js"></script></head><body><h1>app</h1></body></html>',
        'app.js': APP_JS,
        'logo.png': PIXEL,
      },
    });
    const installed = await upload(d.url, d.token, pkg.bytes);
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    const other = await upload(
      d.url,
      d.token,
      (await makePackage({ key: otherKey, version: 1 })).bytes,
    );
    assert.equal(other.status, 201, JSON.stringify(other.body));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--host-resolver-rules=MAP *.apps.localhost 127.0.0.1, MAP *.paddock-test.example 127.0.0.1',
        '--ignore-certificate-errors',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
    await destroyEverything(dataDir);
    data?.close();
    cert.remove();
    fs.rmSync(packageScratch, { recursive: true, force: true });
  });

  const launch = async (id: string): Promise<LaunchResult> => {
    const res = await d.api<LaunchResult>('POST', `/v1/userspace-apps/${id}/launch`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  /** The launch URL with the test's extra fragment parameters. */
  const withParams = (url: string, extra: Record<string, string>) =>
    `${url}&${new URLSearchParams({ data: dataOrigin, ...extra }).toString()}`;

  /** Frames `src` from a page on the console's origin and waits for the app's report. */
  const framed = async (page: Page, src: string): Promise<{ origin: string; data: Report }> => {
    // A console page: an API answer's CSP (default-src 'none') would refuse any frame.
    await page.goto(`${d.url}/`);
    await page.setContent('<!doctype html><title>console</title><div id="desk"></div>');
    await page.evaluate((url) => {
      const g = globalThis as unknown as {
        reports: unknown[];
        document: {
          createElement(
            t: string,
          ): Record<string, unknown> & { setAttribute(n: string, v: string): void };
          getElementById(id: string): { appendChild(e: unknown): void };
        };
        addEventListener(t: string, f: (e: { origin: string; data: unknown }) => void): void;
      };
      g.reports = [];
      g.addEventListener('message', (e) => g.reports.push({ origin: e.origin, data: e.data }));
      const frame = g.document.createElement('iframe');
      frame.setAttribute('sandbox', 'allow-scripts');
      frame.setAttribute('src', url);
      g.document.getElementById('desk').appendChild(frame);
    }, src);
    const handle = await page.waitForFunction(
      () => (globalThis as unknown as { reports: unknown[] }).reports[0],
      undefined,
      { timeout: 30_000 },
    );
    return (await handle.jsonValue()) as { origin: string; data: Report };
  };

  it("runs the framed bundle's own module script and image, and blocks fetch and images to an origin not granted", async () => {
    const page = await browser.newPage();
    const l = await launch(key.appId);
    const before = reached.length;
    const msg = await framed(page, withParams(l.url, {}));
    assert.equal(msg.origin, 'null', 'the sandboxed page has an opaque origin');
    assert.equal(msg.data.script, 'ran', "script-src 'self' matches the bundle's own URL");
    assert.equal(msg.data.origin, 'null');
    assert.equal(msg.data.ownImage, 'loaded', "img-src 'self' loads the bundle's own image");
    assert.equal(msg.data.fetch, 'blocked');
    assert.equal(msg.data.image, 'blocked');
    assert.equal(reached.length, before, 'nothing reached the data server');
    await page.close();
  });

  it('lets the app fetch a granted origin after a fresh launch; images there stay blocked', async () => {
    const granted = await d.api('POST', `/v1/userspace-apps/${key.appId}/permissions`, {
      grant: [`network:${dataOrigin}`],
    });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const page = await browser.newPage();
    const l = await launch(key.appId);
    const msg = await framed(page, withParams(l.url, {}));
    assert.equal(msg.data.fetch, 'ok:hello from data');
    assert.equal(msg.data.image, 'blocked', 'img-src never allows https:');
    assert.ok(!reached.some((u) => u.startsWith('/pixel.png')), 'no image request got out');
    await page.close();
    const revoked = await d.api('POST', `/v1/userspace-apps/${key.appId}/revoke`, {
      permissions: [`network:${dataOrigin}`],
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  });

  it("at top level, cannot read the console's cookies, sends none, and cannot call the API or another app's origin with credentials", async () => {
    const context = await browser.newContext();
    // A console session in this browser: the daemon's HttpOnly session cookie.
    const signIn = await context.request.post(`${d.url}/v1/session`, { data: { token: d.token } });
    assert.equal(signIn.status(), 200, await signIn.text());
    assert.ok((await context.cookies(d.url)).some((c) => c.name === 'paddock_session'));
    const sentCookies: string[] = [];
    const page = await context.newPage();
    page.on('request', (req) => {
      void req.allHeaders().then((h) => {
        if (h.cookie) sentCookies.push(`${req.url()}: ${h.cookie}`);
      });
    });
    const l = await launch(key.appId);
    const other = await launch(otherKey.appId);
    await page.goto(
      withParams(l.url, {
        api: `${d.url}/v1/userspace-apps`,
        other: other.url.split('#')[0]!,
      }),
    );
    const report = JSON.parse(
      (await page
        .waitForFunction(
          () =>
            (
              globalThis as unknown as {
                document: { documentElement: { dataset: { report?: string } } };
              }
            ).document.documentElement.dataset.report,
          undefined,
          { timeout: 30_000 },
        )
        .then((h) => h.jsonValue())) as string,
    ) as Report;
    assert.equal(report.script, 'ran');
    assert.equal(report.origin, 'null');
    assert.match(report.cookie, /^threw:SecurityError$|^read:$/);
    assert.equal(report.api, 'blocked');
    assert.equal(report.other, 'blocked');
    assert.deepEqual(sentCookies, [], 'no request of the bundle carried a cookie');
    await context.close();
  });
});
