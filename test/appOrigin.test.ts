/**
 * Installed web apps on origins of their own, through the real daemon over loopback: the
 * launch route, the bundle tokens (bound to app, version and key), the headers of every
 * response, the files served, and the apps domain answering nothing but bundles.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppSessions } from '@paddock/broker';
import { stateKey } from '@paddock/keys';
import type { LaunchResult } from '@paddock/shared';
import { rawRequest, splitLaunchUrl, type RawResponse } from './appOriginClient.js';
import { suiteDaemon } from './harness.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

const GRANTABLE = 'network:https://data.paddock-test.example:8443';

function bundleFiles(version: number): Record<string, string | Buffer> {
  return {
    'index.html': `<!doctype html><link rel="stylesheet" href="style.css"><script type="module" src="app.js"></script><h1>bundle v${version}</h1>`,
    'app.js': `console.log('v${version}');`,
    'style.css': 'h1 { color: green }',
    'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    'assets/data.bin': 'raw',
  };
}

const SANDBOX_YAML = `version: 1
web:
  command: node server.js
  port: 3000
  health_path: /healthz
workers: []
`;

describe('app origins: launch and serve', () => {
  const d = suiteDaemon();
  const web = generateAppKey();
  const other = generateAppKey();
  const port = () => new URL(d.url).port;
  const hostOf = (appId: string) => `${appId}.apps.localhost:${port()}`;
  /** Every response of an apps host the suite received. */
  const seen: RawResponse[] = [];
  const get = async (host: string, p: string, headers: Record<string, string> = {}) => {
    const res = await rawRequest(d.url, host, p, { headers });
    if (host.includes('.apps.localhost')) seen.push(res);
    return res;
  };
  const launch = async (id: string, token?: string, origin?: string) => {
    const res = await fetch(`${d.url}/v1/userspace-apps/${id}/launch`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token ?? d.token}`,
        ...(origin === undefined ? {} : { origin }),
      },
    });
    return {
      status: res.status,
      body: (await res.json()) as LaunchResult & { error: { code: string } },
    };
  };
  const launched = async (id: string, token?: string) => {
    const res = await launch(id, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { ...res.body, ...splitLaunchUrl(res.body.url) };
  };
  const expectedCsp = (connect = "'none'") =>
    [
      'sandbox allow-scripts',
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self'",
      `connect-src ${connect}`,
      "form-action 'none'",
      "base-uri 'none'",
      "worker-src 'none'",
      `frame-ancestors ${d.url}`,
    ].join('; ');
  const assertBundleHeaders = (res: RawResponse, connect?: string) => {
    assert.equal(res.headers['content-security-policy'], expectedCsp(connect));
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    assert.equal(res.headers['set-cookie'], undefined);
  };

  before(async () => {
    const a = await upload(
      d.url,
      d.token,
      (
        await makePackage({
          key: web,
          version: 1,
          optional_permissions: [GRANTABLE],
          files: bundleFiles(1),
        })
      ).bytes,
    );
    assert.equal(a.status, 201, JSON.stringify(a.body));
    const b = await upload(d.url, d.token, (await makePackage({ key: other, version: 1 })).bytes);
    assert.equal(b.status, 201, JSON.stringify(b.body));
  });

  it('launches a web app: a bundle URL on its own origin with the token in the path, and an app session bound to the caller', async () => {
    const l = await launched(web.appId);
    assert.equal(l.origin, `http://${web.appId}.apps.localhost:${port()}`);
    assert.equal(l.host, hostOf(web.appId));
    assert.match(l.path, /^\/t\/[A-Za-z0-9_.-]+\/index\.html$/);
    assert.equal(l.fragment, `#paddock-parent=${encodeURIComponent(d.url)}`);
    const expires = Date.parse(l.expires_at) - Date.now();
    assert.ok(expires > 50 * 60_000 && expires <= 3600_000, `${expires}`);
    // The broker verifies the session with the same class and the same key file.
    const sessions = new AppSessions(stateKey(path.join(d.dataDir, 'state'), 'app-session-key'));
    const claims = await sessions.verify(l.app_session, d.token);
    assert.deepEqual(
      { appId: claims?.appId, version: claims?.version, keyId: claims?.keyId },
      { appId: web.appId, version: 1, keyId: 'admin-token' },
    );
    assert.equal(await sessions.verify(l.app_session, 'another-credential'), null);
    assert.ok(!d.output().includes(l.app_session), 'the session is not logged');
    assert.ok(!d.output().includes(l.path.split('/')[2]!), 'the bundle token is not logged');
  });

  it('serves the bundle with exact headers on html, js, css, 304 and 404, and types from the table', async () => {
    const l = await launched(web.appId);
    const base = l.path.replace(/index\.html$/, '');
    const html = await get(l.host, l.path);
    assert.equal(html.status, 200);
    assert.match(html.body, /bundle v1/);
    assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(html.headers['cache-control'], 'private, no-cache');
    assertBundleHeaders(html);
    const root = await get(l.host, base);
    assert.equal(root.status, 200);
    assert.equal(root.body, html.body, 'the token root is index.html');
    const types: [string, string][] = [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['style.css', 'text/css; charset=utf-8'],
      ['assets/logo.png', 'image/png'],
      ['assets/data.bin', 'application/octet-stream'],
    ];
    for (const [file, type] of types) {
      const res = await get(l.host, `${base}${file}`, { origin: 'null' });
      assert.equal(res.status, 200, file);
      assert.equal(res.headers['content-type'], type, file);
      assertBundleHeaders(res);
    }
    const notModified = await get(l.host, l.path, { 'if-none-match': html.headers.etag! });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.etag, html.headers.etag);
    assert.equal(notModified.body, '');
    assertBundleHeaders(notModified);
    const missing = await get(l.host, `${base}nope.js`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(missing.body, 'Not found.\n');
    assertBundleHeaders(missing);
    const head = await rawRequest(d.url, l.host, l.path, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(html.body)));
  });

  it('lists no directory and refuses traversal out of the version directory', async () => {
    const l = await launched(web.appId);
    const base = l.path.replace(/index\.html$/, '');
    // <data>/userspace/code/<id>/v1 is the root; <data>/state holds the install's keys.
    const secret = fs.readFileSync(path.join(d.dataDir, 'state', 'app-session-key'), 'utf8');
    for (const p of [
      'assets',
      'assets/',
      '../../../state/app-session-key',
      '%2e%2e/%2e%2e/%2e%2e/%2e%2e/state/app-session-key',
      '..%2f..%2f..%2f..%2fstate%2fapp-session-key',
      'assets/..%2f..%2fv1/index.html',
      '..\\..\\index.html',
      'paddock-app.json/',
    ]) {
      const res = await get(l.host, `${base}${p}`);
      assert.ok(res.status === 404, `${p}: ${res.status}`);
      assert.equal(res.body, 'Not found.\n', p);
      assert.ok(!res.body.includes(secret));
    }
    // Outside /t/{token}/ entirely.
    const up = await get(l.host, `${base}../../etc/passwd`);
    assert.equal(up.status, 404);
  });

  it("binds a token to its app: another app's token is refused on this app's host", async () => {
    const mine = await launched(web.appId);
    const theirs = await launched(other.appId);
    const swapped = await get(mine.host, theirs.path);
    assert.equal(swapped.status, 401);
    assert.equal(swapped.headers['content-type'], 'text/plain; charset=utf-8');
    assert.doesNotMatch(swapped.body, /bundle|v1/);
    assert.match(swapped.headers['content-security-policy'] ?? '', /^sandbox; default-src 'none'/);
    assert.match(swapped.headers['content-security-policy'] ?? '', /frame-ancestors 'none'$/);
    const forged = await get(
      mine.host,
      mine.path.replace(/\/t\/[^/]+\//, '/t/eyJhbGciOiJIUzI1NiJ9.e30.AAAA/'),
    );
    assert.equal(forged.status, 401);
    assert.ok(!forged.body.includes('eyJ'), 'the token is never echoed');
  });

  it('seed 000 gap: no bundle is served on the console origin', async () => {
    const l = await launched(web.appId);
    const consoleHost = new URL(d.url).host;
    for (const p of [l.path, '/index.html', '/app.js', `/t/x/index.html`]) {
      const res = await get(consoleHost, p);
      assert.doesNotMatch(res.body, /bundle v1|console\.log\('v1'\)/, p);
    }
    // Nor on the preview domain.
    const preview = await get(`${web.appId}.preview.localhost:${port()}`, l.path);
    assert.doesNotMatch(preview.body, /bundle v1/);
  });

  it('the API, the console and the probes refuse apps hosts: a plain 404 that never reaches the API', async () => {
    const hosts = [hostOf(web.appId), `apps.localhost:${port()}`, `x.apps.localhost:${port()}`];
    for (const host of hosts) {
      for (const p of [
        '/',
        '/v1/userspace-apps',
        '/readyz',
        '/healthz',
        '/v1/openapi.json',
        '/index.html',
      ]) {
        const res = await get(host, p, { authorization: `Bearer ${d.token}` });
        assert.equal(res.status, 404, `${host}${p}`);
        assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
        assert.equal(res.body, 'Not found.\n');
        assert.equal(res.headers['x-request-id'], undefined);
      }
    }
    const post = await rawRequest(d.url, hostOf(web.appId), '/v1/userspace-apps', {
      method: 'POST',
    });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('refuses a WebSocket upgrade on an apps host', async () => {
    const l = await launched(web.appId);
    const target = new URL(d.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: target.hostname,
        port: target.port,
        path: l.path,
        headers: {
          host: l.host,
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 404);
  });

  it('puts a network grant in connect-src at serve time, and drops it on revoke; img-src stays without https:', async () => {
    const granted = await d.api('POST', `/v1/userspace-apps/${web.appId}/permissions`, {
      grant: [GRANTABLE],
    });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const l = await launched(web.appId);
    const res = await get(l.host, l.path);
    assertBundleHeaders(res, 'https://data.paddock-test.example:8443');
    const revoked = await d.api('POST', `/v1/userspace-apps/${web.appId}/revoke`, {
      permissions: [GRANTABLE],
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    // The same token: the CSP follows the grant at the next request.
    assertBundleHeaders(await get(l.host, l.path));
  });

  it('seed 001 gap: img-src never allows https:', async () => {
    await d.api('POST', `/v1/userspace-apps/${web.appId}/permissions`, { grant: [GRANTABLE] });
    const l = await launched(web.appId);
    await get(l.host, l.path);
    await d.api('POST', `/v1/userspace-apps/${web.appId}/revoke`, { permissions: [GRANTABLE] });
    const csps = seen
      .map((r) => r.headers['content-security-policy'])
      .filter((c) => c !== undefined);
    assert.ok(csps.length > 10);
    for (const csp of csps) {
      const img = /img-src ([^;]*)/.exec(csp)?.[1] ?? "'none'";
      assert.doesNotMatch(img, /https?:|\*/, csp);
    }
  });

  it('seed 000 gap: the CSP never grants allow-same-origin', () => {
    assert.ok(seen.length > 10);
    for (const res of seen) {
      const csp = res.headers['content-security-policy'];
      assert.ok(csp, `every apps-host response has a CSP (${res.status})`);
      assert.match(csp, /^sandbox[ ;]/);
      assert.doesNotMatch(csp, /allow-same-origin/);
    }
  });

  it('names the framing console from Origin, and refuses an origin that is not one or is an app', async () => {
    const l = await launch(web.appId, undefined, 'http://console.paddock-test.example:7070');
    assert.equal(l.status, 200);
    const { host, path: p } = splitLaunchUrl(l.body.url);
    const res = await get(host, p);
    assert.match(
      res.headers['content-security-policy']!,
      /frame-ancestors http:\/\/console\.paddock-test\.example:7070$/,
    );
    for (const bad of [
      'null',
      `http://${other.appId}.apps.localhost:${port()}`,
      'http://a.example/x',
    ]) {
      const refused = await launch(web.appId, undefined, bad);
      assert.equal(refused.status, 400, bad);
      assert.equal(refused.body.error.code, 'bad_request');
    }
  });

  it('binds a token to the version: after an update the old token is refused (410), a new launch serves v2', async () => {
    const old = await launched(web.appId);
    assert.equal((await get(old.host, old.path)).status, 200);
    const up = await upload(
      d.url,
      d.token,
      (
        await makePackage({
          key: web,
          version: 2,
          optional_permissions: [GRANTABLE],
          files: bundleFiles(2),
        })
      ).bytes,
    );
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const stale = await get(old.host, old.path);
    assert.equal(stale.status, 410);
    assert.match(stale.body, /updated/);
    assert.match(
      stale.headers['content-security-policy']!,
      new RegExp(`frame-ancestors ${d.url}$`),
    );
    const fresh = await launched(web.appId);
    const res = await get(fresh.host, fresh.path);
    assert.equal(res.status, 200);
    assert.match(res.body, /bundle v2/);
  });

  it('binds a token to the key that launched it: a revoked key ends it; another owner cannot launch', async () => {
    const alice = await d.api<{ token: string; key: { id: string } }>('POST', '/v1/api-keys', {
      name: 'alice',
      owner: 'alice',
    });
    const bob = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'bob',
      owner: 'bob',
    });
    assert.equal(alice.status, 201);
    const hers = generateAppKey();
    const installed = await upload(
      d.url,
      alice.body.token,
      (await makePackage({ key: hers, version: 1 })).bytes,
    );
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    const byBob = await launch(hers.appId, bob.body.token);
    assert.equal(byBob.status, 404);
    assert.equal(byBob.body.error.code, 'not_found');
    const l = await launched(hers.appId, alice.body.token);
    assert.equal((await get(l.host, l.path)).status, 200);
    assert.equal((await d.api('DELETE', `/v1/api-keys/${alice.body.key.id}`)).status, 204);
    const after = await get(l.host, l.path);
    assert.equal(after.status, 401);
    assert.match(after.body, /session/);
  });

  it('refuses to launch a disabled app (and stops serving it) and asks for a person', async () => {
    const l = await launched(other.appId);
    assert.equal((await d.api('POST', `/v1/userspace-apps/${other.appId}/disable`)).status, 200);
    const refused = await launch(other.appId);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'conflict');
    const served = await get(l.host, l.path);
    assert.equal(served.status, 404);
    assert.match(served.body, /not served/);
    const anonymous = await fetch(`${d.url}/v1/userspace-apps/${web.appId}/launch`, {
      method: 'POST',
    });
    assert.equal(anonymous.status, 401);
    await anonymous.text();
    assert.equal((await d.api('POST', `/v1/userspace-apps/${other.appId}/enable`)).status, 200);
    assert.equal((await get(l.host, l.path)).status, 200, 'served again once enabled');
  });

  it('refuses to launch an app waiting for its first consent, or one in the trash', async () => {
    const waiting = generateAppKey();
    const res = await upload(
      d.url,
      d.token,
      (await makePackage({ key: waiting, version: 1, permissions: ['app.notify'] })).bytes,
    );
    assert.equal(res.body.app.status, 'pending_consent', JSON.stringify(res.body));
    const refused = await launch(waiting.appId);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'conflict');
    const trashed = generateAppKey();
    await upload(d.url, d.token, (await makePackage({ key: trashed, version: 1 })).bytes);
    const l = await launched(trashed.appId);
    assert.equal((await d.api('DELETE', `/v1/userspace-apps/${trashed.appId}`)).status, 204);
    assert.equal((await launch(trashed.appId)).status, 409);
    assert.equal((await get(l.host, l.path)).status, 404);
  });

  it('refuses to launch a service app (409) and serves it no bundle', async () => {
    const svc = generateAppKey();
    const files = {
      'sandbox.yaml': SANDBOX_YAML,
      'server.js': `require('node:http').createServer((q, s) => s.end('ok')).listen(3000, '127.0.0.1');\n`,
    };
    const res = await upload(
      d.url,
      d.token,
      (await makePackage({ key: svc, version: 1, app_type: 'service', files })).bytes,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const refused = await launch(svc.appId);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'conflict');
    const l = await launched(web.appId);
    const token = l.path.split('/')[2]!;
    const onService = await get(hostOf(svc.appId), `/t/${token}/index.html`);
    assert.equal(onService.status, 401);
  });
});
