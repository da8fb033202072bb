/**
 * Snapshot benchmarks, through the real HTTP API of a real daemon (as root):
 *
 *   npm run bench:snapshots
 *
 * A react-vite app is made realistic first: its build check run (dist/ is kept in snapshots)
 * and its files committed to git (as task checkpoints do). Then, in the same run:
 * 1. Capture time: POST /v1/sandboxes/{id}/snapshots into a store that does not hold the
 *    content yet (the previous snapshot deleted and collected), and again with the content
 *    stored, beside `tar -czf` of the same host directory with the same exclusions. Sent with
 *    node:http on a kept-alive connection: fetch would add about 0.8 ms of its own per call.
 *    Timed after WARMUP captures (each deleted again): a daemon that has served captures
 *    before, its code compiled by V8. The first capture after the daemon starts is printed too.
 * 2. Bytes newly stored by a second capture of the unchanged workspace, against the first's.
 * 3. Fork to first preview (POST /v1/apps/{id}/fork until `/` and `/src/App.tsx` answer 200)
 *    beside a fresh react-vite app's time to first preview, measured the same way.
 * 4. For information, capture beside tar again once the workspace has 2,000 more source files.
 * Goals: capture ≤ 0.5× tar's time; the second capture stores < 1% of the first's bytes; fork
 * to preview no slower than a fresh app.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getPreset } from '@paddock/presets';
import { DEFAULT_EXCLUDED_NAMES } from '@paddock/snapshots';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';
import { previewGet } from '../test/previewClient.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FORK_RUNS = Number(process.env.BENCH_FORK_RUNS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const SETTLE_MS = 1_500;

interface App {
  id: string;
  sandbox: { id: string; preview: { url: string } };
}
interface Snapshot {
  id: string;
  files: number;
  size_bytes: number;
  new_bytes: number;
  duration_ms: number;
  frozen_ms: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function until(
  probe: () => Promise<boolean>,
  what: string,
  ms = 300_000,
  everyMs = 25,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** From the request that makes an app until its preview serves `/` and the compiled App.tsx. */
async function toFirstPreview(d: TestDaemon, make: () => Promise<App>): Promise<[number, App]> {
  const t = performance.now();
  const app = await make();
  const url = app.sandbox.preview.url;
  const first = await previewGet(d.url, url);
  const cookie = first.headers['set-cookie']![0]!.split(';', 1)[0]!;
  // Looked at every 5 ms: fork and fresh differ by tens of ms, so a coarser poll would decide
  // the comparison. The App.tsx request itself waits for Vite to compile it.
  await until(
    async () => {
      if ((await previewGet(d.url, url, { cookie, path: '/' })).status !== 200) return false;
      return (await previewGet(d.url, url, { cookie, path: '/src/App.tsx' })).status === 200;
    },
    'preview',
    300_000,
    5,
  );
  return [performance.now() - t, app];
}

async function created(res: Promise<{ status: number; body: unknown }>): Promise<App> {
  const r = await res;
  if (r.status !== 201) throw new Error(`create failed: ${JSON.stringify(r.body)}`);
  return r.body as App;
}

async function sh(d: TestDaemon, sandbox: string, command: string): Promise<void> {
  const r = await d.api<{ exit_code: number; stderr: string }>(
    'POST',
    `/v1/sandboxes/${sandbox}/exec`,
    { command, timeout_ms: 300_000 },
  );
  if (r.body.exit_code !== 0) throw new Error(`${command} failed: ${r.body.stderr}`);
}

/** The workspace's mount point on the host (root-only), where tar reads the same files. */
function hostWorkspace(sandboxId: string): string {
  const found = spawnSync('find', ['/run/paddock', '-maxdepth', '3', '-name', sandboxId]);
  const dir = found.stdout.toString().trim().split('\n')[0];
  if (!dir) throw new Error(`no runtime dir for ${sandboxId}`);
  return path.join(dir, 'workspace');
}

function tarGz(dir: string, out: string): Promise<number> {
  const names = [...DEFAULT_EXCLUDED_NAMES, ...(getPreset('react-vite')!.snapshotExclude ?? [])];
  const excludes = names.map((n) => `--exclude=${n}`);
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn('tar', ['-czf', out, ...excludes, '-C', dir, '.'], { stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t) : reject(new Error(`tar exited ${code}`)),
    );
  });
}

/** One keep-alive connection: a capture is timed without a client library's own overhead. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(d: TestDaemon, p: string, body: unknown): Promise<{ status: number; text: string }> {
  const url = new URL(p, d.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${d.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function capture(d: TestDaemon, sandbox: string): Promise<[number, Snapshot]> {
  const t = performance.now();
  const r = await post(d, `/v1/sandboxes/${sandbox}/snapshots`, { name: 'bench' });
  const ms = performance.now() - t;
  if (r.status !== 201) throw new Error(`capture failed: ${r.text}`);
  return [ms, JSON.parse(r.text) as Snapshot];
}

/**
 * Captures of the workspace, with its content new to the store and with it stored, beside
 * `tar -czf` of the same tree; prints the medians and returns the first run's snapshots.
 */
