/**
 * How a package comes into the real daemon (packageIntake.ts), through the API:
 * - by URL: every URL that would reach the host or its networks is refused before anything
 *   connects to it (an address, a spelling of one, a name the system resolver maps to loopback,
 *   plain http), and so is each of them behind a redirect; a good https URL on a loopback
 *   server, reachable only through the daemon's PADDOCK_EGRESS_RESOLVE, installs;
 * - as a body: a 1 GiB zip bomb is refused without the disk or the memory filling, and an upload
 *   over the size cap is refused as it streams, leaving nothing under `incoming/`.
 * Every connection anything here makes is to loopback.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InstallResult, UserspaceApp } from '@paddock/shared';
import { destroyEverything, startDaemon, suiteDaemon, tempDataDir } from './harness.js';
import type { TestDaemon } from './harness.js';
import {
  addHostsLine,
  bombPackage,
  connectionTrap,
  getThrough,
  listen,
  peakBytesWhile,
  peakRss,
  removeHostsLine,
  streamPost,
  treeBytes,
  zerosDeflated,
} from './intakeProbes.js';
import { selfSignedCertificate } from './testCertificate.js';
import {
  generateAppKey,
  makePackage,
  manifestOf,
  packageScratch,
  upload,
  type UploadAnswer,
} from './userspacePackages.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** packageIntake.ts's MAX_PACKAGE_BYTES: the largest package file taken in. */
const MAX_PACKAGE_BYTES = 256 * MiB;

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

/**
 * What is under the data dir's `userspace/`: uploads and downloads in `incoming/`, extractions
 * in `code/.staging/`, and the code and kept packages of app `id` (of every app without one).
 */
function leftovers(dataDir: string, id?: string): string[] {
  const root = path.join(dataDir, 'userspace');
  const under = (dir: string) => fs.readdirSync(path.join(root, dir)).map((n) => `${dir}/${n}`);
  const staging = fs.existsSync(path.join(root, 'code/.staging')) ? under('code/.staging') : [];
  const apps = [...under('code'), ...under('packages')].filter(
    (p) => p !== 'code/.staging' && (id === undefined || p.endsWith(`/${id}`)),
  );
  return [...under('incoming'), ...staging, ...apps];
}

