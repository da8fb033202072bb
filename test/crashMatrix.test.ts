/**
 * The crash matrix (issue 20): each operation is run on a daemon armed to die with SIGKILL at a
 * named point (`PADDOCK_FAILPOINTS`), or killed by the test once the operation is seen under way,
 * then the daemon starts again on the same data dir and the invariants must hold: the API
 * answers; no row is left in a state it cannot leave (a sandbox `starting` or `stopping`, a
 * snapshot `capturing`, a task `queued` or `running`); the operation's own invariants (nothing
 * half-written visible, every secret opens); every sandbox the API calls running runs (and is
 * not left frozen) and every other one can be deleted; and once they are deleted and the daemon
 * stopped, nothing of the data dir is left on the host (processes, cgroups, mounts, loop
 * devices, uid claims). docs/reliability.md lists the cells.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { findLeftovers } from '@paddock/driver-local';
import type { ExecResult } from '@paddock/shared';
import { DEFAULT_UID_CLAIM_DIR } from '../packages/driver-local/src/jail/sandboxUser.js';
import { CELLS, FRESH_CACHE, newSandbox, OUTSIDE, TOKEN } from './crashMatrixCells.js';
import { destroyEverything, startDaemon, tempDataDir } from './harness.js';

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
    fs.rmSync(FRESH_CACHE, { recursive: true, force: true });
  });

  for (const cell of CELLS) {
    it(`${cell.op}, killed at ${cell.point}: every invariant holds after a restart`, async () => {
      const dataDir = tempDataDir();
      dataDirs.push(dataDir);
      let target = '';
      if (cell.prepare) {
        const d = await startDaemon({ dataDir, token: TOKEN, env: cell.env ?? {} });
        target = await cell.prepare(d);
        await d.stop();
      }

      const armed = await startDaemon({
        dataDir,
        token: TOKEN,
        env: {
          ...cell.env,
          ...(cell.point === OUTSIDE ? {} : { PADDOCK_FAILPOINTS: `${cell.point}=kill` }),
        },
      });
      const died = new Promise<NodeJS.Signals | null>((resolve) =>
        armed.proc.once('exit', (_code, signal) => resolve(signal)),
      );
      // The request dies with the daemon, or (a task) was answered before the point came.
      const acting = Promise.resolve(cell.act(armed, target)).catch(() => undefined);
      if (cell.underway) {
        await cell.underway(armed, target);
        armed.proc.kill('SIGKILL');
      }
      await acting;
      let timer: NodeJS.Timeout | undefined;
      const signal = await Promise.race([
        died,
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('alive'), 60_000))),
      ]).finally(() => clearTimeout(timer));
      if (signal === 'alive') armed.proc.kill('SIGKILL');
      assert.equal(signal, 'SIGKILL', `the daemon died at ${cell.point}`);

      const d = await startDaemon({ dataDir, token: TOKEN, env: cell.env ?? {} });
      try {
        assert.equal((await fetch(`${d.url}/readyz`)).status, 200);
        assert.deepEqual(stuckRows(dataDir), [], 'no row in a state it cannot leave');
        await cell.check?.(d, target);
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
