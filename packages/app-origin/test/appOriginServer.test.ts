import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AppOriginServer,
  AppsAddress,
  BundleTokens,
  type AppBundle,
  type BundleClaims,
} from '../src/index.js';

const A = 'a'.repeat(52);
const B = 'b'.repeat(52);
const CONSOLE = 'http://127.0.0.1:7070';

describe('the app origin server', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-origin-'));
  const tokens = new BundleTokens('k');
  const address = new AppsAddress('http://apps.localhost:7070');
  const bundles = new Map<string, AppBundle>();
  const keys = new Set(['key_1']);
  const warnings: string[] = [];
  let failLookups = false;
  const server = new AppOriginServer({
    address: () => address,
    tokens,
    bundles: {
      bundle: (id) => {
        if (failLookups) return Promise.reject(new Error('store closed'));
        return Promise.resolve(bundles.get(id) ?? null);
      },
      keyActive: (id) => Promise.resolve(keys.has(id)),
    },
    log: { warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`) },
  });
  let listener: http.Server;
  let port: number;
  const claims = (over: Partial<BundleClaims> = {}): BundleClaims => ({
    appId: A,
    version: 1,
    keyId: 'key_1',
    binding: 'b',
    ancestor: CONSOLE,
    ...over,
  });
  const req = (host: string, p: string, method = 'GET') =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
      (resolve, reject) => {
        const r = http.request(
          { host: '127.0.0.1', port, path: p, method, headers: { host }, agent: false },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          },
        );
        r.on('error', reject);
        r.end();
      },
    );

  before(async () => {
    fs.mkdirSync(path.join(tmp, 'v1'));
    fs.writeFileSync(path.join(tmp, 'v1', 'index.html'), '<h1>one</h1>');
    bundles.set(A, {
      appId: A,
      version: 1,
      dir: path.join(tmp, 'v1'),
      tier: 'first-party',
      connect: [],
    });
    listener = http.createServer(server.wrap((_q, res) => res.end('the api')));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as AddressInfo).port;
  });

  after(() => {
    listener.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('passes every other host to the next handler, and answers every apps host itself', async () => {
    assert.equal((await req('127.0.0.1:7070', '/v1/x')).body, 'the api');
    for (const host of ['apps.localhost', 'www.apps.localhost:7070', `${A}.apps.localhost`]) {
      const res = await req(host, '/v1/x');
      assert.equal(res.status, 404, host);
      assert.equal(res.body, 'Not found.\n');
      assert.match(
        String(res.headers['content-security-policy']),
        /^sandbox; .*frame-ancestors 'none'$/,
      );
    }
  });

  it('serves a valid token, and says why it refuses one: invalid, key revoked, not served, stale', async () => {
    const { token } = await tokens.issue(claims());
    const host = `${A}.apps.localhost:7070`;
    const ok = await req(host, `/t/${token}/`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, '<h1>one</h1>');
    assert.equal((await req(host, `/t/${token}/index.html`, 'POST')).status, 405);
    assert.equal((await req(host, `/t/${token}`)).status, 404);
    assert.equal((await req(`${B}.apps.localhost`, `/t/${token}/`)).status, 401);
    const bad = await req(host, `/t/not-a-token/`);
    assert.equal(bad.status, 401);
    keys.delete('key_1');
    const revoked = await req(host, `/t/${token}/`);
    assert.equal(revoked.status, 401);
    assert.match(
      String(revoked.headers['content-security-policy']),
      new RegExp(`frame-ancestors ${CONSOLE}$`),
    );
    keys.add('key_1');
    const { token: v2 } = await tokens.issue(claims({ version: 2 }));
    assert.equal((await req(host, `/t/${v2}/`)).status, 410);
    bundles.delete(A);
    assert.equal((await req(host, `/t/${token}/`)).status, 404);
    failLookups = true;
    const failed = await req(host, `/t/${token}/`);
    assert.equal(failed.status, 503);
    assert.equal(failed.body, 'The app is unavailable right now.\n');
    failLookups = false;
    for (const res of [bad, revoked, failed]) assert.ok(!res.body.includes(token));
    assert.ok(warnings.length > 0 && warnings.every((w) => !w.includes(token)));
    bundles.set(A, {
      appId: A,
      version: 1,
      dir: path.join(tmp, 'v1'),
      tier: 'first-party',
      connect: [],
    });
  });
});