describe('userspace intake: package URLs', () => {
  const GOOD = 'packages.intake.test';
  const hostsName = `pdk-ssrf-${randomBytes(6).toString('hex')}.test`;
  const hostsLine = `127.0.0.1 ${hostsName}`;
  const cert = selfSignedCertificate(GOOD);
  const dataDir = tempDataDir();
  const key = generateAppKey();
  const redirected = generateAppKey();
  const served = new Map<string, Buffer>();
  const requests: string[] = [];
  let server: https.Server;
  let trap: Awaited<ReturnType<typeof connectionTrap>>;
  let d: TestDaemon;

  before(async () => {
    served.set('/app.paddockapp', (await makePackage({ key, version: 1 })).bytes);
    served.set('/other.paddockapp', (await makePackage({ key: redirected, version: 1 })).bytes);
    server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      requests.push(req.url ?? '');
      const url = new URL(req.url ?? '/', `https://${GOOD}`);
      const to = url.searchParams.get('to');
      const body = served.get(url.pathname);
      if (to !== null) res.writeHead(302, { location: to }).end();
      else if (body) res.writeHead(200, { 'content-length': body.length }).end(body);
      else res.writeHead(404).end();
    });
    const port = await listen(server, '127.0.0.1', 0);
    trap = await connectionTrap();
    addHostsLine(hostsLine);
    d = await startDaemon({
      dataDir,
      env: {
        PADDOCK_EGRESS_RESOLVE: `${GOOD}=127.0.0.1:${port}`,
        PADDOCK_EGRESS_UPSTREAM_CA: cert.certFile,
      },
    });
  });

  after(async () => {
    removeHostsLine(hostsLine);
    await d?.stop();
    await destroyEverything(dataDir);
    server?.closeAllConnections();
    server?.close();
    trap?.close();
    cert.remove();
  });

  const install = (sourceUrl: string) =>
    d.api<UploadAnswer & { error: { message: string } }>('POST', '/v1/userspace-apps', {
      source_url: sourceUrl,
    });

  /**
   * Each URL, and why it is refused (the end of the refusal's message). Every loopback case
   * names the trap's port, so a connection made in spite of the refusal would be counted;
   * 169.254.169.254 and 10.1.2.3 are refused by address before any connection (checkedTarget
   * returns or throws before `get` runs), and http before any lookup.
   */
  const refusedUrls = (): [string, RegExp][] => [
    [`https://localhost:${trap.port}/x`, /localhost resolves to a non-public address$/],
    [`https://[::1]:${trap.port}/x`, /::1 is a non-public address$/],
    [`https://[::ffff:127.0.0.1]:${trap.port}/x`, /::ffff:7f00:1 is a non-public address$/],
    ['https://169.254.169.254/x', /169\.254\.169\.254 is a metadata$/],
    ['https://10.1.2.3/x', /10\.1\.2\.3 is a non-public address$/],
    [`https://2130706433:${trap.port}/x`, /127\.0\.0\.1 is a non-public address$/],
    [`https://0x7f.1:${trap.port}/x`, /127\.0\.0\.1 is a non-public address$/],
    ['http://example.test/x', /only https URLs are fetched$/],
    [`https://${hostsName}:${trap.port}/x`, /resolves to a non-public address$/],
  ];

  it('maps the test name in /etc/hosts to loopback, as the daemon will see it', async () => {
    const found = await dns.lookup(hostsName, { all: true });
    assert.deepEqual(
      found.map((a) => a.address),
      ['127.0.0.1'],
    );
  });

  it('refuses every URL that names the host or its networks, before connecting', async () => {
    for (const [url, why] of refusedUrls()) {
      const res = await install(url);
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'package_url_refused', url);
      assert.match(res.body.error.message, why, url);
    }
    assert.equal(trap.connections(), 0, 'nothing connected to a refused URL');
    assert.deepEqual(requests, [], 'nor to the good server');
    const list = await d.api<{ items: UserspaceApp[] }>('GET', '/v1/userspace-apps');
    assert.deepEqual(list.body.items, []);
    assert.deepEqual(leftovers(dataDir), []);
  });

  it('refuses each of them behind a redirect from a good server, checked before following', async () => {
    for (const [target, why] of refusedUrls()) {
      const before = requests.length;
      const res = await install(`https://${GOOD}/?to=${encodeURIComponent(target)}`);
      assert.equal(res.status, 400, `${target}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'package_url_refused', target);
      assert.match(res.body.error.message, why, target);
      assert.equal(requests.length, before + 1, `${target}: one request, to the good server`);
    }
    assert.equal(trap.connections(), 0, 'no redirect was followed to the host');
    const list = await d.api<{ items: UserspaceApp[] }>('GET', '/v1/userspace-apps');
    assert.deepEqual(list.body.items, []);
    assert.deepEqual(leftovers(dataDir), []);
  });

  it('installs from a good https URL, and records where a redirect led', async () => {
    const url = `https://${GOOD}/app.paddockapp`;
    const res = await install(url);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const result = res.body as InstallResult;
    assert.equal(result.outcome, 'installed');
    assert.equal(result.app.id, key.appId);
    assert.deepEqual(result.app.source, { kind: 'url', url });
    const code = path.join(dataDir, 'userspace', 'code', key.appId, 'current', 'index.html');
    assert.equal(fs.readFileSync(code, 'utf8'), '<h1>v1</h1>');

    const via = `https://${GOOD}/?to=${encodeURIComponent('/other.paddockapp')}`;
    const moved = await install(via);
    assert.equal(moved.status, 201, JSON.stringify(moved.body));
    assert.deepEqual(moved.body.app.source, {
      kind: 'url',
      url: via,
      fetched_from: `https://${GOOD}/other.paddockapp`,
    });
    assert.equal(trap.connections(), 0);
    assert.deepEqual(
      fs.readdirSync(path.join(dataDir, 'userspace', 'incoming')),
      [],
      'the downloads were moved into the kept packages',
    );
  });
});

