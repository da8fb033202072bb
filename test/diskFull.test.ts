// A full data disk (issue 20): the data dir lives on a small loop-mounted ext4 of the test's own,
// and a filler file takes every free block. Writes to each store on that disk (filestore files,
// the SQLite database and its WAL, the snapshot store) answer 507 `insufficient_storage`, never
// 500; what was stored before reads back intact; nothing acknowledged is lost and nothing
// refused shows up; and the same writes succeed, without a restart, once space returns.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import type { Filestore } from '@paddock/shared';
import { TEMP_PREFIX } from '../packages/filestores/src/confinedTree.js';
import { destroyEverything, startDaemon, type TestDaemon } from './harness.js';
import { waitFor } from './previewClient.js';

const MB = 1024 * 1024;

interface ErrorBody {
  error: { code: string; message: string };
}

/** A tar holding one file of `size` bytes: a snapshot import that needs room in the store. */
async function tarWith(size: number): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'big.bin', type: 'file', mode: 0o644 }, crypto.randomBytes(size));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Takes every free block of the filesystem `dir` is on: 1 MiB writes, then 4 KiB ones. */
function fillDisk(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const chunk of [Buffer.alloc(MB, 1), Buffer.alloc(4096, 1)]) {
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
    fs.fsyncSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

describe('a full data disk', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-full-'));
  const image = path.join(base, 'disk.img');
  const mnt = path.join(base, 'mnt');
  const dataDir = path.join(mnt, 'data');
  const filler = path.join(mnt, 'filler');
  let d: TestDaemon;
  let store: Filestore;
  let kept: Buffer;

  const putFile = async (name: string, bytes: Buffer) => {
    const res = await fetch(`${d.url}/v1/filestores/${store.id}/files?path=${name}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    return { status: res.status, body: (await res.json()) as ErrorBody };
  };
  const getFile = async (name: string) => {
    const res = await fetch(`${d.url}/v1/filestores/${store.id}/files?path=${name}`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const importSnapshot = async (name: string, archive: Buffer) => {
    const res = await fetch(`${d.url}/v1/snapshots/import?name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/x-tar' },
      body: archive,
    });
    return { status: res.status, body: (await res.json()) as ErrorBody & { id: string } };
  };
  const keyNames = async (): Promise<string[]> => {
    const res = await d.api<{ items: { name: string }[] }>('GET', '/v1/api-keys');
    assert.equal(res.status, 200);
    return res.body.items.map((k) => k.name);
  };

  before(async () => {
    fs.mkdirSync(mnt);
    execFileSync('truncate', ['-s', '160M', image]);
    // No blocks reserved for root: the daemon runs as root and would write into them.
    execFileSync('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
    execFileSync('mount', ['-o', 'loop', image, mnt]);
    fs.mkdirSync(dataDir, { mode: 0o700 });
    d = await startDaemon({ dataDir });
    store = (await d.api<Filestore>('POST', '/v1/filestores', { name: 'kept' })).body;
    kept = crypto.randomBytes(MB);
    assert.equal((await putFile('kept.bin', kept)).status, 200);
  });

  after(async () => {
    await d?.stop();
    fs.rmSync(filler, { force: true });
    await destroyEverything(dataDir);
    // The loop device goes with the mount (util-linux sets autoclear on `mount -o loop`).
    execFileSync('umount', [mnt]);
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('refuses writes with insufficient_storage, keeps what it stored, and writes again once space returns', async () => {
    const acknowledged: string[] = [];
    const refused: string[] = [];
    fillDisk(filler);

    const fullSince = new Date().toISOString();
    // A filestore file: refused whole, the old file intact, no temp file left behind.
    const put = await putFile('new.bin', crypto.randomBytes(2 * MB));
    assert.equal(put.status, 507, JSON.stringify(put.body));
    assert.equal(put.body.error.code, 'insufficient_storage');
    const stored = await getFile('kept.bin');
    assert.equal(stored.status, 200);
    assert.ok(stored.bytes.equals(kept), 'the file stored before the disk filled reads back');
    assert.equal((await getFile('new.bin')).status, 404);
    const storeDir = path.join(dataDir, 'filestores', 'local');
    const leftovers = execFileSync('find', [storeDir, '-name', `${TEMP_PREFIX}*`], {
      encoding: 'utf8',
    });
    assert.equal(leftovers, '', 'a refused write leaves no temp file');

    // The snapshot store.
    const archive = await tarWith(2 * MB);
    const imported = await importSnapshot('while-full', archive);
    assert.equal(imported.status, 507, JSON.stringify(imported.body));
    assert.equal(imported.body.error.code, 'insufficient_storage');

    // The database: rows until the WAL can grow no more. Every answer is a 201 or a 507.
    for (let i = 0; i < 3000 && refused.length === 0; i++) {
      const name = `key-${i}`;
      const res = await d.api<ErrorBody>('POST', '/v1/api-keys', { name, role: 'user' });
      if (res.status === 201) acknowledged.push(name);
      else {
        assert.equal(res.status, 507, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'insufficient_storage');
        refused.push(name);
      }
    }
    assert.equal(refused.length, 1, 'the database ran out of room');
    assert.equal((await fetch(`${d.url}/readyz`)).status, 200, 'the daemon still serves');

    // Space returns: the same writes succeed, with no restart.
    fs.rmSync(filler);
    assert.equal((await putFile('new.bin', crypto.randomBytes(2 * MB))).status, 200);
    const again = await importSnapshot('after-full', archive);
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const more = await d.api('POST', '/v1/api-keys', { name: 'after-full', role: 'user' });
    assert.equal(more.status, 201, JSON.stringify(more.body));

    const names = new Set(await keyNames());
    for (const name of acknowledged) assert.ok(names.has(name), `${name} was acknowledged`);
    assert.ok(!names.has(refused[0]!), 'a refused write is not half made');
    assert.ok(names.has('after-full'));
    assert.ok((await getFile('kept.bin')).bytes.equals(kept));

    // The audit entries the full disk refused were held, and are written now.
    const held = await waitFor('the held audit entries', async () => {
      const res = await d.api<{ items: { action: string; outcome: string }[] }>(
        'GET',
        `/v1/audit?action=filestore.*&since=${encodeURIComponent(fullSince)}&limit=200`,
      );
      const ops = res.body.items.map((e) => `${e.action}:${e.outcome}`);
      // Both happened only while the disk was full: the read of new.bin, the refused write.
      return ops.includes('filestore.read:failed') ? ops : undefined;
    });
    assert.ok(held.includes('filestore.write:failed'), held.join(' '));
  });
});
