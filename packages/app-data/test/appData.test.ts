import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { PaddockError } from '@paddock/shared';
import {
  AppDataRows,
  AppFiles,
  AppKv,
  AppTable,
  LocalFilestore,
  createAppDataTables,
  createAppDataUsage,
  mergePatch,
  mimeOf,
  type AppDataDatabase,
} from '../src/index.js';

const A = 'a'.repeat(52);
const B = 'b'.repeat(52);
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function refusal(p: Promise<unknown>): Promise<PaddockError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PaddockError, String(err));
    return err;
  }
  assert.fail('not refused');
}

describe('app data', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-appdata-'));
  const db = new Kysely<AppDataDatabase>({
    dialect: new SqliteDialect({ database: new SQLite(':memory:') }),
  });
  let quota = 10_000;
  const store = new LocalFilestore(path.join(dir, 'data'));
  const kv = new AppKv(db, () => quota);
  const table = new AppTable(db, () => quota);
  const files = new AppFiles(db, store, () => quota);
  const rows = new AppDataRows(db, store);

  before(async () => {
    await createAppDataTables(db as unknown as Kysely<unknown>);
    await createAppDataUsage(db as unknown as Kysely<unknown>);
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps each app’s keys apart and lists them by exact prefix', async () => {
    await kv.set(A, { key: 'a%1', value: 1 });
    await kv.set(A, { key: 'a_2', value: 2 });
    await kv.set(A, { key: 'ab', value: 3 });
    await kv.set(A, { key: 'A%9', value: 4 });
    await kv.set(B, { key: 'a%1', value: 'b' });
    assert.deepEqual(await kv.get(A, { key: 'a%1' }), { found: true, value: 1 });
    const page = await kv.list(A, { prefix: 'a%' });
    assert.deepEqual(page.items, [{ key: 'a%1', value: 1 }], 'wildcards are literal, case counts');
    assert.equal((await kv.list(B, {})).items.length, 1);
  });

  it('refuses a write past the quota and changes nothing', async () => {
    quota = (await rows.usage(A)).used_bytes + 50;
    const err = await refusal(kv.set(A, { key: 'big', value: 'x'.repeat(100) }));
    assert.equal(err.code, 'quota_exceeded');
    const d = err.details as { quota_bytes: number; used_bytes: number; needed_bytes: number };
    assert.equal(d.quota_bytes, quota);
    assert.equal(d.needed_bytes, 'big'.length + 102);
    assert.equal((await kv.get(A, { key: 'big' })).found, false);
    await kv.set(A, { key: 'ab', value: null }); // shrinking always passes
    quota = 10_000;
  });

  it('queries documents with bound filters only', async () => {
    await table.insert(A, { table: 't', doc: { n: 1, s: "it's" } });
    await table.insert(A, { table: 't', doc: { n: 2, s: 'x' } });
    const q = await table.query(A, {
      table: 't',
      where: [{ field: 's', op: 'eq', value: "it's" }],
    });
    assert.deepEqual(
      q.items.map((i) => i.doc),
      [{ n: 1, s: "it's" }],
    );
    const inj = await table.query(A, {
      table: 't',
      where: [{ field: 's', op: 'eq', value: "x' or '1'='1" }],
    });
    assert.deepEqual(inj.items, []);
    assert.equal((await table.query(B, { table: 't' })).items.length, 0);
  });

  it('merges updates (null removes a field)', () => {
    assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: null, e: 4 } }), {
      b: { d: 3, e: 4 },
    });
  });

  it('writes files atomically, confined to the app, never through a symlink', async () => {
    await files.write(A, { path: 'x/y.json', content_base64: b64('{}') });
    assert.equal(
      (await files.read(A, { path: 'x/y.json' })).mime,
      'application/json; charset=utf-8',
    );
    const root = store.rootOf(A);
    fs.symlinkSync(os.tmpdir(), path.join(root, 'out'));
    assert.equal(
      (await refusal(files.write(A, { path: 'out/z', content_base64: b64('z') }))).code,
      'not_a_directory',
    );
    fs.rmSync(path.join(root, 'out'));
    fs.symlinkSync('/etc/hostname', path.join(root, 'host'));
    assert.equal(await store.read(A, 'host'), null, 'a symlinked file is not read');
    fs.rmSync(path.join(root, 'host'));
    for (const p of ['../x', '/x', 'a/../b', 'a\0b', 'a\\b']) {
      assert.equal((await refusal(store.stage(A, p, Buffer.from('x')))).code, 'invalid_path', p);
    }
    assert.deepEqual(fs.readdirSync(path.join(dir, 'data', A, 'staging')), [], 'no temp left');
    assert.equal(mimeOf('a/b.PNG'), 'image/png');
    assert.equal(mimeOf('noext'), 'application/octet-stream');
  });

  it('a stream that breaks midway leaves nothing staged, with its own error', async () => {
    const source = new PassThrough();
    source.write(Buffer.alloc(64 * 1024, 1));
    setTimeout(() => source.destroy(new Error('the client went away')), 20);
    await assert.rejects(store.stage(A, 'broken.bin', source), /the client went away/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'data', A, 'staging')), [], 'no temp left');
  });

  it('dumps an app’s rows and restores them, and purges them', async () => {
    const dump = await rows.dump(A);
    await kv.set(A, { key: 'later', value: true });
    await rows.restore(A, dump);
    assert.equal((await kv.get(A, { key: 'later' })).found, false);
    assert.equal((await kv.get(A, { key: 'a%1' })).found, true);
    assert.equal((await files.list(A, {})).items[0]?.path, 'x/y.json');
    await rows.purge(A);
    assert.deepEqual(await rows.usage(A), {
      kv_bytes: 0,
      table_bytes: 0,
      files_bytes: 0,
      used_bytes: 0,
    });
    assert.equal(fs.existsSync(store.rootOf(A)), false);
    assert.equal((await kv.get(B, { key: 'a%1' })).found, true, 'B untouched');
  });
});