async function captureVsTar(
  d: TestDaemon,
  sb: string,
  tmp: string,
  goal: string,
): Promise<{ first: Snapshot; second: Snapshot }> {
  const dir = hostWorkspace(sb);
  const tarMs: number[] = [];
  const freshMs: number[] = [];
  const storedMs: number[] = [];
  const inDaemon: number[] = [];
  const frozen: number[] = [];
  let first: Snapshot | undefined;
  let second: Snapshot | undefined;
  // Each timed run starts with nothing dirty on the host's disks: a capture's fdatasync would
  // otherwise also wait for whatever the run before it (tar's archive, a deletion) left behind.
  const settled = () => spawnSync('sync');
  for (let i = 0; i < RUNS; i++) {
    settled();
    tarMs.push(await tarGz(dir, path.join(tmp, `ws-${i}.tgz`)));
    settled();
    const [ms, snap] = await capture(d, sb);
    freshMs.push(ms);
    inDaemon.push(snap.duration_ms);
    frozen.push(snap.frozen_ms);
    first ??= snap;
    settled();
    const [again, unchanged] = await capture(d, sb);
    storedMs.push(again);
    second ??= unchanged;
    // Delete both: their content is collected, so the next fresh capture stores everything again.
    await d.api('DELETE', `/v1/snapshots/${unchanged.id}`);
    await d.api('DELETE', `/v1/snapshots/${snap.id}`);
  }
  const tarSize = fs.statSync(path.join(tmp, 'ws-0.tgz')).size;
  console.log(
    `  tree: ${first!.files} files, ${first!.size_bytes} bytes (tar.gz ${tarSize} bytes)`,
  );
  console.log(`  tar -czf (baseline)         median ${fmt(median(tarMs))}`);
  console.log(
    `  capture, content new        median ${fmt(median(freshMs))}  (${(median(freshMs) / median(tarMs)).toFixed(2)}× tar; ${goal})`,
  );
  console.log(
    `    of which in the daemon    median ${median(inDaemon)} ms (the app frozen ${median(frozen)} ms of it; whole ms)`,
  );
  console.log(
    `  capture, content stored     median ${fmt(median(storedMs))}  (${(median(storedMs) / median(tarMs)).toFixed(2)}× tar)`,
  );
  return { first: first!, second: second! };
}

async function main(): Promise<void> {
  const dataDir = tempDataDir();
  const d = await startDaemon({ dataDir, env: { PADDOCK_WARM_POOL: '2' } });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-snap-'));
  try {
    // The first app of the preset may fill the dependency cache: not what is measured.
    const [, source] = await toFirstPreview(d, () =>
      created(d.api('POST', '/v1/apps', { name: 'source', preset: 'react-vite' })),
    );
    const sb = source.sandbox.id;
    await sh(
      d,
      sb,
      'cd /workspace && node_modules/.bin/tsc -b && node_modules/.bin/vite build --configLoader runner',
    );
    await sh(
      d,
      sb,
      'cd /workspace && git init -q && git add -A && git -c user.name=bench -c user.email=b@x commit -qm start',
    );

    console.log('capture of a react-vite workspace (built, with git history)');
    const warmup: number[] = [];
    for (let i = 0; i < WARMUP; i++) {
      const [ms, snap] = await capture(d, sb);
      warmup.push(ms);
      await d.api('DELETE', `/v1/snapshots/${snap.id}`);
    }
    if (warmup.length > 0) {
      console.log(
        `  first capture of the daemon ${fmt(warmup[0]!)} (cold code; then ${WARMUP} warm-up captures, median ${fmt(median(warmup))})`,
      );
    }
    const { first, second } = await captureVsTar(d, sb, tmp, 'goal ≤ 0.5×');
    console.log('bytes newly stored');
    console.log(`  first capture   ${first.new_bytes} bytes`);
    console.log(
      `  second capture  ${second.new_bytes} bytes (${((100 * second.new_bytes) / first.new_bytes).toFixed(2)}% of the first; goal < 1%)`,
    );

    console.log('fork to first preview vs a fresh react-vite app');
    const snap = (await capture(d, sb))[1];
    const forkMs: number[] = [];
    const freshAppMs: number[] = [];
    const fresh = async (i: number) => {
      const [ms, app] = await toFirstPreview(d, () =>
        created(d.api('POST', '/v1/apps', { name: `fresh-${i}`, preset: 'react-vite' })),
      );
      freshAppMs.push(ms);
      await d.api('DELETE', `/v1/apps/${app.id}?purge=true`);
    };
    const fork = async () => {
      const [ms, app] = await toFirstPreview(d, () =>
        created(d.api('POST', `/v1/apps/${source.id}/fork`, { snapshot_id: snap.id })),
      );
      forkMs.push(ms);
      await d.api('DELETE', `/v1/apps/${app.id}?purge=true`);
    };
    for (let i = 0; i < FORK_RUNS; i++) {
      // Alternate which goes first, and let the warm pool refill before each: a pool member
      // booting beside a measurement would take CPU from whichever ran second.
      for (const run of i % 2 === 0 ? [() => fresh(i), fork] : [fork, () => fresh(i)]) {
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        await run();
      }
    }
    if (FORK_RUNS > 0) {
      console.log(
        `  fresh app (baseline)  median ${fmt(median(freshAppMs))}  runs ${freshAppMs.map(fmt).join(', ')}`,
      );
      console.log(
        `  fork                  median ${fmt(median(forkMs))}  (${(median(forkMs) / median(freshAppMs)).toFixed(2)}× fresh; goal ≤ 1.0×)  runs ${forkMs.map(fmt).join(', ')}`,
      );
    }

    // For information: how both scale once an app has grown (2,000 more source files, ~2 KB each).
    await sh(
      d,
      sb,
      'cd /workspace && mkdir -p src/generated && for i in $(seq 1 2000); do head -c 1500 /dev/urandom | base64 > src/generated/m$i.ts; done',
    );
    console.log('the same workspace with 2,000 more source files (for information)');
    await captureVsTar(d, sb, tmp, 'for information');
  } catch (err) {
    // What the daemon said last is usually why.
    console.error(d.output().split('\n').slice(-40).join('\n'));
    throw err;
  } finally {
    await d.stop();
    await destroyEverything(dataDir);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
