/**
 * What the syscall filter costs a sandbox start, with the local driver (as root):
 *
 *   npm run bench:seccomp
 *
 * Two drivers in one run, one with the seccomp filter (the default) and one without, no warm
 * pool: create → first exec (`true`) → destroy, alternating between them. Prints p50/p99 of
 * create + first exec for each and the ratio. Issue 19's goal: ≤ 1.05×.
 */
import { performance } from 'node:perf_hooks';
import { exec, openTestDriver, SMALL } from '../packages/driver-local/test/helpers.js';
import { stats } from './ptyRoundTrip.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const WARMUP = 3;
const GOAL = 1.05;

async function main(): Promise<void> {
  const legs = {
    seccomp: await openTestDriver({ seccomp: true }),
    bare: await openTestDriver({ seccomp: false }),
  };
  const times: Record<keyof typeof legs, number[]> = { seccomp: [], bare: [] };
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const order: Array<keyof typeof legs> = i % 2 ? ['seccomp', 'bare'] : ['bare', 'seccomp'];
      for (const leg of order) {
        const { driver } = legs[leg];
        const t0 = performance.now();
        const { id } = await driver.create({ limits: SMALL });
        const r = await exec(driver, id, 'true');
        if (r.exit_code !== 0) throw new Error(`${leg}: exec failed`);
        if (i >= WARMUP) times[leg].push(performance.now() - t0);
        await driver.destroy(id);
      }
    }
  } finally {
    await legs.seccomp.cleanup();
    await legs.bare.cleanup();
  }
  const s = { seccomp: stats(times.seccomp), bare: stats(times.bare) };
  const ratio = s.seccomp.p50 / s.bare.p50;
  console.log(`seccomp benchmark: ${RUNS} cold create → first exec per leg, alternating`);
  for (const leg of ['seccomp', 'bare'] as const) {
    console.log(
      `${leg.padEnd(8)} p50 ${s[leg].p50.toFixed(1)} ms   p99 ${s[leg].p99.toFixed(1)} ms`,
    );
  }
  const met = ratio <= GOAL;
  console.log(
    `ratio seccomp/bare p50 ${ratio.toFixed(3)}×; goal ≤ ${GOAL}×: ${met ? 'met' : 'NOT met'}`,
  );
  console.log(
    JSON.stringify({
      runs: RUNS,
      seccomp: { p50_ms: +s.seccomp.p50.toFixed(1), p99_ms: +s.seccomp.p99.toFixed(1) },
      bare: { p50_ms: +s.bare.p50.toFixed(1), p99_ms: +s.bare.p99.toFixed(1) },
      seccomp_over_bare_p50: +ratio.toFixed(3),
      goal: GOAL,
      goal_met: met,
    }),
  );
}

await main();
