/**
 * Capability broker benchmark, through the real HTTP API of a real daemon (as root):
 *
 *   npm run bench:broker
 *
 * A web app is installed and a window's app session issued with the daemon's own key (as the
 * launch route does). Then, interleaved in the same run over one keep-alive client (Node's
 * fetch), N round trips each of:
 * - `app.kv.get` through `POST /v1/broker/call` (auth, app session, the app's row and standing,
 *   rate limit, holds(), params validation, the kv read, the audit-free read path);
 * - a bare `fetch` to the daemon: `GET /readyz` (no auth, no store);
 * - an authenticated read of the store for comparison: `GET /v1/userspace-apps/{id}`.
 * Prints p50/p99 in ms and the broker's ratios to each. The iframe → port → console leg is
 * added by the desktop's benchmark (issue 16 asks p50 ≤ 2 ms and ≤ 1.5× a bare fetch).
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { brokerCall, TestWindows } from '../test/brokerClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';
import { generateAppKey, makePackage, packageScratch, upload } from '../test/userspacePackages.js';

const N = Number(process.env.BENCH_CALLS ?? 2000);
const WARMUP = 200;

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

async function main(): Promise<void> {
  const dataDir = tempDataDir();
  let d: TestDaemon | undefined;
  try {
    d = await startDaemon({ dataDir });
    const daemon = d;
    // The benchmark measures latency, not the per-app limit.
    await daemon.api('PATCH', '/v1/settings', { userspace_broker_calls_per_minute: 1_000_000 });
    const key = generateAppKey();
    const pkg = await makePackage({ key, version: 1, permissions: ['app.kv'] });
    const res = await upload(daemon.url, daemon.token, pkg.bytes);
    if (res.status !== 201) throw new Error(`install answered ${res.status}`);
    const session = await new TestWindows(daemon).open(key.appId, 1);
    const auth = { token: daemon.token, session };
    const set = await brokerCall(daemon.url, auth, 'app.kv.set', {
      key: 'greeting',
      value: { text: 'hello', n: 42 },
    });
    if (set.status !== 200) throw new Error(`kv.set answered ${set.status}`);

    const legs: Record<string, () => Promise<number>> = {
      broker: async () =>
        (await brokerCall(daemon.url, auth, 'app.kv.get', { key: 'greeting' })).status,
      readyz: async () => {
        const r = await fetch(`${daemon.url}/readyz`);
        await r.arrayBuffer();
        return r.status;
      },
      app_row: async () => {
        const r = await fetch(`${daemon.url}/v1/userspace-apps/${key.appId}`, {
          headers: { authorization: `Bearer ${daemon.token}` },
        });
        await r.arrayBuffer();
        return r.status;
      },
    };
    const times: Record<string, number[]> = { broker: [], readyz: [], app_row: [] };
    const failures: Record<string, number> = { broker: 0, readyz: 0, app_row: 0 };
    for (let i = 0; i < WARMUP + N; i++) {
      for (const [name, leg] of Object.entries(legs)) {
        const t0 = performance.now();
        const status = await leg();
        const ms = performance.now() - t0;
        if (status !== 200) failures[name]! += 1;
        if (i >= WARMUP) times[name]!.push(ms);
      }
    }
    const s = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, stats(v)]));
    const line = (name: string) =>
      `${name.padEnd(28)} p50 ${s[name]!.p50.toFixed(3)} ms   p99 ${s[name]!.p99.toFixed(3)} ms   non-200: ${failures[name]}`;
    console.log(`broker benchmark: ${N} calls per leg, interleaved, after ${WARMUP} warm-up`);
    console.log(line('broker'), ' (app.kv.get via POST /v1/broker/call)');
    console.log(line('readyz'), ' (bare fetch)');
    console.log(line('app_row'), ' (GET /v1/userspace-apps/{id})');
    const ratio = (a: string, b: string, q: 'p50' | 'p99') => (s[a]![q] / s[b]![q]).toFixed(2);
    console.log(
      `ratios: broker/readyz p50 ${ratio('broker', 'readyz', 'p50')}× p99 ${ratio('broker', 'readyz', 'p99')}×; ` +
        `broker/app_row p50 ${ratio('broker', 'app_row', 'p50')}× p99 ${ratio('broker', 'app_row', 'p99')}×`,
    );
    console.log(
      JSON.stringify({
        calls: N,
        ...Object.fromEntries(
          Object.entries(s).map(([k, v]) => [
            k,
            { p50_ms: +v.p50.toFixed(3), p99_ms: +v.p99.toFixed(3) },
          ]),
        ),
      }),
    );
  } finally {
    await d?.stop();
    await destroyEverything(dataDir);
    fs.rmSync(packageScratch, { recursive: true, force: true });
  }
}

await main();
