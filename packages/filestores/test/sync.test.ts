import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FilestoreBackend } from '../src/backend.js';
import { LocalBackend } from '../src/localBackend.js';
import { S3Backend } from '../src/s3Backend.js';
import { syncDown, syncUp } from '../src/sync.js';
import { from, text } from './backendContract.js';
import { startS3Emulator, type S3Emulator } from './s3Emulator.js';

let work: string;
let emulator: S3Emulator;
const backends: Record<string, FilestoreBackend> = {};

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-sync-'));
  emulator = await startS3Emulator();
  backends.local = new LocalBackend(join(work, 'store'));
  backends.s3 = new S3Backend({
    endpoint: emulator.endpoint,
    region: emulator.region,
    bucket: emulator.bucket,
    credentials: emulator.credentials,
    forcePathStyle: true,
  });
});

after(async () => {
  for (const backend of Object.values(backends)) backend.close();
  await emulator.close();
  await rm(work, { recursive: true, force: true });
});

let next = 0;
async function fresh(): Promise<{ loc: { key: string }; dir: string }> {
  const n = next++;
  const dir = join(work, `mount-${n}`);
  await mkdir(dir);
  return { loc: { key: `owner-1/sync-${n}` }, dir };
}

async function contents(backend: FilestoreBackend, loc: { key: string }) {
  const page = await backend.list(loc, { limit: 100 });
  const out: Record<string, string> = {};
  for (const item of page.items)
    out[item.path] = await text((await backend.get(loc, item.path))?.stream);
  return out;
}

for (const [name, label] of [
  ['local', 'local backend'],
  ['s3', 'S3 backend (s3rver emulator)'],
] as const) {
  test(`sync over the ${label}: down copies every file, up writes back what changed`, async () => {
    const backend = backends[name] as FilestoreBackend;
    const { loc, dir } = await fresh();
    await backend.put(loc, 'keep.txt', from('keep'));
    await backend.put(loc, 'edit/me.txt', from('before'));
    await backend.put(loc, 'gone.txt', from('gone'));
    const baseline = await syncDown(backend, loc, dir);
    assert.deepEqual(baseline.files.map((f) => f.path).sort(), [
      'edit/me.txt',
      'gone.txt',
      'keep.txt',
    ]);
    assert.equal(readFileSync(join(dir, 'edit/me.txt'), 'utf8'), 'before');

    const idle = await syncUp(backend, loc, dir, baseline);
    assert.deepEqual([idle.uploaded, idle.deleted, idle.bytes], [0, 0, 0]);

    await writeFile(join(dir, 'edit/me.txt'), 'after, longer');
    await mkdir(join(dir, 'new'));
    await writeFile(join(dir, 'new/file.txt'), 'new');
    await unlink(join(dir, 'gone.txt'));
    const result = await syncUp(backend, loc, dir, idle.baseline);
    assert.deepEqual([result.uploaded, result.deleted, result.bytes], [2, 1, 16]);
    assert.deepEqual(await contents(backend, loc), {
      'edit/me.txt': 'after, longer',
      'keep.txt': 'keep',
      'new/file.txt': 'new',
    });
    const again = await syncUp(backend, loc, dir, result.baseline);
    assert.deepEqual([again.uploaded, again.deleted], [0, 0]);
  });

  test(`sync over the ${label}: a delete never removes a newer write, the last writer wins`, async () => {
    const backend = backends[name] as FilestoreBackend;
    const { loc, dir } = await fresh();
    await backend.put(loc, 'shared.txt', from('v1'));
    await backend.put(loc, 'both.txt', from('v1'));
    const baseline = await syncDown(backend, loc, dir);
    // Someone else writes both files after the sandbox started.
    await backend.put(loc, 'shared.txt', from('v2 from elsewhere'));
    await backend.put(loc, 'both.txt', from('v2 from elsewhere'));
    // The sandbox deletes one and rewrites the other.
    await unlink(join(dir, 'shared.txt'));
    await writeFile(join(dir, 'both.txt'), 'v3 from the sandbox');
    const result = await syncUp(backend, loc, dir, baseline);
    assert.deepEqual([result.uploaded, result.deleted], [1, 0]);
    assert.deepEqual(await contents(backend, loc), {
      'both.txt': 'v3 from the sandbox',
      'shared.txt': 'v2 from elsewhere',
    });
  });

  test(`sync over the ${label}: links, swapped directories and FIFOs in the directory go nowhere`, async () => {
    const backend = backends[name] as FilestoreBackend;
    const { loc, dir } = await fresh();
    const outside = join(work, `outside-${next}`);
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'SECRET');
    await backend.put(loc, 'd/own.txt', from('own'));
    const baseline = await syncDown(backend, loc, dir);
    await symlink(join(outside, 'secret.txt'), join(dir, 'link.txt'));
    await rm(join(dir, 'd'), { recursive: true });
    await symlink(outside, join(dir, 'd'));
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await writeFile(join(dir, 'real.txt'), 'real');
    const result = await syncUp(backend, loc, dir, baseline);
    // d/own.txt is gone from the directory (d is a link now): deleted; nothing else but real.txt.
    assert.deepEqual([result.uploaded, result.deleted], [1, 1]);
    assert.deepEqual(await contents(backend, loc), { 'real.txt': 'real' });
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'SECRET');
    assert.ok(existsSync(join(outside, 'secret.txt')));
  });
}