describe('userspace intake: bombs and oversized uploads', () => {
  const d = suiteDaemon();
  let zeros: Buffer;

  before(async () => {
    zeros = await zerosDeflated(GiB);
  });

  /** Posts `bytes` raw; the answer, the data dir's peak size meanwhile, and the daemon's RSS. */
  async function refusedBody(bytes: Buffer, id: string) {
    const { peak, result } = await peakBytesWhile(d.dataDir, () => upload(d.url, d.token, bytes));
    assert.equal(result.status, 413, JSON.stringify(result.body));
    assert.deepEqual(leftovers(d.dataDir, id), [], 'nothing received, extracted or kept');
    assert.equal((await d.api('GET', `/v1/userspace-apps/${id}`)).status, 404);
    assert.ok(peak < 64 * MiB, `the data dir peaked at ${peak} bytes`);
    assert.ok(peakRss(d.proc.pid!) < 512 * MiB, `the daemon peaked at ${peakRss(d.proc.pid!)}`);
    return result.body.error as { code: string; message: string };
  }

  it('refuses a 1 GiB ratio bomb that declares its size, from its central directory', async () => {
    assert.ok(zeros.length < 2 * MiB, `1 GiB of zeros deflated to ${zeros.length} bytes`);
    const key = generateAppKey();
    const manifest = JSON.stringify(manifestOf({ key, version: 1 }));
    const error = await refusedBody(bombPackage(manifest, zeros, GiB), key.appId);
    assert.ok(['package_bomb', 'package_too_large'].includes(error.code), error.code);
  });

  it('refuses the same bomb whose central directory says it is small, as it inflates', async () => {
    for (const declared of [1000, 60 * MiB]) {
      const key = generateAppKey();
      const manifest = JSON.stringify(manifestOf({ key, version: 1 }));
      const error = await refusedBody(bombPackage(manifest, zeros, declared), key.appId);
      assert.equal(error.code, 'package_bomb', `declared ${declared}`);
      assert.match(error.message, /more bytes than the entry declares/);
    }
    assert.ok(treeBytes(d.dataDir) < 64 * MiB);
  });

  it('refuses a raw upload over the size cap as it streams, keeping none of it', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const type = 'application/vnd.paddock.app';
    const { peak, result } = await peakBytesWhile(d.dataDir, () =>
      streamPost(agent, d.url, d.token, type, { bytes: MAX_PACKAGE_BYTES + MiB }),
    );
    assert.equal(result.status, 413, JSON.stringify(result.body));
    assert.equal(result.body.error.code, 'package_too_large');
    assert.deepEqual(leftovers(d.dataDir), []);
    assert.ok(peak < MAX_PACKAGE_BYTES + 32 * MiB, `the data dir peaked at ${peak} bytes`);
    // The rest of the body was read: the connection carries the next request.
    assert.deepEqual(await getThrough(agent, `${d.url}/readyz`), { status: 200, reused: true });
    agent.destroy();
  });

  it('refuses a multipart upload over the size cap, keeping none of it', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const boundary = `pdk${randomBytes(8).toString('hex')}`;
    const type = `multipart/form-data; boundary=${boundary}`;
    const result = await streamPost(agent, d.url, d.token, type, {
      head:
        `--${boundary}\r\ncontent-disposition: form-data; name="package"; ` +
        `filename="big.paddockapp"\r\ncontent-type: application/octet-stream\r\n\r\n`,
      bytes: MAX_PACKAGE_BYTES + MiB,
      tail: `\r\n--${boundary}--\r\n`,
    });
    assert.equal(result.status, 413, JSON.stringify(result.body));
    assert.equal(result.body.error.code, 'package_too_large');
    assert.deepEqual(leftovers(d.dataDir), [], 'the part written up to the cap is gone');
    assert.deepEqual(await getThrough(agent, `${d.url}/readyz`), { status: 200, reused: true });
    agent.destroy();
  });

  it('still installs a good package after all that', async () => {
    const key = generateAppKey();
    const res = await upload(d.url, d.token, (await makePackage({ key, version: 1 })).bytes);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(leftovers(d.dataDir), [`code/${key.appId}`, `packages/${key.appId}`]);
  });
});
