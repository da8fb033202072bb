/**
 * Sandbox start and idle-memory benchmark, through the real HTTP API of a real daemon.
 *
 *   npm run bench            (as root; takes about a minute)
 *
 * 1. create → first exec output (POST /v1/sandboxes, then POST exec `echo ready`), p50/p99 over
 *    RUNS runs with the warm pool on — once with 250 ms between creates (a client's think time,
 *    which lets the pool refill) and once back to back (the pool drains and some creates boot
 *    cold) — and over COLD_RUNS runs with the pool off;
 * 2. the baseline, measured in the same run: bare `bwrap --ro-bind / / --unshare-all true`;
 * 3. idle memory per sandbox: the guest agent and bubblewrap processes of IDLE sandboxes, as
 *    PSS (shared pages split among their users) and USS (pages only that sandbox holds).
 * Prints ratios against the baseline; the goals are p50 within 5× bare bubblewrap and ≤ 25 MB idle.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { destroyEverything, startDaemon, type TestDaemon } from '../test/harness.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 50);
const IDLE = Number(process.env.BENCH_IDLE ?? 8);

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

function summary(samples: number[]): { p50: number; p99: number; min: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), min: s[0] ?? NaN };
}

function bareBwrap(runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync('bwrap', [
      '--ro-bind',
      '/',
      '/',
      '--unshare-all',
      '--die-with-parent',
      'true',
    ]);
    out.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`bare bwrap failed: ${r.stderr.toString()}`);
  }
  return out;
}

async function createToFirstOutput(d: TestDaemon, runs: number, gapMs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const created = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
    if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
    const exec = await d.api<{ stdout: string }>('POST', `/v1/sandboxes/${created.body.id}/exec`, {
      command: 'echo ready',
    });
    out.push(performance.now() - t);
    if (exec.body.stdout !== 'ready\n')
      throw new Error(`exec failed: ${JSON.stringify(exec.body)}`);
    await d.api('DELETE', `/v1/sandboxes/${created.body.id}`);
    // Give the pool its refill time, as a real client's think time would.
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  return out;
}

function smaps(pid: string): { pss: number; uss: number; rss: number } {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { pss: kb('Pss'), uss: kb('Private_Clean') + kb('Private_Dirty'), rss: kb('Rss') };
}

function processesOf(sandboxId: string): string[] {
  return fs.readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      return fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(sandboxId);
    } catch {
      return false;
    }
  });
}

const fmt = (n: number) => n.toFixed(1);

async function main(): Promise<void> {
  const bare = summary(bareBwrap(RUNS));
  console.log(
    `bare bwrap true            p50 ${fmt(bare.p50)} ms  p99 ${fmt(bare.p99)} ms  (n=${RUNS})`,
  );

  const warm = await startDaemon({ env: { PADDOCK_WARM_POOL: '2', PADDOCK_LOG_LEVEL: 'warn' } });
  let idleIds: string[] = [];
  try {
    await createToFirstOutput(warm, 3, 300); // warm-up: JIT, page cache
    const pooled = summary(await createToFirstOutput(warm, RUNS, 250));
    console.log(
      `create→first output (pool, 250 ms apart) p50 ${fmt(pooled.p50)} ms  p99 ${fmt(pooled.p99)} ms  ` +
        `(n=${RUNS})  ratio p50/bare ${fmt(pooled.p50 / bare.p50)}×`,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const burst = summary(await createToFirstOutput(warm, RUNS, 0));
    console.log(
      `create→first output (pool, back to back) p50 ${fmt(burst.p50)} ms  p99 ${fmt(burst.p99)} ms  ` +
        `(n=${RUNS})  ratio p50/bare ${fmt(burst.p50 / bare.p50)}×`,
    );
    await new Promise((r) => setTimeout(r, 1000));

    for (let i = 0; i < IDLE; i++) {
      idleIds.push((await warm.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id);
    }
    await new Promise((r) => setTimeout(r, 2000));
    let pss = 0;
    let uss = 0;
    let rss = 0;
    for (const id of idleIds) {
      for (const pid of processesOf(id)) {
        const m = smaps(pid);
        pss += m.pss;
        uss += m.uss;
        rss += m.rss;
      }
    }
    const per = (kb: number) => kb / 1024 / idleIds.length;
    console.log(
      `idle memory per sandbox    PSS ${fmt(per(pss))} MB  USS ${fmt(per(uss))} MB  RSS ${fmt(per(rss))} MB  ` +
        `(n=${idleIds.length}; goal ≤ 25 MB)`,
    );
    for (const id of idleIds) await warm.api('DELETE', `/v1/sandboxes/${id}`);
    idleIds = [];
  } finally {
    await warm.stop();
    await destroyEverything(warm.dataDir);
  }

  const cold = await startDaemon({ env: { PADDOCK_WARM_POOL: '0', PADDOCK_LOG_LEVEL: 'warn' } });
  try {
    await createToFirstOutput(cold, 2, 0);
    const c = summary(await createToFirstOutput(cold, COLD_RUNS, 0));
    console.log(
      `create→first output (no pool)            p50 ${fmt(c.p50)} ms  p99 ${fmt(c.p99)} ms  (n=${COLD_RUNS})  ` +
        `ratio p50/bare ${fmt(c.p50 / bare.p50)}×`,
    );
  } finally {
    await cold.stop();
    await destroyEverything(cold.dataDir);
  }
}

await main();
