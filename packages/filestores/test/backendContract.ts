import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { PaddockError } from '@paddock/shared';
import type { FilestoreBackend, FilestoreLocation } from '../src/backend.js';
import { TooLarge } from '../src/errors.js';

/**
 * What every backend does, written once: each backend's test file runs it over its own
 * backend. `name` goes into every test name (an emulator's tests say so there).
 */
export function backendContract(name: string, backend: () => FilestoreBackend): void {
  let next = 0;
  const fresh = (): FilestoreLocation => ({ key: `owner-1/fs-${process.pid}-${next++}` });

  test(`${name}: put, stat, get, delete a file`, async () => {
    const b = backend();
    const loc = fresh();
    const entry = await b.put(loc, 'docs/a b/ü.txt', from('hello world'));
    assert.equal(entry.path, 'docs/a b/ü.txt');
    assert.equal(entry.size, 11);
    assert.ok(!Number.isNaN(Date.parse(entry.modified_at)));
    const stat = await b.stat(loc, 'docs/a b/ü.txt');
    assert.equal(stat?.size, 11);
    const got = await b.get(loc, 'docs/a b/ü.txt');
    assert.equal(got?.entry.size, 11);
    assert.equal(await text(got?.stream), 'hello world');
    assert.equal(await b.stat(loc, 'docs/missing'), null);
    assert.equal(await b.get(loc, 'docs/missing'), null);
    assert.equal(await b.stat(loc, 'docs'), null, 'a directory is not a file');
    assert.equal(await b.delete(loc, 'docs/a b/ü.txt'), true);
    assert.equal(await b.delete(loc, 'docs/a b/ü.txt'), false);
    assert.equal(await b.get(loc, 'docs/a b/ü.txt'), null);
  });

  test(`${name}: put replaces a file whole, from a stream of many chunks`, async () => {
    const b = backend();
    const loc = fresh();
    await b.put(loc, 'f', from('old content'));
    const chunks = Array.from({ length: 100 }, (_, i) => Buffer.alloc(1000, i));
    const entry = await b.put(loc, 'f', Readable.from(chunks));
    assert.equal(entry.size, 100_000);
    const got = await b.get(loc, 'f');
    assert.deepEqual(await bytes(got?.stream), Buffer.concat(chunks));
    const empty = await b.put(loc, 'empty', Readable.from([]));
    assert.equal(empty.size, 0);
    assert.equal((await bytes((await b.get(loc, 'empty'))?.stream)).length, 0);
  });

  test(`${name}: ranges read the bytes asked, clamp the end, refuse past the end`, async () => {
    const b = backend();
    const loc = fresh();
    await b.put(loc, 'r.txt', from('0123456789'));
    const part = await b.get(loc, 'r.txt', { start: 2, end: 5 });
    assert.equal(part?.entry.size, 10, 'the entry is the whole file');
    assert.equal(await text(part?.stream), '2345');
    assert.equal(await text((await b.get(loc, 'r.txt', { start: 7, end: 100 }))?.stream), '789');
    await assert.rejects(
      b.get(loc, 'r.txt', { start: 10, end: 12 }),
      code('range_not_satisfiable'),
    );
    await assert.rejects(b.get(loc, 'r.txt', { start: 5, end: 2 }), code('range_not_satisfiable'));
  });

  test(`${name}: list pages through files in path order, by a prefix too`, async () => {
    const b = backend();
    const loc = fresh();
    const paths = ['a/b', 'a/z/y', 'b', 'c d', 'z/x', 'ü'];
    for (const path of [...paths].reverse()) await b.put(loc, path, from(path));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await b.list(loc, { limit: 2, ...(cursor ? { cursor } : {}) });
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((item) => item.path));
      cursor = page.next_cursor ?? undefined;
      pages += 1;
    } while (cursor);
    assert.deepEqual(seen, paths);
    assert.equal(pages, 3);
    const all = await b.list(loc, { limit: 100 });
    assert.equal(all.next_cursor, null);
    assert.equal(all.items.find((item) => item.path === 'a/b')?.size, 3);
    const under = await b.list(loc, { prefix: 'a', limit: 1 });
    assert.deepEqual(
      under.items.map((item) => item.path),
      ['a/b'],
    );
    const rest = await b.list(loc, { prefix: 'a/', limit: 10, cursor: under.next_cursor ?? '' });
    assert.deepEqual(
      rest.items.map((item) => item.path),
      ['a/z/y'],
    );
    assert.deepEqual((await b.list(loc, { prefix: 'nothing', limit: 10 })).items, []);
    await assert.rejects(b.list(loc, { prefix: '../x', limit: 10 }), code('invalid_path'));
  });

  test(`${name}: past maxBytes a put keeps nothing and the old file stays`, async () => {
    const b = backend();
    const loc = fresh();
    await assert.rejects(
      b.put(loc, 'big', from('x'.repeat(100)), { maxBytes: 99 }),
      (err: unknown) => err instanceof TooLarge && err.maxBytes === 99,
    );
    assert.equal(await b.stat(loc, 'big'), null);
    await b.put(loc, 'kept', from('old'));
    // Larger than one upload part (8 MiB), so a multipart upload is started and aborted.
    const chunks = Array.from({ length: 12 }, () => Buffer.alloc(1024 * 1024, 1));
    await assert.rejects(
      b.put(loc, 'kept', Readable.from(chunks), { maxBytes: 10 * 1024 * 1024 }),
      TooLarge,
    );
    assert.equal(await text((await b.get(loc, 'kept'))?.stream), 'old');
    assert.deepEqual(
      (await b.list(loc, { limit: 10 })).items.map((item) => item.path),
      ['kept'],
    );
    assert.equal((await b.put(loc, 'exact', from('12345'), { maxBytes: 5 })).size, 5);
  });

  test(`${name}: a put whose source fails rejects with its error and keeps nothing`, async () => {
    const b = backend();
    const loc = fresh();
    await b.put(loc, 'f', from('old'));
    for (const chunks of [1, 10]) {
      async function* failing(): AsyncGenerator<Buffer> {
        for (let i = 0; i < chunks; i++) yield Buffer.alloc(1024 * 1024, 7);
        throw new Error('client went away');
      }
      await assert.rejects(b.put(loc, 'f', Readable.from(failing())), /client went away/);
      await assert.rejects(b.put(loc, 'g', Readable.from(failing())), /client went away/);
    }
    assert.equal(await text((await b.get(loc, 'f'))?.stream), 'old');
    assert.equal(await b.stat(loc, 'g'), null);
  });

  test(`${name}: move replaces the target and makes its directories`, async () => {
    const b = backend();
    const loc = fresh();
    await b.put(loc, 'from.txt', from('moving'));
    await b.put(loc, 'deep/er/to.txt', from('replaced'));
    assert.equal(await b.move(loc, 'from.txt', 'deep/er/to.txt'), true);
    assert.equal(await b.stat(loc, 'from.txt'), null);
    assert.equal(await text((await b.get(loc, 'deep/er/to.txt'))?.stream), 'moving');
    assert.equal(await b.move(loc, 'deep/er/to.txt', 'new/dir/x'), true);
    assert.equal(await text((await b.get(loc, 'new/dir/x'))?.stream), 'moving');
    assert.equal(await b.move(loc, 'missing', 'y'), false);
    assert.equal(await b.stat(loc, 'y'), null);
  });

  test(`${name}: usage sums the files, removeAll leaves none`, async () => {
    const b = backend();
    const loc = fresh();
    const other = fresh();
    await b.put(loc, 'a', from('12345'));
    await b.put(loc, 'd/b', from('123'));
    await b.put(other, 'a', from('1'));
    assert.deepEqual(await b.usage(loc), { bytes: 8, files: 2 });
    await b.removeAll(loc);
    assert.deepEqual(await b.usage(loc), { bytes: 0, files: 0 });
    assert.deepEqual((await b.list(loc, { limit: 10 })).items, []);
    assert.deepEqual(await b.usage(other), { bytes: 1, files: 1 }, 'another location is untouched');
    await b.removeAll(loc);
  });

  test(`${name}: a bad path is invalid_path before anything is touched`, async () => {
    const b = backend();
    const loc = fresh();
    await b.put(loc, 'ok', from('ok'));
    for (const bad of ['', '/abs', 'a//b', 'a/', '../ok', 'a/../ok', './ok', 'a\u0000b', 'a\nb']) {
      await assert.rejects(b.get(loc, bad), code('invalid_path'), JSON.stringify(bad));
      await assert.rejects(b.put(loc, bad, from('x')), code('invalid_path'), JSON.stringify(bad));
      await assert.rejects(b.delete(loc, bad), code('invalid_path'), JSON.stringify(bad));
      await assert.rejects(b.move(loc, 'ok', bad), code('invalid_path'), JSON.stringify(bad));
    }
    assert.equal(await text((await b.get(loc, 'ok'))?.stream), 'ok');
  });
}

export function from(value: string): Readable {
  return Readable.from([Buffer.from(value)]);
}

export async function bytes(stream: Readable | undefined): Promise<Buffer> {
  assert.ok(stream, 'a stream');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function text(stream: Readable | undefined): Promise<string> {
  return (await bytes(stream)).toString('utf8');
}

export function code(expected: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof PaddockError && err.code === expected;
}
