/**
 * The crash matrix's cells (test/crashMatrix.test.ts runs them): per operation, what is made
 * first, the request the armed daemon dies in, and that operation's own invariants after the
 * restart. docs/reliability.md lists them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { ExecResult } from '@paddock/shared';
import type { TestDaemon } from './harness.js';

export const TOKEN = 'crash-matrix-admin-token';

/** A cell whose daemon is killed from outside (no failpoint), once `underway` resolves. */
export const OUTSIDE = 'SIGKILL from outside';

export interface Cell {
  op: string;
  /** A failpoint name, or OUTSIDE. */
  point: string;
  /** Made on a daemon that is not armed; its result is handed to `act`. */
  prepare?: (d: TestDaemon) => Promise<string>;
  /** The request the armed daemon dies in. */
  act: (d: TestDaemon, target: string) => Promise<unknown>;
  /** With OUTSIDE: resolves once the operation is under way, when the test kills the daemon. */
  underway?: (d: TestDaemon, target: string) => Promise<void>;
  /** This operation's own invariants, on the restarted daemon. */
  check?: (d: TestDaemon, target: string) => Promise<void>;
  /** For every daemon of the cell. */
  env?: Record<string, string>;
}

/** A dependency cache of its own, so the cell's app create has to build it. */
export const FRESH_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-crash-cache-'));
fs.chmodSync(FRESH_CACHE, 0o755); // a bind source sandbox uids must traverse

export const newSandbox = async (d: TestDaemon): Promise<string> => {
  const res = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
};
const stoppedSandbox = async (d: TestDaemon): Promise<string> => {
  const id = await newSandbox(d);
  assert.equal((await d.api('POST', `/v1/sandboxes/${id}/stop`, {})).status, 200);
  return id;
};
const sandboxWithFiles = async (d: TestDaemon): Promise<string> => {
  const id = await newSandbox(d);
  const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${id}/exec`, {
    command: 'mkdir -p /workspace/src && seq 1 2000 > /workspace/src/numbers.txt',
  });
  assert.equal(res.body.exit_code, 0);
  return id;
};

const shell = async (d: TestDaemon, id: string, command: string): Promise<string> => {
  const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${id}/exec`, { command });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.stdout;
};
async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; !(await probe());) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** 1 MiB chunks, slowly enough that the daemon is killed with the write under way. */
function slowBody(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, 50));
      if (sent++ === 64) controller.close();
      else controller.enqueue(new Uint8Array(1024 * 1024).fill(120));
    },
  });
}

/** A streamed PUT of `slowBody()`. */
const slowPut = (url: string) =>
  fetch(url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
    body: slowBody(),
    duplex: 'half',
  } as RequestInit);

/** An app with one sealed config value, so a rotation has something to reseal. */
const appWithSecret = async (d: TestDaemon): Promise<string> => {
  const app = await d.api<{ id: string }>('POST', '/v1/apps', { name: 'sealed', preset: 'static' });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const secret = await d.api('POST', `/v1/apps/${app.body.id}/config`, {
    key: 'API_TOKEN',
    value: 'crash-matrix-secret-value',
    sensitive: true,
  });
  assert.equal(secret.status, 201, JSON.stringify(secret.body));
  return app.body.id;
};

