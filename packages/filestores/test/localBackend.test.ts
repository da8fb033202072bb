import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { FilestoreUnavailable } from '../src/errors.js';
import { LocalBackend } from '../src/localBackend.js';
import { backendContract, code, from, text } from './backendContract.js';

let root: string;
let backend: LocalBackend;
/** A directory outside every location, standing for /etc and the like. */
let outside: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'paddock-filestores-'));
  backend = new LocalBackend(join(root, 'store'));
  outside = join(root, 'outside');
  await mkdir(outside);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

backendContract('local backend', () => backend);

test('the local backend lists in UTF-8 byte order across directories', async () => {
  const loc = { key: 'owner-1/order' };
  // '-' < '.' < '/' < '0' in bytes: a directory's files sort among its siblings by `name/`.
  // (s3rver, the S3 emulator, walks its own directories in another order, so this order is
  // checked here; S3 itself lists in this byte order.)
  // U+FFFD sorts before an astral character in UTF-8, after it in UTF-16.
  const paths = ['a-c', 'a.x', 'a/b', 'a/z/y', 'a0', 'z/\uFFFD', 'z/\u{1F600}'];
  for (const path of [...paths].reverse()) await backend.put(loc, path, from(path));
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await backend.list(loc, { limit: 1, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items.map((item) => item.path));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  assert.deepEqual(seen, paths);
});

let next = 0;
async function hostile(): Promise<{ loc: { key: string }; dir: string }> {
  const loc = { key: `owner-1/hostile-${next++}` };
  await writeFile(join(outside, 'secret.txt'), 'SECRET');
  return { loc, dir: await backend.directoryOf(loc) };
}

function outsideUntouched(): void {
  assert.deepEqual(readdirSync(outside), ['secret.txt']);
  assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'SECRET');
}

test('directoryOf makes the location directory under the root', async () => {
  const dir = await backend.directoryOf({ key: 'owner-2/fs-x' });
  assert.equal(dir, join(root, 'store', 'owner-2', 'fs-x'));
  assert.ok(lstatSync(dir).isDirectory());
  await assert.rejects(backend.directoryOf({ key: '../x' }), /invalid filestore location key/);
});

test('a symlink to an outside file is no file: not read, written through, moved or deleted', async () => {
  const { loc, dir } = await hostile();
  await symlink(join(outside, 'secret.txt'), join(dir, 'link'));
  assert.equal(await backend.get(loc, 'link'), null);
  assert.equal(await backend.stat(loc, 'link'), null);
  assert.equal(await backend.delete(loc, 'link'), false);
  assert.equal(await backend.move(loc, 'link', 'moved'), false);
  assert.deepEqual((await backend.list(loc, { limit: 10 })).items, []);
  assert.deepEqual(await backend.usage(loc), { bytes: 0, files: 0 });
  outsideUntouched();
  // A put replaces the link itself with a file; the link's target keeps its bytes.
  await backend.put(loc, 'link', from('mine'));
  assert.ok(lstatSync(join(dir, 'link')).isFile());
  assert.equal(await text((await backend.get(loc, 'link'))?.stream), 'mine');
  // A move over a link replaces the link too.
  await symlink(join(outside, 'secret.txt'), join(dir, 'link2'));
  assert.equal(await backend.move(loc, 'link', 'link2'), true);
  assert.ok(lstatSync(join(dir, 'link2')).isFile());
  outsideUntouched();
});

test('a directory swapped for a symlink to an outside directory leads nowhere', async () => {
  const { loc, dir } = await hostile();
  await backend.put(loc, 'd/own.txt', from('own'));
  await rm(join(dir, 'd'), { recursive: true });
  await symlink(outside, join(dir, 'd'));
  assert.equal(await backend.get(loc, 'd/secret.txt'), null);
  assert.equal(await backend.stat(loc, 'd/secret.txt'), null);
  assert.equal(await backend.delete(loc, 'd/secret.txt'), false);
  await assert.rejects(backend.put(loc, 'd/planted.txt', from('x')), code('invalid_path'));
  await assert.rejects(backend.put(loc, 'd/deeper/planted.txt', from('x')), code('invalid_path'));
  await backend.put(loc, 'elsewhere', from('e'));
  await assert.rejects(backend.move(loc, 'elsewhere', 'd/planted.txt'), code('invalid_path'));
  assert.equal(await backend.move(loc, 'd/secret.txt', 'stolen'), false);
  assert.deepEqual(
    (await backend.list(loc, { limit: 10 })).items.map((item) => item.path),
    ['elsewhere'],
  );
  assert.deepEqual((await backend.list(loc, { prefix: 'd', limit: 10 })).items, []);
  assert.deepEqual(await backend.usage(loc), { bytes: 1, files: 1 });
  outsideUntouched();
  // Removing the location removes the link, not what it points at.
  await backend.removeAll(loc);
  assert.equal(existsSync(dir), false);
  outsideUntouched();
});

