/**
 * SDK overhead benchmark, through a real daemon and a real sandbox (as root):
 *
 *   npm run bench:sdk
 *
 * One round trip: `sb.exec('true')` through @paddock/sdk (a streamed exec: POST with
 * `Accept: text/event-stream`, frames parsed, the result assembled). Interleaved in the same
 * run, the baseline: the same request with a bare `fetch` whose body is read whole and not
 * parsed. Prints p50/p99 in ms, the ratio and a JSON line. Issue 18's goal: SDK ≤ 1.1× raw.
 */
import { performance } from 'node:perf_hooks';
import { Paddock } from '@paddock/sdk';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';
import { stats } from './ptyRoundTrip.js';

const N = Number(process.env.BENCH_EXECS ?? 500);
const WARMUP = 50;
const GOAL = 1.1;

async function main(): Promise<void> {
  const dataDir = tempDataDir();
  let d: TestDaemon | undefined;
  try {
    d = await startDaemon({ dataDir });
    const pd = new Paddock({ url: d.url, token: d.token });
    const sb = await pd.sandboxes.create();
    const rawUrl = `${d.url}/v1/sandboxes/${sb.id}/exec`;
    const raw = async (): Promise<void> => {
      const res = await fetch(rawUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${d!.token}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
        },
        body: JSON.stringify({ command: 'true' }),
      });
      if (!res.ok || !(await res.text()).includes('event: exit'))
        throw new Error('raw exec failed');
    };
    const times: Record<'sdk' | 'raw', number[]> = { sdk: [], raw: [] };
    for (let i = 0; i < WARMUP + N; i++) {
      // Alternate which goes first, so neither always runs on a just-warmed path.
      const order: Array<'sdk' | 'raw'> = i % 2 ? ['sdk', 'raw'] : ['raw', 'sdk'];
      for (const leg of order) {
        const t0 = performance.now();
        if (leg === 'sdk') {
          const result = await sb.exec('true');
          if (result.exit_code !== 0) throw new Error('sdk exec failed');
        } else {
          await raw();
        }
        if (i >= WARMUP) times[leg].push(performance.now() - t0);
      }
    }
    await sb.delete();

    const s = { sdk: stats(times.sdk), raw: stats(times.raw) };
    const ratio = { p50: s.sdk.p50 / s.raw.p50, p99: s.sdk.p99 / s.raw.p99 };
    console.log(
      `sdk benchmark: ${N} exec round trips per leg, interleaved, after ${WARMUP} warm-up`,
    );
    console.log(
      `sdk  p50 ${s.sdk.p50.toFixed(3)} ms   p99 ${s.sdk.p99.toFixed(3)} ms   (sb.exec('true'))`,
    );
    console.log(
      `raw  p50 ${s.raw.p50.toFixed(3)} ms   p99 ${s.raw.p99.toFixed(3)} ms   (fetch, same request)`,
    );
    const met = ratio.p50 <= GOAL;
    console.log(
      `ratio sdk/raw: p50 ${ratio.p50.toFixed(3)}×  p99 ${ratio.p99.toFixed(3)}×; goal ≤ ${GOAL}×: ${met ? 'met' : 'NOT met'}`,
    );
    console.log(
      JSON.stringify({
        execs: N,
        sdk: { p50_ms: +s.sdk.p50.toFixed(3), p99_ms: +s.sdk.p99.toFixed(3) },
        raw: { p50_ms: +s.raw.p50.toFixed(3), p99_ms: +s.raw.p99.toFixed(3) },
        sdk_over_raw_p50: +ratio.p50.toFixed(3),
        sdk_over_raw_p99: +ratio.p99.toFixed(3),
        goal: GOAL,
        goal_met: met,
      }),
    );
  } finally {
    await d?.stop();
    await destroyEverything(dataDir);
  }
}

await main();
