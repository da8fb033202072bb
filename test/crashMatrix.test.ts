/**
 * The crash matrix (issue 20): each operation is run on a daemon armed to die with SIGKILL at a
 * named point (`PADDOCK_FAILPOINTS`), then the daemon starts again on the same data dir and the
 * invariants must hold: the API answers; no row is left in a state it cannot leave (a sandbox
 * `starting` or `stopping`, a snapshot `capturing`, a task `queued` or `running`); every sandbox the API calls running runs
 * (and is not left frozen) and every other one can be deleted; and once they are deleted and
 * the daemon stopped, nothing of the data dir is left on the host (processes, cgroups, mounts,
 * loop devices, uid claims). docs/reliability.md lists the cells.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { findLeftovers } from '@paddock/driver-local';
import type { ExecResult } from '@paddock/shared';
import { DEFAULT_UID_CLAIM_DIR } from '../packages/driver-local/src/jail/sandboxUser.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

const TOKEN = 'crash-matrix-admin-token';

interface Cell {
  op: string;
  point: string;
  /** Made on a daemon that is not armed; its result is handed to `act`. */
  prepare?: (d: TestDaemon) => Promise<string>;
  /** The request the armed daemon dies in. */
  act: (d: TestDaemon, sandbox: string) => Promise<unknown>;
}

const newSandbox = async (d: TestDaemon): Promise<string> => {
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

const CELLS: Cell[] = [
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
  ...['snapshot.capture.read', 'snapshot.capture.ready'].map((point) => ({
    op: 'snapshot capture',
    point,
    prepare: sandboxWithFiles,
    act: (d: TestDaemon, id: string) =>
      d.api('POST', `/v1/sandboxes/${id}/snapshots`, { name: 'crash' }),
  })),
];

/** Rows in a state only a running operation may hold. */
function stuckRows(dataDir: string): string[] {
  const db = new SQLite(path.join(dataDir, 'state', 'paddock.db'), { readonly: true });
  try {
    const sandboxes = db
      .prepare("select id, status from sandboxes where status in ('starting', 'stopping')")
      .all() as { id: string; status: string }[];
    const snapshots = db
      .prepare("select id, status from snapshots where status = 'capturing'")
      .all() as { id: string; status: string }[];
    const tasks = db
      .prepare("select id, status from tasks where status in ('queued', 'running')")
      .all() as { id: string; status: string }[];
    return [...sandboxes, ...snapshots, ...tasks].map((r) => `${r.id} ${r.status}`);
  } finally {
    db.close();
  }
}

/** Host state of the data dir with its daemon stopped and every sandbox deleted. */
async function hostLeftovers(dataDir: string): Promise<string[]> {
  const found = (await findLeftovers({ include: 'gone_or_dead' })).filter(
    (d) => d.data_dir === dataDir,
  );
  const items = found
    .flatMap((d) => d.items)
    .filter((i) => i.kind !== 'runtime_dir')
    .map((i) => `${i.kind} ${i.id}`);
  const claims = fs.existsSync(DEFAULT_UID_CLAIM_DIR) ? fs.readdirSync(DEFAULT_UID_CLAIM_DIR) : [];
  for (const name of claims) {
    const text = fs.readFileSync(path.join(DEFAULT_UID_CLAIM_DIR, name), 'utf8');
    if (text.includes(JSON.stringify(dataDir))) items.push(`uid_claim ${name}`);
  }
  return items;
}

describe('the crash matrix: SIGKILL at each named point, then a restart', () => {
  const dataDirs: string[] = [];
  after(async () => {
    for (const dir of dataDirs) await destroyEverything(dir);
  });

  for (const cell of CELLS) {
    it(`${cell.op}, killed at ${cell.point}: every invariant holds after a restart`, async () => {
      const dataDir = tempDataDir();
      dataDirs.push(dataDir);
      let target = '';
      if (cell.prepare) {
        const d = await startDaemon({ dataDir, token: TOKEN });
        target = await cell.prepare(d);
        await d.stop();
      }

      const armed = await startDaemon({
        dataDir,
        token: TOKEN,
        env: { PADDOCK_FAILPOINTS: `${cell.point}=kill` },
      });
      const died = new Promise<NodeJS.Signals | null>((resolve) =>
        armed.proc.once('exit', (_code, signal) => resolve(signal)),
      );
      // The request dies with the daemon, or (a task) was answered before the point came.
      await Promise.resolve(cell.act(armed, target)).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const signal = await Promise.race([
        died,
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('alive'), 60_000))),
      ]).finally(() => clearTimeout(timer));
      if (signal === 'alive') armed.proc.kill('SIGKILL');
      assert.equal(signal, 'SIGKILL', `the daemon died at ${cell.point}`);

      const d = await startDaemon({ dataDir, token: TOKEN });
      try {
        assert.equal((await fetch(`${d.url}/readyz`)).status, 200);
        assert.deepEqual(stuckRows(dataDir), [], 'no row in a state it cannot leave');
        const list = await d.api<{ items: { id: string; status: string }[] }>(
          'GET',
          '/v1/sandboxes?limit=100',
        );
        assert.equal(list.status, 200);
        for (const sb of list.body.items) {
          if (sb.status === 'running') {
            // Answers at once: not left frozen by a capture the crash cut short.
            const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb.id}/exec`, {
              command: 'echo alive',
              timeout_ms: 10_000,
            });
            assert.equal(res.body.stdout, 'alive\n', `${sb.id} runs`);
          }
          assert.equal((await d.api('DELETE', `/v1/sandboxes/${sb.id}`)).status, 204);
        }
        // A create cut short before its answer is the client's to retry: it works.
        const again = await newSandbox(d);
        assert.equal((await d.api('DELETE', `/v1/sandboxes/${again}`)).status, 204);
      } finally {
        await d.stop();
      }
      assert.deepEqual(await hostLeftovers(dataDir), [], 'nothing of the data dir left behind');
    });
  }
});
