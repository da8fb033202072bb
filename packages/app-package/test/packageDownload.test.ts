/**
 * Fetching a package by URL without SSRF. Every refused URL is refused before any connection
 * is made; the one server these tests reach is on loopback, under a name mapped to it as
 * PADDOCK_EGRESS_RESOLVE maps names in tests.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseResolveOverrides } from '@paddock/egress';
import { selfSignedCertificate } from '../../../test/testCertificate.js';
import { checkedTarget, downloadPackage } from '../src/index.js';

const HOST = 'packages.example.test';
const BODY = Buffer.alloc(64 * 1024, 7);

describe('package downloads', () => {
  const cert = selfSignedCertificate(HOST);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-download-'));
  let server: https.Server;
  let port: number;
  let n = 0;
  const file = () => path.join(dir, `p${n++}.paddockapp`);
  const options = () => ({
    resolve: parseResolveOverrides(`${HOST}=127.0.0.1:${port}`),
    ca: cert.cert,
  });

  before(async () => {
    server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      const to = new URL(req.url ?? '/', `https://${HOST}`).searchParams.get('to');
      if (to !== null) {
        res.writeHead(302, { location: to }).end();
      } else if (req.url === '/loop') {
        res.writeHead(302, { location: '/loop' }).end();
      } else {
        res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    cert.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses URLs that are not https or name a non-public address, before connecting', async () => {
    for (const url of [
      'http://packages.example.test/app.paddockapp',
      'ftp://packages.example.test/app.paddockapp',
      'https://127.0.0.1/app.paddockapp',
      'https://localhost/app.paddockapp',
      'https://[::1]/app.paddockapp',
      'https://[::ffff:127.0.0.1]/app.paddockapp',
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/app.paddockapp',
      'https://100.64.0.1/app.paddockapp',
      'https://2130706433/app.paddockapp',
      'https://0x7f.1/app.paddockapp',
      'https://0177.0.0.1/app.paddockapp',
      'https://user:secret@packages.example.test/app.paddockapp',
      'not a url',
    ]) {
      await assert.rejects(checkedTarget(url), { code: 'package_url_refused' }, url);
    }
  });

  it('downloads from a name mapped to loopback for tests, within the size cap', async () => {
    const out = file();
    const r = await downloadPackage(`https://${HOST}/app.paddockapp`, out, options());
    assert.equal(r.bytes, BODY.length);
    assert.ok(fs.readFileSync(out).equals(BODY));
    const small = file();
    await assert.rejects(
      downloadPackage(`https://${HOST}/app.paddockapp`, small, {
        ...options(),
        limits: { maxBytes: 1024 },
      }),
      { code: 'package_too_large' },
    );
    assert.equal(fs.existsSync(small), false, 'nothing is left of a refused download');
  });

  it('checks every redirect as it checked the first URL', async () => {
    for (const to of [
      `https://127.0.0.1:${port}/app.paddockapp`,
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/app.paddockapp',
      `http://${HOST}/app.paddockapp`,
    ]) {
      await assert.rejects(
        downloadPackage(`https://${HOST}/?to=${encodeURIComponent(to)}`, file(), options()),
        { code: 'package_url_refused' },
        to,
      );
    }
    await assert.rejects(downloadPackage(`https://${HOST}/loop`, file(), options()), {
      code: 'package_url_refused',
    });
    const followed = await downloadPackage(
      `https://${HOST}/?to=${encodeURIComponent('/app.paddockapp')}`,
      file(),
      options(),
    );
    assert.equal(followed.url, `https://${HOST}/app.paddockapp`);
  });
});
