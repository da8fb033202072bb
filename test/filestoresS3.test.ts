// Filestores on an S3-compatible backend (the s3rver emulator, on loopback): an admin adds the
// backend with a key pair that is sealed and never returned; files stream through the daemon
// both ways with bounded memory; a sandbox sees the store as files (a copy synced at start, at
// stop and on asking) and never holds the credential.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { ExecResult, Filestore, FilestoreFile } from '@paddock/shared';
import { patternedBytes } from '../packages/filestores/test/patternedBytes.js';
import { startS3Emulator, type S3Emulator } from '../packages/filestores/test/s3Emulator.js';
import { suiteDaemon } from './harness.js';

const MB = 1024 * 1024;

/** The daemon's resident memory, from /proc (the test's own memory is not the daemon's). */
function rssOf(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

describe('filestores on an S3 backend (s3rver emulator)', () => {
  const d = suiteDaemon();
  let s3: S3Emulator;
  let store: Filestore;

  const exec = async (sb: string, command: string): Promise<ExecResult> => {
    const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, { command });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    s3 = await startS3Emulator();
    const backend = await d.api<Record<string, unknown>>('POST', '/v1/filestore-backends', {
      name: 'lake',
      kind: 's3',
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      prefix: 'paddock',
      force_path_style: true,
      access_key_id: s3.credentials.accessKeyId,
      secret_access_key: s3.credentials.secretAccessKey,
    });
    assert.equal(backend.status, 201, JSON.stringify(backend.body));
    const made = await d.api<Filestore>('POST', '/v1/filestores', {
      name: 'lake',
      backend: 'lake',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    store = made.body;
  });
  after(async () => {
    await s3?.close();
  });

  it('never returns the key pair, and keeps it sealed at rest', async () => {
    const list = await d.api<{ items: Record<string, unknown>[] }>('GET', '/v1/filestore-backends');
    const text = JSON.stringify(list.body);
    assert.match(text, /"lake"/);
    assert.ok(!text.includes(s3.credentials.secretAccessKey));
    assert.ok(!text.includes(s3.credentials.accessKeyId));
    const state = path.join(d.dataDir, 'state');
    for (const name of fs.readdirSync(state)) {
      const file = path.join(state, name);
      if (!fs.statSync(file).isFile()) continue;
      const bytes = fs.readFileSync(file);
      assert.ok(!bytes.includes(s3.credentials.secretAccessKey), `${name} holds the secret key`);
    }
    const again = await d.api<{ error: { code: string } }>('POST', '/v1/filestore-backends', {
      name: 'local',
      kind: 's3',
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      access_key_id: 'a',
      secret_access_key: 'b',
    });
    assert.equal(again.status, 409);
  });

  it('streams a 256 MB object in and out with memory well below its size', async () => {
    const size = 256 * MB;
    const pid = d.proc.pid!;
    const url = `${d.url}/v1/filestores/${store.id}/files?path=big.bin`;
    const auth = { authorization: `Bearer ${d.token}` };
    const rssBefore = rssOf(pid);
    let peak = rssBefore;
    const sample = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
    try {
      const put = await fetch(url, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(patternedBytes(size)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      assert.equal(put.status, 200, await put.clone().text());
      assert.equal(((await put.json()) as FilestoreFile).size, size);
      const got = await fetch(url, { headers: auth });
      assert.equal(got.status, 200);
      let n = 0;
      for await (const chunk of got.body as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
      assert.equal(n, size);
    } finally {
      clearInterval(sample);
      // Later tests list the store: leave it as it was, whatever happened here.
      await fetch(url, { method: 'DELETE', headers: auth });
    }
    // A daemon that held the object (either way) would grow by at least its size. Streaming, it
    // grows by what the collector lets pile up before it runs (measured: ~100 MB, the same at
    // 100 MB and 256 MB objects), so the bound sits between the two.
    const growth = peak - rssBefore;
    assert.ok(
      growth < 160 * MB,
      `a 256 MB transfer grew the daemon by ${Math.round(growth / MB)} MB`,
    );
  });

  it('shows the store to a sandbox as files, sends its writes home at a sync and at stop, and gives it no credential', async () => {
    const put = await fetch(`${d.url}/v1/filestores/${store.id}/files?path=in/seed.txt`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: 'seeded\n',
    });
    assert.equal(put.status, 200);
    const res = await d.api<{ id: string }>('POST', '/v1/sandboxes', {
      filestores: [{ filestore: 'lake', path: '/data/lake', mode: 'rw' }],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sb = res.body.id;
    assert.equal((await exec(sb, 'cat /data/lake/in/seed.txt')).stdout, 'seeded\n');

    // Nothing inside names the bucket's keys: not the environment, not /run, not the copy.
    const look = await exec(
      sb,
      'cat /proc/self/environ /run/paddock/* 2>/dev/null | tr "\\0" "\\n"; ls -la /data/lake',
    );
    assert.ok(!look.stdout.includes(s3.credentials.secretAccessKey));
    assert.ok(!look.stdout.includes(s3.credentials.accessKeyId));

    assert.equal(
      (await exec(sb, 'echo one > /data/lake/out.txt && rm /data/lake/in/seed.txt')).exit_code,
      0,
    );
    const synced = await d.api<{ items: { uploaded: number; deleted: number }[] }>(
      'POST',
      `/v1/sandboxes/${sb}/filestores/sync`,
    );
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    assert.deepEqual(
      synced.body.items.map((i) => [i.uploaded, i.deleted]),
      [[1, 1]],
    );
    const listed = await d.api<{ items: FilestoreFile[] }>(
      'GET',
      `/v1/filestores/${store.id}/files/list`,
    );
    assert.deepEqual(
      listed.body.items.map((f) => f.path),
      ['out.txt'],
    );

    assert.equal((await exec(sb, 'echo two > /data/lake/out.txt')).exit_code, 0);
    assert.equal((await d.api('POST', `/v1/sandboxes/${sb}/stop`, {})).status, 200);
    const text = await fetch(`${d.url}/v1/filestores/${store.id}/files?path=out.txt`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(await text.text(), 'two\n');
    // The copy went with the boot.
    const copies = path.join(d.dataDir, 'filestores', 'copies');
    assert.deepEqual(fs.existsSync(copies) ? fs.readdirSync(copies) : [], []);
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${sb}`)).status, 204);
  });

  it('mounts an S3 store read-only: the kernel refuses writes to the copy', async () => {
    const res = await d.api<{ id: string }>('POST', '/v1/sandboxes', {
      filestores: [{ filestore: store.id, path: '/data/ro', mode: 'ro' }],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const r = await exec(res.body.id, 'cat /data/ro/out.txt && echo x > /data/ro/new.txt');
    assert.equal(r.stdout, 'two\n');
    assert.notEqual(r.exit_code, 0);
    assert.match(r.stderr, /read-only/i);
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${res.body.id}`)).status, 204);
  });
});
