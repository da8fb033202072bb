/**
 * App files streamed over HTTP (`GET`/`PUT /v1/broker/files`): the same caller, capability and
 * quota checks as `/v1/broker/call`, without base64 or the 8 MiB a call carries. Bytes go aside
 * as they come and replace the file in one step, so a refused or broken upload changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BROKER_LIMITS, APP_SESSION_HEADER, type AppDataUsage } from '@paddock/shared';
import { suiteDaemon } from './harness.js';
import { brokerCall, TestWindows } from './brokerClient.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

const MiB = 1024 * 1024;

/** `size` bytes of a pattern that differs at every offset, made a chunk at a time. */
function patternStream(size: number, seed = 7): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(256 * 1024, size - sent);
      controller.enqueue(patternBytes(sent, n, seed));
      sent += n;
    },
  });
}

function patternBytes(offset: number, n: number, seed = 7): Uint8Array {
  const chunk = new Uint8Array(n);
  for (let i = 0; i < n; i++) chunk[i] = ((offset + i) * 31 + seed + ((offset + i) >> 12)) & 0xff;
  return chunk;
}

async function sha256Of(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

describe('app files streamed over HTTP', () => {
  const d = suiteDaemon();
  const windows = new TestWindows(d);
  const a = generateAppKey();
  const b = generateAppKey();
  const sessions = new Map<string, string>();

  const install = async (key: typeof a, permissions: string[]) => {
    const res = await upload(
      d.url,
      d.token,
      (await makePackage({ key, version: 1, permissions })).bytes,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    sessions.set(key.appId, await windows.open(key.appId, 1));
  };
  const fileUrl = (filePath: string, mime?: string) => {
    const url = new URL('/v1/broker/files', d.url);
    url.searchParams.set('path', filePath);
    if (mime) url.searchParams.set('mime', mime);
    return url;
  };
  const headersOf = (key: typeof a | null, more: Record<string, string> = {}) => ({
    authorization: `Bearer ${d.token}`,
    ...(key ? { [APP_SESSION_HEADER]: sessions.get(key.appId)! } : {}),
    ...more,
  });
  const put = (
    key: typeof a | null,
    filePath: string,
    body: ReadableStream<Uint8Array> | Uint8Array,
    opts: { mime?: string; signal?: AbortSignal } = {},
  ) =>
    fetch(fileUrl(filePath, opts.mime), {
      method: 'PUT',
      headers: headersOf(key, { 'content-type': 'application/octet-stream' }),
      body,
      duplex: 'half',
      ...(opts.signal ? { signal: opts.signal } : {}),
    } as RequestInit);
  const get = (key: typeof a | null, filePath: string, range?: string) =>
    fetch(fileUrl(filePath), { headers: headersOf(key, range ? { range } : {}) });
  const usage = async (key: typeof a) =>
    (await d.api<AppDataUsage>('GET', `/v1/userspace-apps/${key.appId}/usage`)).body;
  const stagingOf = (key: typeof a) =>
    path.join(d.dataDir, 'userspace', 'data', key.appId, 'staging');
  const staged = (key: typeof a) =>
    fs.existsSync(stagingOf(key)) ? fs.readdirSync(stagingOf(key)) : [];

  before(async () => {
    await install(a, ['app.files']);
    await install(b, ['app.files']);
  });

  it('writes a file larger than one call from a stream, and reads it back whole and in ranges', async () => {
    const size = 3 * BROKER_LIMITS.fileBytes + 12345;
    const res = await put(a, 'media/clip.mp4', patternStream(size));
    assert.equal(res.status, 200, await res.clone().text());
    const stored = (await res.json()) as { path: string; size: number; mime: string };
    assert.equal(stored.size, size);
    assert.equal(stored.path, 'media/clip.mp4');
    assert.equal(stored.mime, 'video/mp4', 'the extension names the type');

    const whole = await get(a, 'media/clip.mp4');
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-length'), String(size));
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    // Bytes an app wrote are never a page on the API's origin.
    assert.equal(whole.headers.get('content-disposition'), 'attachment');
    assert.match(whole.headers.get('content-security-policy') ?? '', /^sandbox/);
    assert.equal(whole.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await sha256Of(whole.body!), await sha256Of(patternStream(size)));

    const part = await get(a, 'media/clip.mp4', 'bytes=9000000-9000099');
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 9000000-9000099/${size}`);
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), patternBytes(9_000_000, 100));
    const tail = await get(a, 'media/clip.mp4', 'bytes=-10');
    assert.equal(tail.status, 206);
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), patternBytes(size - 10, 10));
    const outside = await get(a, 'media/clip.mp4', `bytes=${size}-`);
    assert.equal(outside.status, 416);
    assert.equal(outside.headers.get('content-range'), `bytes */${size}`);
    assert.equal(
      ((await outside.json()) as { error: { code: string } }).error.code,
      'range_not_satisfiable',
    );

    // The index and the quota know it as any other file.
    const listed = await brokerCall(
      d.url,
      { token: d.token, session: sessions.get(a.appId)! },
      'app.files.list',
      { prefix: 'media/' },
    );
    assert.deepEqual(
      (listed.body.result as { items: { path: string; size: number }[] }).items.map((f) => [
        f.path,
        f.size,
      ]),
      [['media/clip.mp4', size]],
    );
    assert.ok((await usage(a)).files_bytes >= size);
    // One call carries at most 8 MiB: a larger file is read streamed, and the call says so.
    const tooBig = await brokerCall(
      d.url,
      { token: d.token, session: sessions.get(a.appId)! },
      'app.files.read',
      { path: 'media/clip.mp4' },
    );
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error?.code, 'payload_too_large');
    assert.equal(staged(a).length, 0, 'nothing is left aside');
  });

  it('names the type it is given, and a streamed file is read by the call too', async () => {
    const text = new TextEncoder().encode('{"hello":"world"}');
    const res = await put(a, 'notes/data.bin', text, { mime: 'application/json' });
    assert.equal(res.status, 200, await res.clone().text());
    const read = await brokerCall(
      d.url,
      { token: d.token, session: sessions.get(a.appId)! },
      'app.files.read',
      { path: 'notes/data.bin' },
    );
    assert.deepEqual(read.body.result, {
      content_base64: Buffer.from(text).toString('base64'),
      mime: 'application/json',
      size: text.length,
    });
    const bad = await put(a, 'notes/x.bin', text, { mime: 'not a type' });
    assert.equal(bad.status, 400);
    const escape = await put(a, '../outside.bin', text);
    assert.equal(escape.status, 400);
  });

  it('keeps apps apart, and refuses a tier without app.files or a call that speaks for none', async () => {
    ok(await put(b, 'media/clip.mp4', new TextEncoder().encode('b')));
    const mine = await get(b, 'media/clip.mp4');
    assert.equal(await mine.text(), 'b', "b's file of the same path is b's own");
    assert.equal((await get(b, 'notes/data.bin')).status, 404, "b cannot read a's file");

    // The admin forbids files to the tier: the streamed routes refuse as the call does.
    const set = await d.api('PATCH', '/v1/settings', {
      userspace_forbidden_capabilities: { 'user-uploaded': ['app.files'] },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    try {
      const refused = await get(b, 'media/clip.mp4');
      assert.equal(refused.status, 403);
      const body = (await refused.json()) as { error: { code: string; details: unknown } };
      assert.equal(body.error.code, 'capability_required');
      assert.deepEqual(body.error.details, {
        capability: 'app.files',
        method: 'app.files.read',
        grantable: false,
      });
      assert.equal((await put(b, 'x.bin', new Uint8Array(10))).status, 403);
    } finally {
      await d.api('PATCH', '/v1/settings', { userspace_forbidden_capabilities: {} });
    }
    assert.equal(await (await get(b, 'media/clip.mp4')).text(), 'b');

    assert.equal((await get(null, 'media/clip.mp4')).status, 403, 'a person is not an app');
    const nobody = await fetch(fileUrl('media/clip.mp4'));
    assert.equal(nobody.status, 401);
  });

  it('stops an upload that cannot fit the quota: the old file and the usage stay as they were', async () => {
    ok(await put(a, 'quota/keep.txt', new TextEncoder().encode('the old content')));
    const before = await usage(a);
    const set = await d.api('PATCH', '/v1/settings', {
      userspace_data_quota_bytes: before.used_bytes + 64 * 1024,
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    try {
      const res = await put(a, 'quota/keep.txt', patternStream(20 * MiB));
      assert.equal(res.status, 413);
      const body = (await res.json()) as {
        error: { code: string; details: { quota_bytes: number; needed_bytes: number } };
      };
      assert.equal(body.error.code, 'quota_exceeded');
      assert.ok(body.error.details.needed_bytes > 64 * 1024);
      assert.equal(await (await get(a, 'quota/keep.txt')).text(), 'the old content');
      assert.equal((await usage(a)).used_bytes, before.used_bytes);
      assert.equal(staged(a).length, 0, 'the refused bytes are not left aside');
    } finally {
      await d.api('PATCH', '/v1/settings', { userspace_data_quota_bytes: 100 * MiB });
    }
  });

  it('a broken upload leaves the old file as it was and nothing aside', async () => {
    ok(await put(a, 'broken/file.bin', new TextEncoder().encode('whole')));
    // Half an upload, then the client's connection goes away: the socket itself, so what the
    // daemon sees does not depend on how a fetch implementation handles an abort.
    const url = fileUrl('broken/file.bin');
    const req = http.request(url, {
      method: 'PUT',
      headers: headersOf(a, { 'content-type': 'application/octet-stream' }),
    });
    req.on('error', () => undefined);
    for (let sent = 0; sent < 4 * MiB; sent += 256 * 1024) {
      if (!req.write(patternBytes(sent, 256 * 1024))) {
        await new Promise((resolve) => req.once('drain', resolve));
      }
    }
    // The daemon is writing it aside by now.
    for (let i = 0; i < 300 && staged(a).length === 0; i++) await sleep(100);
    assert.equal(staged(a).length, 1);
    req.destroy();
    for (let i = 0; i < 300 && staged(a).length > 0; i++) await sleep(100);
    assert.equal(staged(a).length, 0);
    assert.equal(await (await get(a, 'broken/file.bin')).text(), 'whole');
  });

  it('audits a streamed write like any other broker write', async () => {
    ok(await put(a, 'audited.txt', new TextEncoder().encode('x')));
    const audit = await d.api<{
      items: { action: string; outcome: string; details: { method?: string } }[];
    }>('GET', `/v1/audit?action=broker.call&limit=200`);
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    assert.ok(
      audit.body.items.some((e) => e.details.method === 'app.files.write' && e.outcome === 'ok'),
    );
  });
});

async function ok(res: Response): Promise<void> {
  assert.equal(res.status, 200, await res.clone().text());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