/** An app of the static preset (no install) with a snapshot of `state=snapshot` in it. */
const appWithSnapshot = async (d: TestDaemon): Promise<string> => {
  const app = await d.api<{ id: string; sandbox: { id: string } }>('POST', '/v1/apps', {
    name: 'snapped',
    preset: 'static',
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const sb = app.body.sandbox.id;
  await shell(d, sb, 'seq 1 3000 > numbers.txt; echo snapshot > state.txt');
  const snap = await d.api<{ id: string }>('POST', `/v1/sandboxes/${sb}/snapshots`, { name: 's' });
  assert.equal(snap.status, 201, JSON.stringify(snap.body));
  // What a restore must replace, and what it must remove.
  await shell(d, sb, 'echo changed > state.txt; rm numbers.txt; echo extra > extra.txt');
  return JSON.stringify({ app: app.body.id, sandbox: sb, snapshot: snap.body.id });
};
const parse = (target: string) =>
  JSON.parse(target) as { app: string; sandbox: string; snapshot: string };

/** The app's files are the snapshot's: started if needed, then read. */
const assertRestored = async (d: TestDaemon, sandbox: string): Promise<void> => {
  const row = await d.api<{ status: string }>('GET', `/v1/sandboxes/${sandbox}`);
  if (row.body.status !== 'running') {
    assert.equal((await d.api('POST', `/v1/sandboxes/${sandbox}/start`, {})).status, 200);
  }
  const seen = await shell(d, sandbox, 'cat state.txt; wc -l < numbers.txt; ls');
  assert.match(seen, /^snapshot\n3000\n/, seen);
  assert.doesNotMatch(seen, /extra\.txt|\.pdk-/, 'nothing of the old tree or the restore left');
};

/** The live apps, and the live sandboxes. */
const inventory = async (d: TestDaemon) => {
  const apps = await d.api<{ items: { id: string }[] }>('GET', '/v1/apps?limit=100');
  const sandboxes = await d.api<{ items: { id: string }[] }>('GET', '/v1/sandboxes?limit=100');
  return {
    apps: apps.body.items.map((a) => a.id),
    sandboxes: sandboxes.body.items.map((s) => s.id),
  };
};

/** A tar body sent slowly in 64 KiB pieces; `half` resolves once half of it has gone. */
function slowTar(tar: Buffer): { body: ReadableStream<Uint8Array>; half: Promise<void> } {
  let sent = 0;
  let halfway!: () => void;
  const half = new Promise<void>((resolve) => (halfway = resolve));
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, 50));
      if (sent >= tar.length) return controller.close();
      controller.enqueue(new Uint8Array(tar.subarray(sent, sent + 65536)));
      sent += 65536;
      if (sent >= tar.length / 2) halfway();
    },
  });
  return { body, half };
}
const exportedTars = new Map<string, { half: Promise<void> }>();

interface TaskView {
  id: string;
  status: string;
  status_reason: string | null;
  result: { checkpoint: string } | null;
}
const runTask = (d: TestDaemon, id: string, script: string) =>
  d.api<TaskView>('POST', `/v1/sandboxes/${id}/tasks`, { provider: 'command', input: { script } });

/** A task after the restart runs to its end with a checkpoint: nothing the cut one left blocks. */
async function nextTaskSucceeds(d: TestDaemon, id: string): Promise<void> {
  const task = await runTask(d, id, 'echo next > next.txt');
  assert.equal(task.status, 202, JSON.stringify(task.body));
  let seen: TaskView = task.body;
  await until(async () => {
    seen = (await d.api<TaskView>('GET', `/v1/tasks/${task.body.id}`)).body;
    return !['queued', 'running'].includes(seen.status);
  }, 'the next task ends');
  assert.equal(seen.status, 'succeeded', JSON.stringify(seen));
  assert.match(seen.result?.checkpoint ?? '', /^[0-9a-f]{40}$/);
}

/** Temp files of filestore writes (`.paddock-put-*`) under the local backend. */
function cutWrites(dataDir: string): string[] {
  const root = path.join(dataDir, 'filestores', 'local');
  if (!fs.existsSync(root)) return [];
  const names = fs.readdirSync(root, { recursive: true }) as string[];
  return names.filter((n) => path.basename(n).startsWith('.paddock-put-'));
}

