/**
 * An app's data through snapshots, restores and version switches, in process over the real
 * store (SQLite), filestore and broker, so the interleavings are exact: the app's data gate
 * orders a broker call against a snapshot or a rollback, and a call that speaks for a version
 * switched away is refused; a copy or a restore that fails leaves the data as it was, and a
 * restore a crash cut between its renames is put back at the next start.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AppSessions, type BrokerCaller } from '@paddock/broker';
import type { AppRowsDump } from '@paddock/app-data';
import { PaddockError } from '@paddock/shared';
import { createAppData, createBrokerModule } from '../packages/daemon/src/broker/index.js';
import { SettingsStore } from '../packages/daemon/src/settings/settingsStore.js';
import { openDatabase, type Db } from '../packages/daemon/src/store/database.js';
import { ServiceHost } from '../packages/daemon/src/userspace/serviceHost.js';
import { UserspaceFiles } from '../packages/daemon/src/userspace/userspaceFiles.js';
import {
  UserspaceStore,
  type UserspaceRow,
} from '../packages/daemon/src/userspace/userspaceStore.js';

const APP = 'c'.repeat(52);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('app data: snapshots, restores and version switches', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-appdata-'));
  let db: Db;
  let store: UserspaceStore;
  let files: UserspaceFiles;
  let appData: ReturnType<typeof createAppData>;
  let host: ServiceHost;
  let call: (version: number, method: string, params: object) => Promise<unknown>;
  let row: UserspaceRow;

  /** What a refused call answers with, or null when it succeeded. */
  const refusal = (p: Promise<unknown>): Promise<string | null> =>
    p.then(
      () => null,
      (err: unknown) => {
        assert.ok(err instanceof PaddockError, String(err));
        return err.code;
      },
    );
  /** The app's keys and values, and its files' bytes, as version `v` reads them. */
  const contents = async (v: number) => {
    const kv = (await call(v, 'app.kv.list', {})) as { items: unknown[] };
    const listed = (await call(v, 'app.files.list', {})) as { items: { path: string }[] };
    const bytes: Record<string, string> = {};
    for (const { path: p } of listed.items) {
      const read = (await call(v, 'app.files.read', { path: p })) as { content_base64: string };
      bytes[p] = Buffer.from(read.content_base64, 'base64').toString();
    }
    return { kv: kv.items, files: bytes };
  };
  const put = async (v: number, value: string) => {
    await call(v, 'app.kv.set', { key: 'state', value });
    await call(v, 'app.files.write', { path: 'state.txt', content_base64: b64(value) });
  };
  const switchTo = (version: number, restoreDataOf?: number) =>
    host.switchVersion(row, (tx) => store.update(APP, { version }, tx), restoreDataOf);
  const staged = (parent: string) => fs.readdirSync(parent).filter((n) => n.startsWith('.'));
  /**
   * A broker call under way: it holds the app's data gate shared, and once released runs
   * `then` (its work, straight on the stores) before it lets go.
   */
  const callUnderWay = async (then: () => Promise<void> = () => Promise.resolve()) => {
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const held = appData.gate.shared(APP, async () => {
      entered();
      await new Promise<void>((resolve) => (release = resolve));
      await then();
    });
    await inside;
    return () => {
      release();
      return held;
    };
  };

  before(async () => {
    db = await openDatabase(path.join(dir, 'state'));
    const settings = new SettingsStore(db);
    await settings.load();
    appData = createAppData({ db, dataDir: dir, settings });
    store = new UserspaceStore(db);
    files = new UserspaceFiles(path.join(dir, 'userspace'));
    // A web app: no sandbox, so nothing but its files and rows is touched.
    const unused = {} as never;
    host = new ServiceHost({
      ...{ sandboxes: unused, driver: unused, runtime: unused, presets: unused, log: unused },
      ...{ db, files, appData: appData.rows, dataGate: appData.gate },
    });
    const { broker } = createBrokerModule({
      db,
      settings,
      audit: { record: () => Promise.resolve() } as never,
      metrics: { brokerCalls: { inc: () => undefined } } as never,
      appData,
      userspace: { store, service: unused },
      sessions: new AppSessions('unused'),
      ...{ agent: unused, llm: unused },
    });
    const caller = (version: number): BrokerCaller => ({
      ...{ appId: APP, version, via: 'window' },
      actor: { owner: 'o', keyId: 'k' },
    });
    call = (version, method, params) => broker.call(caller(version), method, params);
    const now = new Date().toISOString();
    await store.insert({
      ...{ id: APP, owner_id: 'o', name: 'c', app_type: 'web', version: 2, enabled: 1 },
      ...{ provenance: 'user-uploaded', publisher_key: 'k', granted_json: '[]' },
      ...{ pending_json: null, source_json: '{"kind":"upload"}', last_update_json: null },
      ...{ sandbox_id: null, gate_json: null, declined_json: '[]' },
      ...{ installed_at: now, updated_at: now, trashed_at: null, purge_after: null },
    });
  });
  beforeEach(async () => {
    row = (await store.get(APP))!;
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a call of version 2 that comes after a rollback began, and every one after it', async () => {
    await put(2, 'before the update to 2');
    await host.snapshotData(row, 2);
    const copied = await contents(2);
    await put(2, 'written by version 2');
    await call(2, 'app.kv.set', { key: 'only-in-2', value: true });

    // A write of version 2 under way holds the gate when the rollback asks for it.
    const release = await callUnderWay(() =>
      appData.kv.set(APP, { key: 'under-way', value: true }).then(() => undefined),
    );
    const rollback = switchTo(1, 2);
    const late = refusal(call(2, 'app.kv.set', { key: 'late', value: true }));
    await release();
    await rollback;
    assert.equal(await late, 'app_version_changed', 'resolved as version 2, it came after');
    assert.equal(await refusal(call(2, 'app.kv.get', { key: 'state' })), 'app_version_changed');
    assert.deepEqual(await contents(1), copied, 'exactly the data copied before the update');
  });

  it('copies one moment: after the write under way, before the one asked after it began', async () => {
    await put(1, 'old');
    const release = await callUnderWay(async () => {
      await appData.kv.set(APP, { key: 'state', value: 'under way' });
      await appData.files.write(APP, { path: 'state.txt', content_base64: b64('under way') });
    });
    const snapshot = host.snapshotData(row, 3);
    const asked = put(1, 'asked after');
    await release();
    await Promise.all([snapshot, asked]);
    const saved = path.join(files.snapshotsDir(APP), 'v3');
    const dump = JSON.parse(fs.readFileSync(path.join(saved, 'rows.json'), 'utf8')) as AppRowsDump;
    assert.deepEqual(
      dump.kv.map((r) => [r.key, JSON.parse(r.value_json) as unknown]),
      [['state', 'under way']],
    );
    const bytes = fs.readFileSync(path.join(saved, 'host', 'files', 'state.txt'), 'utf8');
    assert.equal(bytes, 'under way', 'the files of the same moment as the rows');
    assert.equal(dump.files.find((f) => f.path === 'state.txt')?.size, bytes.length);
    assert.deepEqual(staged(files.snapshotsDir(APP)), []);
    assert.equal((await contents(1)).files['state.txt'], 'asked after');
  });

  it('leaves the last copy whole when a new one fails midway', async () => {
    const saved = path.join(files.snapshotsDir(APP), 'v3');
    const before = fs.readFileSync(path.join(saved, 'rows.json'), 'utf8');
    // A FIFO in the app's files is something the copy refuses, after the rows are dumped.
    const fifo = path.join(files.dataDir(APP), 'files', 'pipe');
    execFileSync('mkfifo', [fifo]);
    try {
      await assert.rejects(host.snapshotData(row, 3));
    } finally {
      fs.rmSync(fifo);
    }
    assert.equal(fs.readFileSync(path.join(saved, 'rows.json'), 'utf8'), before);
    assert.deepEqual(staged(files.snapshotsDir(APP)), [], 'no half copy left');
    assert.equal(await refusal(call(1, 'app.kv.get', { key: 'state' })), null, 'the gate opened');
  });

  it('leaves files, rows and version as they were when a restore fails midway', async () => {
    await host.snapshotData(row, 4);
    await put(1, 'kept');
    const kept = await contents(1);
    // Rows that cannot be written (one key twice): the transaction fails after the files
    // were copied beside the app's, before they were renamed into place.
    const rowsFile = path.join(files.snapshotsDir(APP), 'v4', 'rows.json');
    const dump = JSON.parse(fs.readFileSync(rowsFile, 'utf8')) as AppRowsDump;
    fs.writeFileSync(rowsFile, JSON.stringify({ ...dump, kv: [...dump.kv, ...dump.kv] }));
    await assert.rejects(switchTo(2, 4));
    assert.equal((await store.get(APP))!.version, 1, 'no switch recorded');
    assert.deepEqual(await contents(1), kept);
    assert.deepEqual(staged(path.dirname(files.dataDir(APP))), [], 'no copy left beside');
  });

  it('puts the app’s data back at start when a crash came between the two renames of a restore', () => {
    const data = files.dataDir(APP);
    const parent = path.dirname(data);
    const aside = path.join(parent, `.${APP}-0123456789ab-old`);
    const copy = path.join(parent, `.${APP}-0123456789ab`);
    const before = fs.readFileSync(path.join(data, 'files', 'state.txt'), 'utf8');
    // Between the renames: the app's directory aside, the restored copy not yet in place.
    fs.renameSync(data, aside);
    fs.mkdirSync(copy);
    files.recover(new Map([[APP, 1]]));
    assert.equal(fs.readFileSync(path.join(data, 'files', 'state.txt'), 'utf8'), before);
    assert.deepEqual(staged(parent), []);
    // After both renames: the copy is in place and the old directory, aside, goes.
    fs.mkdirSync(aside);
    files.recover(new Map([[APP, 1]]));
    assert.ok(fs.existsSync(data));
    assert.deepEqual(staged(parent), []);
  });
});