test('a directory swapped back and forth during puts and gets never lets one reach outside', async () => {
  const { loc, dir } = await hostile();
  await backend.put(loc, 'd/f', from('inside'));
  let swapping = true;
  const swapper = (async () => {
    // Put a link to the outside where `d` was, give the puts a turn, put `d` back; a put may
    // make a new `d` in the gap, and the link then waits for the next turn.
    while (swapping) {
      await rm(join(dir, 'd-real'), { recursive: true, force: true });
      await rename(join(dir, 'd'), join(dir, 'd-real')).catch(() => {});
      await symlink(outside, join(dir, 'd')).catch(() => {});
      await new Promise((resolve) => setImmediate(resolve));
      if (lstatSync(join(dir, 'd')).isSymbolicLink()) await unlink(join(dir, 'd'));
      await rename(join(dir, 'd-real'), join(dir, 'd')).catch(() => {});
    }
  })();
  let written = 0;
  for (let i = 0; i < 300; i++) {
    try {
      await backend.put(loc, `d/f${i % 5}`, from(`put ${i}`));
      written += 1;
    } catch (err) {
      // The directory moved or went away under the put: refused, or failed; never outside.
      const refused = err instanceof PaddockError && err.code === 'invalid_path';
      assert.ok(refused || err instanceof FilestoreUnavailable, String(err));
    }
    const got = await backend.get(loc, 'd/secret.txt');
    assert.equal(got, null, 'the outside file is never opened');
    await backend.delete(loc, 'd/secret.txt');
  }
  swapping = false;
  await swapper;
  outsideUntouched();
  outsideUntouched();
  assert.ok(written > 0);
});

test('a FIFO is no file: get does not hang on it, list skips it, a put replaces it', async () => {
  const { loc, dir } = await hostile();
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  assert.equal(await backend.get(loc, 'pipe'), null);
  assert.equal(await backend.stat(loc, 'pipe'), null);
  assert.equal(await backend.delete(loc, 'pipe'), false);
  assert.deepEqual((await backend.list(loc, { limit: 10 })).items, []);
  await backend.put(loc, 'pipe', from('now a file'));
  assert.equal(await text((await backend.get(loc, 'pipe'))?.stream), 'now a file');
});

test('.. and absolute paths are refused, and a file in the way of a directory is invalid_path', async () => {
  const { loc } = await hostile();
  await assert.rejects(backend.get(loc, '../../outside/secret.txt'), code('invalid_path'));
  await assert.rejects(backend.put(loc, `${outside}/x`, from('x')), code('invalid_path'));
  await assert.rejects(backend.delete(loc, '../hostile-0'), code('invalid_path'));
  await backend.put(loc, 'file', from('f'));
  await assert.rejects(backend.put(loc, 'file/child', from('x')), code('invalid_path'));
  await backend.put(loc, 'dir/child', from('c'));
  await assert.rejects(backend.put(loc, 'dir', from('x')), code('is_a_directory'));
  outsideUntouched();
});

test('a put in progress is not listed, and leaves nothing behind when its source fails', async () => {
  const { loc, dir } = await hostile();
  const { PassThrough } = await import('node:stream');
  const source = new PassThrough();
  const putting = backend.put(loc, 'slow', source);
  source.write('part');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual((await backend.list(loc, { limit: 10 })).items, []);
  source.destroy(new Error('client went away'));
  await assert.rejects(putting, /client went away/);
  assert.deepEqual(readdirSync(dir), []);
});