export const CELLS: Cell[] = [
  { op: 'sandbox create', point: 'sandbox.create.driven', act: (d) => newSandbox(d) },
  { op: 'sandbox create', point: 'sandbox.create.recorded', act: (d) => newSandbox(d) },
  ...['sandbox.start.marked', 'sandbox.start.driven'].map((point) => ({
    op: 'sandbox start',
    point,
    prepare: stoppedSandbox,
    act: (d: TestDaemon, id: string) => d.api('POST', `/v1/sandboxes/${id}/start`, {}),
  })),
  ...['sandbox.stop.marked', 'sandbox.stop.halted'].map((point) => ({
    op: 'sandbox stop',
    point,
    prepare: newSandbox,
    act: (d: TestDaemon, id: string) => d.api('POST', `/v1/sandboxes/${id}/stop`, {}),
  })),
  {
    op: 'sandbox delete',
    point: 'sandbox.delete.destroyed',
    prepare: newSandbox,
    act: (d, id) => d.api('DELETE', `/v1/sandboxes/${id}`),
  },
  {
    op: 'task run',
    point: 'task.running',
    prepare: newSandbox,
    act: (d, id) =>
      d.api('POST', `/v1/sandboxes/${id}/tasks`, {
        provider: 'command',
        input: { script: 'echo working > /workspace/task.txt; sleep 5' },
      }),
  },
  {
    op: 'task run, checkpoint commit',
    point: OUTSIDE,
    prepare: newSandbox,
    // 30,000 new files: the commit's `git add` runs long enough to be killed in.
    act: (d, id) =>
      runTask(d, id, 'mkdir big; for i in $(seq 1 30000); do echo $i > big/f$i; done'),
    underway: (d, id) =>
      until(
        async () => (await shell(d, id, '[ -e big/f30000 ] && ls .git')).includes('index.lock'),
        'the commit began',
      ),
    check: (d, id) => nextTaskSucceeds(d, id),
  },
  {
    op: 'task run, build check',
    point: OUTSIDE,
    prepare: async (d) => {
      const app = await d.api<{ sandbox: { id: string } }>('POST', '/v1/apps', {
        name: 'built',
        preset: 'static',
      });
      assert.equal(app.status, 201, JSON.stringify(app.body));
      return app.body.sandbox.id;
    },
    // The task gives the app a build that runs until the daemon is killed.
    act: (d, id) =>
      runTask(
        d,
        id,
        `sed -i "s/command: ''/command: 'touch build.started; sleep 999'/" sandbox.yaml`,
      ),
    underway: (d, id) =>
      until(async () => (await shell(d, id, 'ls')).includes('build.started'), 'the build began'),
    check: async (d, id) => {
      // The build's caller is gone: the agent ended it; the next task runs.
      assert.doesNotMatch(await shell(d, id, 'ps -eo args'), /sleep 999/);
      await shell(
        d,
        id,
        `sed -i "s/command: 'touch build.started; sleep 999'/command: ''/" sandbox.yaml`,
      );
      await nextTaskSucceeds(d, id);
    },
  },
  ...['snapshot.capture.read', 'snapshot.capture.ready'].map((point) => ({
    op: 'snapshot capture',
    point,
    prepare: sandboxWithFiles,
    act: (d: TestDaemon, id: string) =>
      d.api('POST', `/v1/sandboxes/${id}/snapshots`, { name: 'crash' }),
  })),
  {
    op: 'file write, 64 MiB streamed',
    point: OUTSIDE,
    prepare: newSandbox,
    act: (d, id) => slowPut(`${d.url}/v1/sandboxes/${id}/files?path=big.bin`),
    // The agent has begun writing the temp file the target is renamed from.
    underway: (d, id) =>
      until(async () => /paddock-.*\.tmp/.test(await shell(d, id, 'ls -a')), 'the write began'),
    check: async (d, id) => {
      // Nothing half-written is visible, and no temp file is left.
      assert.doesNotMatch(await shell(d, id, 'ls -a'), /big\.bin|paddock-.*\.tmp/);
    },
  },
  {
    op: 'exec',
    point: OUTSIDE,
    prepare: newSandbox,
    act: (d, id) =>
      d.api('POST', `/v1/sandboxes/${id}/exec`, { command: 'touch fg.started; sleep 777' }),
    underway: (d, id) =>
      until(async () => (await shell(d, id, 'ls')).includes('fg.started'), 'the exec began'),
    check: async (d, id) => {
      // Its caller is gone, so the agent ended it.
      const ps = await shell(d, id, 'ps -eo args');
      assert.doesNotMatch(ps, /sleep 777/);
    },
  },
  {
    op: 'background command',
    point: OUTSIDE,
    prepare: newSandbox,
    act: (d, id) =>
      d.api('POST', `/v1/sandboxes/${id}/exec`, {
        command: 'echo bg-output; sleep 888',
        background: true,
      }),
    underway: (d, id) =>
      until(async () => {
        const list = await d.api<{ items: unknown[] }>('GET', `/v1/sandboxes/${id}/commands`);
        return list.body.items.length > 0;
      }, 'the command runs'),
    check: async (d, id) => {
      // It outlives the daemon: still listed, its output readable, and it can be ended.
      const list = await d.api<{ items: { id: string; status: string }[] }>(
        'GET',
        `/v1/sandboxes/${id}/commands`,
      );
      const cmd = list.body.items[0];
      assert.equal(cmd?.status, 'running', JSON.stringify(list.body));
      const url = `/v1/sandboxes/${id}/commands/${cmd.id}`;
      const out = await d.api<{ stdout: string }>('GET', `${url}/output`);
      assert.match(out.body.stdout, /bg-output/);
      const killed = await d.api<{ status: string }>('DELETE', url);
      assert.equal(killed.body.status, 'exited');
    },
  },
  ...['secrets.rotate.next_written', 'secrets.rotate.committed'].map((point) => ({
    op: 'secrets key rotation',
    point,
    prepare: appWithSecret,
    act: (d: TestDaemon) => d.api('POST', '/v1/system/secrets/rotate', {}),
    check: async (d: TestDaemon, app: string) => {
      // Every sealed value opens with the key the restart settled on (the old or the new).
      const status = await d.api<{ sealed: number; readable: number }>('GET', '/v1/system/secrets');
      assert.deepEqual([status.body.sealed, status.body.readable], [1, 1]);
      const rotated = await d.api('POST', '/v1/system/secrets/rotate', {});
      assert.equal(rotated.status, 200, 'and the next rotation works');
      assert.equal((await d.api('DELETE', `/v1/apps/${app}?purge=true`)).status, 204);
    },
  })),
  {
    op: 'app create, first dependency install',
    point: OUTSIDE,
    env: { PADDOCK_CACHE_DIR: FRESH_CACHE },
    act: (d) => d.api('POST', '/v1/apps', { name: 'first', preset: 'node-express' }),
    // npm ci is filling the dependency cache's temp dir.
    underway: () =>
      until(
        async () => fs.readdirSync(FRESH_CACHE).some((n) => n.startsWith('.tmp-node-express')),
        'the install began',
      ),
    check: async (d) => {
      assert.deepEqual(await inventory(d), { apps: [], sandboxes: [] });
      // A retry builds the cache; the dead build's temp dir is swept at once.
      const again = await d.api<{ id: string }>('POST', '/v1/apps', {
        name: 'first',
        preset: 'node-express',
      });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.deepEqual(
        fs.readdirSync(FRESH_CACHE).filter((n) => n.startsWith('.tmp-')),
        [],
        'no temp dir of the killed build is left',
      );
    },
  },
  {
    op: 'app create',
    point: 'app.create.sandboxed',
    act: (d) => d.api('POST', '/v1/apps', { name: 'cut', preset: 'static' }),
    check: async (d) => {
      // Never answered: removed whole, its sandbox with it.
      assert.deepEqual(await inventory(d), { apps: [], sandboxes: [] });
    },
  },
  {
    op: 'app fork from a snapshot',
    point: 'sandbox.create.filled',
    prepare: appWithSnapshot,
    act: (d, t) =>
      d.api('POST', `/v1/apps/${parse(t).app}/fork`, { snapshot_id: parse(t).snapshot }),
    check: async (d, t) => {
      // Only the source is left: no half-filled fork, no sandbox of one.
      const { app, sandbox } = parse(t);
      assert.deepEqual(await inventory(d), { apps: [app], sandboxes: [sandbox] });
    },
  },
  {
    op: 'sandbox create from a snapshot',
    point: 'sandbox.create.filled',
    prepare: appWithSnapshot,
    act: (d, t) => d.api('POST', '/v1/sandboxes', { from_snapshot: parse(t).snapshot }),
    check: async (d, t) => {
      // Never answered: the filled sandbox is removed, not left looking like a new one.
      const { app, sandbox } = parse(t);
      assert.deepEqual(await inventory(d), { apps: [app], sandboxes: [sandbox] });
    },
  },
  ...['snapshot.restore.marked', 'snapshot.restore.written'].map((point) => ({
    op: 'snapshot restore',
    point,
    prepare: appWithSnapshot,
    act: (d: TestDaemon, t: string) =>
      d.api('POST', `/v1/apps/${parse(t).app}/restore`, {
        snapshot_id: parse(t).snapshot,
        confirm: true,
      }),
    // The restart finishes the restore: the workspace is the snapshot's, not a mix.
    check: (d: TestDaemon, t: string) => assertRestored(d, parse(t).sandbox),
  })),
  {
    op: 'snapshot import, killed mid-body',
    point: OUTSIDE,
    prepare: async (d) => {
      const id = await newSandbox(d);
      await shell(d, id, 'head -c 1048576 /dev/urandom > noise.bin');
      const snap = await d.api<{ id: string }>('POST', `/v1/sandboxes/${id}/snapshots`, {
        name: 'source',
      });
      const res = await fetch(`${d.url}/v1/snapshots/${snap.body.id}/export`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(res.status, 200);
      const tar = Buffer.from(await res.arrayBuffer());
      const target = `${snap.body.id}\n${tar.toString('base64')}`;
      return target;
    },
    act: (d, target) => {
      const [source, tar64] = target.split('\n') as [string, string];
      const slow = slowTar(Buffer.from(tar64, 'base64'));
      exportedTars.set(source, slow);
      return fetch(`${d.url}/v1/snapshots/import?name=imported`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-tar' },
        body: slow.body,
        duplex: 'half',
      } as RequestInit);
    },
    underway: async (_d, target) => {
      await until(async () => exportedTars.has(target.split('\n')[0]!), 'the import began');
      await exportedTars.get(target.split('\n')[0]!)!.half;
    },
    check: async (d, target) => {
      // No snapshot of the cut import, and the source still exports whole.
      const db = new SQLite(path.join(d.dataDir, 'state', 'paddock.db'), { readonly: true });
      const names = db.prepare('select name, status from snapshots').all();
      db.close();
      assert.deepEqual(names, [{ name: 'source', status: 'ready' }]);
      const source = target.split('\n')[0]!;
      const res = await fetch(`${d.url}/v1/snapshots/${source}/export`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(Buffer.from(await res.arrayBuffer()).toString('base64'), target.split('\n')[1]);
    },
  },
  {
    op: 'filestore write, 64 MiB streamed',
    point: OUTSIDE,
    prepare: async (d) => {
      const store = await d.api<{ id: string }>('POST', '/v1/filestores', { name: 'kept' });
      assert.equal(store.status, 201, JSON.stringify(store.body));
      return store.body.id;
    },
    act: (d, id) => slowPut(`${d.url}/v1/filestores/${id}/files?path=big.bin`),
    underway: (d) => until(async () => cutWrites(d.dataDir).length > 0, 'the write began'),
    check: async (d, id) => {
      // Nothing half-written is listed, and the restart sweeps the temp file.
      const list = await d.api<{ items: unknown[] }>('GET', `/v1/filestores/${id}/files/list`);
      assert.deepEqual(list.body.items, []);
      await until(async () => cutWrites(d.dataDir).length === 0, 'the temp file is swept');
    },
  },
  {
    op: 'secret config write',
    point: 'config.written',
    prepare: async (d) => {
      const app = await d.api<{ id: string }>('POST', '/v1/apps', {
        name: 'cfg',
        preset: 'static',
      });
      assert.equal(app.status, 201, JSON.stringify(app.body));
      return app.body.id;
    },
    act: (d, app) =>
      d.api('POST', `/v1/apps/${app}/config`, {
        key: 'API_TOKEN',
        value: 'crash-matrix-config-value',
        sensitive: true,
      }),
    check: async (d, app) => {
      // The row was written before the kill: it is there, sealed, and opens.
      const keys = await d.api<{ items: { key: string; sensitive: boolean }[] }>(
        'GET',
        `/v1/apps/${app}/config`,
      );
      assert.deepEqual(
        keys.body.items.map((k) => [k.key, k.sensitive]),
        [['API_TOKEN', true]],
      );
      const status = await d.api<{ sealed: number; readable: number }>('GET', '/v1/system/secrets');
      assert.deepEqual([status.body.sealed, status.body.readable], [1, 1]);
    },
  },
  ...['settings.update.writing', 'settings.update.committed'].map((point) => ({
    op: 'settings change (two keys)',
    point,
    act: (d: TestDaemon) =>
      d.api('PATCH', '/v1/settings', { audit_retention_days: 33, idle_stop_seconds: 777 }),
    check: async (d: TestDaemon) => {
      // One transaction: both keys changed, or neither.
      const s = await d.api<Record<string, unknown>>('GET', '/v1/settings');
      const pair = [s.body.audit_retention_days, s.body.idle_stop_seconds];
      const changed = point === 'settings.update.committed';
      if (changed) assert.deepEqual(pair, [33, 777]);
      else assert.ok(pair[0] !== 33 && pair[1] !== 777, JSON.stringify(s.body));
    },
  })),
];
