/**
 * Userspace packages fuzzed through the daemon's install route (issue 20): a real signed
 * package with bytes changed, and zips written byte by byte (zip slip, an absolute name, a
 * symlink, two entries over the same bytes, a ratio bomb, a central directory that lies about
 * its count). Each is answered with a 4xx `package_*` code (or installed, when a change
 * touched nothing that matters), on one kept-alive connection that keeps carrying the next
 * upload; nothing is left in the intake or staging dirs; a canary the names aim at stays empty.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { rawZip, zerosDeflated, type RawEntry } from '../packages/app-package/test/zipCorpus.js';
import { suiteDaemon } from './harness.js';
import { generateAppKey, makePackage, manifestOf, type UploadAnswer } from './userspacePackages.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

describe('userspace packages through the install route', () => {
  const d = suiteDaemon();
  const canary = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-canary-'));
  // One connection for every upload: a refusal that left it mid-request would hang the next.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const key = generateAppKey();
  let real: Buffer;
  const outcomes = new Map<string, number>();

  before(async () => {
    real = (await makePackage({ key, version: 1, files: { 'index.html': '<h1>hi</h1>' } })).bytes;
  });
  after(() => {
    agent.destroy();
    fs.rmSync(canary, { recursive: true, force: true });
  });

  function upload(bytes: Buffer): Promise<{ status: number; body: UploadAnswer }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${d.url}/v1/userspace-apps`,
        {
          method: 'POST',
          agent,
          timeout: 60_000,
          headers: {
            authorization: `Bearer ${d.token}`,
            'content-type': 'application/vnd.paddock.app',
            'content-length': bytes.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString()) as UploadAnswer,
            }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer in time')));
      req.on('error', reject);
      req.end(bytes);
    });
  }

  /** The intake and staging dirs are empty; only installed apps have code and kept packages. */
  function assertNoLeftovers(): void {
    const root = path.join(d.dataDir, 'userspace');
    assert.deepEqual(fs.readdirSync(path.join(root, 'incoming')), [], 'no upload is left');
    const staging = path.join(root, 'code', '.staging');
    if (fs.existsSync(staging)) assert.deepEqual(fs.readdirSync(staging), [], 'no staging left');
    for (const dir of ['code', 'packages']) {
      for (const name of fs.readdirSync(path.join(root, dir))) {
        assert.ok(name === '.staging' || name === key.appId, `${dir}/${name} is left`);
      }
    }
    assert.deepEqual(fs.readdirSync(canary), [], 'nothing where the names aimed');
  }

  /** A 4xx package_* refusal, or an install (removed again); never a 5xx. */
  async function assertHandled(label: string, bytes: Buffer): Promise<string> {
    const res = await upload(bytes);
    const outcome = res.body.error?.code ?? String(res.status);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (res.status === 201) {
      // Purged, not trashed: a trashed app refuses the next install of it as a conflict.
      const gone = await d.api('DELETE', `/v1/userspace-apps/${key.appId}?purge=true&confirm=true`);
      assert.ok(gone.status < 300, `purge: ${gone.status} ${JSON.stringify(gone.body)}`);
    } else {
      assert.ok(res.status >= 400 && res.status < 500, `${label}: ${JSON.stringify(res.body)}`);
      assert.match(outcome, /^package_|^bad_request$/, label);
    }
    assertNoLeftovers();
    return outcome;
  }

  it('answers a real package with bytes changed with a 4xx, or installs it', async () => {
    assert.equal(await assertHandled('as made', real), '201');
    const mutation = fc.oneof(
      fc.record({
        flip: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ cut: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const data = Buffer.from(real);
        if ('flip' in m) for (const at of m.flip) data[at % data.length] = m.byte;
        await assertHandled(
          JSON.stringify(m),
          'cut' in m ? data.subarray(0, m.cut % data.length) : data,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses hostile zips with their codes, and keeps serving', async () => {
    const manifest: RawEntry = {
      name: 'paddock-app.json',
      data: Buffer.from(JSON.stringify(manifestOf({ key, version: 1 }))),
    };
    const x = Buffer.from('x');
    const page: RawEntry = { name: 'index.html', data: x };
    const lying = rawZip([manifest, page]);
    lying.writeUInt16LE(0xffff, lying.length - 14);
    lying.writeUInt16LE(0xffff, lying.length - 12);
    const cases: [string, Buffer, string][] = [
      [
        'zip slip',
        rawZip([manifest, page, { name: `../../../../../..${canary}/x`, data: x }]),
        'package_unsafe_path',
      ],
      [
        'absolute',
        rawZip([manifest, page, { name: `${canary}/x`, data: x }]),
        'package_unsafe_path',
      ],
      [
        'a symlink',
        rawZip([manifest, page, { name: 'l', data: Buffer.from(canary), mode: 0o120777 }]),
        'package_special_entry',
      ],
      [
        'two entries over the same bytes',
        rawZip([manifest, page, { name: 'b.html', data: x, sameDataAs: 1 }]),
        'package_bomb',
      ],
      [
        'a ratio bomb',
        rawZip([
          manifest,
          page,
          {
            name: 'zeros',
            data: await zerosDeflated(32 * 1024 * 1024),
            method: 8,
            size: 32 * 1024 * 1024,
          },
        ]),
        'package_bomb',
      ],
      ['a central directory claiming 65,535 entries', lying, 'package_too_large'],
      ['not a zip', Buffer.from('PK\u0003\u0004 and nothing else'), 'package_invalid'],
    ];
    const got: [string, string][] = [];
    for (const [label, bytes] of cases) got.push([label, await assertHandled(label, bytes)]);
    assert.deepEqual(
      got,
      cases.map(([label, , code]) => [label, code]),
    );
    assert.equal((await fetch(`${d.url}/readyz`)).status, 200);
    process.stdout.write(`# outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
  });
});
