/**
 * The crash matrix (issue 20) for an app's data writes through the broker: the daemon killed
 * with SIGKILL (a failpoint) in a kv write, a file write and a file delete, then started again
 * on the same data dir. Every acknowledged write is there; the one killed is there whole or
 * not at all; the file index matches the bytes on disk, the usage counters match the data,
 * and no staged bytes are left.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileCharge } from '@paddock/app-data';
import type { AppDataUsage } from '@paddock/shared';
import { brokerCall, TestWindows } from './brokerClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { killedAt } from './killedDaemon.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

const TOKEN = 'broker-crash-admin-token';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The broker calls of one app's window on one daemon. */
function windowOf(d: TestDaemon, appId: string) {
  const windows = new TestWindows(d);
  return async <T>(method: string, params: unknown): Promise<T> => {
    const session = await windows.open(appId, 1);
    const res = await brokerCall(d.url, { token: d.token, session }, method, params);
    assert.equal(res.status, 200, `${method}: ${JSON.stringify(res.body)}`);
    return res.body.result as T;
  };
}

interface Cell {
  step: string;
  /** The call the armed daemon dies in. */
  method: string;
  params: unknown;
  /** On the restarted daemon: whether the call is there whole or absent whole (throws if half). */
  landed: (call: ReturnType<typeof windowOf>) => Promise<boolean>;
}

const fileText = async (call: ReturnType<typeof windowOf>, p: string) => {
  const { items } = await call<{ items: { path: string }[] }>('app.files.list', {});
  if (!items.some((f) => f.path === p)) return null;
  const r = await call<{ content_base64: string }>('app.files.read', { path: p });
  return Buffer.from(r.content_base64, 'base64').toString();
};

const CELLS: Cell[] = [
  {
    step: 'broker.kv.set.written',
    method: 'app.kv.set',
    params: { key: 'new', value: { n: 2 } },
    landed: async (call) => {
      const r = await call<{ found: boolean; value: unknown }>('app.kv.get', { key: 'new' });
      if (r.found) assert.deepEqual(r.value, { n: 2 });
      return r.found;
    },
  },
  ...['broker.files.write.staged', 'broker.files.write.renamed'].map((step) => ({
    step,
    method: 'app.files.write',
    params: { path: 'dir/new.txt', content_base64: b64('a new file') },
    landed: async (call: ReturnType<typeof windowOf>) => {
      const text = await fileText(call, 'dir/new.txt');
      if (text !== null) assert.equal(text, 'a new file');
      return text !== null;
    },
  })),
  {
    step: 'broker.files.write.renamed',
    method: 'app.files.write',
    params: { path: 'over.txt', content_base64: b64('the second, longer text') },
    landed: async (call) => {
      const text = await fileText(call, 'over.txt');
      assert.ok(text === 'first' || text === 'the second, longer text', String(text));
      return text !== 'first';
    },
  },
  {
    step: 'broker.files.delete.removed',
    method: 'app.files.delete',
    params: { path: 'gone.txt' },
    landed: async (call) => {
      const text = await fileText(call, 'gone.txt');
      if (text !== null) assert.equal(text, 'to delete');
      return text === null;
    },
  },
];

/** The usage counters match the data, each listed file reads whole, no file is unlisted. */
async function assertConsistent(
  d: TestDaemon,
  call: ReturnType<typeof windowOf>,
  appId: string,
): Promise<void> {
  const kv = await call<{ items: { key: string; value: unknown }[] }>('app.kv.list', {});
  const files = await call<{ items: { path: string; size: number }[] }>('app.files.list', {});
  let filesBytes = 0;
  for (const f of files.items) {
    const r = await call<{ size: number }>('app.files.read', { path: f.path });
    assert.equal(r.size, f.size, `${f.path}: the index's size is the file's`);
    filesBytes += fileCharge(f.path, f.size);
  }
  const kvBytes = kv.items.reduce(
    (sum, i) => sum + Buffer.byteLength(i.key) + Buffer.byteLength(JSON.stringify(i.value)),
    0,
  );
  const usage = await d.api<AppDataUsage>('GET', `/v1/userspace-apps/${appId}/usage`);
  assert.equal(usage.body.kv_bytes, kvBytes, 'kv usage matches the keys');
  assert.equal(usage.body.files_bytes, filesBytes, 'files usage matches the files');
  const root = path.join(d.dataDir, 'userspace', 'data', appId);
  const staging = path.join(root, 'staging');
  assert.deepEqual(fs.existsSync(staging) ? fs.readdirSync(staging) : [], [], 'no staged bytes');
  const onDisk = fs.existsSync(path.join(root, 'files'))
    ? fs.readdirSync(path.join(root, 'files'), { recursive: true, withFileTypes: true })
    : [];
  const diskFiles = onDisk
    .filter((e) => e.isFile())
    .map((e) => path.relative(path.join(root, 'files'), path.join(e.parentPath, e.name)))
    .sort();
  assert.deepEqual(diskFiles, files.items.map((f) => f.path).sort(), 'no unlisted file');
}

describe('broker data writes killed at each step', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon | undefined;
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  for (const cell of CELLS) {
    const label = `${cell.method} ${JSON.stringify(cell.params).slice(0, 30)}`;
    it(`${label} killed at ${cell.step}: acknowledged writes kept, this one whole or absent`, async (t) => {
      const key = generateAppKey();
      await d?.stop(); // a failed cell's, left running
      d = await startDaemon({ dataDir, token: TOKEN });
      const pkg = await makePackage({ key, version: 1, permissions: ['app.kv', 'app.files'] });
      assert.equal((await upload(d.url, d.token, pkg.bytes)).status, 201);
      const before = windowOf(d, key.appId);
      await before('app.kv.set', { key: 'acked', value: 'yes' });
      await before('app.files.write', { path: 'over.txt', content_base64: b64('first') });
      await before('app.files.write', { path: 'gone.txt', content_base64: b64('to delete') });
      await d.stop();
      await killedAt(dataDir, TOKEN, cell.step, async (k) => {
        await windowOf(k, key.appId)(cell.method, cell.params);
      });
      d = await startDaemon({ dataDir, token: TOKEN });
      const call = windowOf(d, key.appId);
      const acked = await call<{ value: unknown }>('app.kv.get', { key: 'acked' });
      assert.equal(acked.value, 'yes', 'the acknowledged kv write');
      if (cell.method !== 'app.files.write' || cell.params !== CELLS[3]!.params) {
        assert.equal(await fileText(call, 'over.txt'), 'first', 'the acknowledged file write');
      }
      const landed = await cell.landed(call);
      await assertConsistent(d, call, key.appId);
      // The call can be made again, and lands.
      await call(cell.method, cell.params);
      assert.equal(await cell.landed(call), true);
      await assertConsistent(d, call, key.appId);
      t.diagnostic(`${cell.step}: the call ${landed ? 'landed, whole' : 'did not land'}`);
      await d.stop();
    });
  }
});
