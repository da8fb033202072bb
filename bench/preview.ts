/**
 * Preview benchmarks, through the real HTTP API of a real daemon (as root):
 *
 *   npm run bench:preview        (a few minutes; the cold run installs react-vite's dependencies)
 *
 * 1. Time to first preview of a react-vite app: POST /v1/apps until the preview answers `/` and
 *    the compiled `/src/App.tsx` with 200 through the proxy — cold (an empty dependency cache, so
 *    it includes `npm ci`; npm's own download cache may be warm) and warm (the cache filled) —
 *    beside the baseline measured in the same run: the same template's Vite dev server started
 *    directly on the host with its node_modules already present, until the same two answers.
 * 2. Preview proxy throughput and p50 latency for a node-express app: the same closed-loop load
 *    generator (bench/httpLoad.ts) against the preview URL on the daemon, and against the app's
 *    port directly from inside the sandbox's network namespace (nsenter).
 * Goals: warm time to first preview within 1.5× the bare Vite start; proxy ≥ 0.85× direct rps.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DependencyCache, getPreset, listTemplateFiles } from '@paddock/presets';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';
import { openPreview, previewGet } from '../test/previewClient.js';
import { agentSocket, load, pidInSandbox } from './sandboxProbes.js';

const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 3);
/** `ttfp` or `proxy` for one half; both when unset. */
const PART = process.env.BENCH_PART;

interface App {
  id: string;
  sandbox: { id: string; preview: { url: string } };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function get(port: number, p: string): Promise<number> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', () => resolve(0));
  });
}

async function until(probe: () => Promise<boolean>, what: string, ms = 600_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The template's dev server started directly on the host, node_modules already present. */
async function bareVite(nodeModules: string, port: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-vite-'));
  for (const f of await listTemplateFiles(getPreset('react-vite')!)) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f.content);
  }
  fs.symlinkSync(nodeModules, path.join(dir, 'node_modules'));
  // The preset's own web command, as the sandbox runs it.
  const command = getPreset('react-vite')!.manifest.web!.command.replace('5173', String(port));
  const t = performance.now();
  const vite = spawn('/bin/sh', ['-c', `exec ${command}`], {
    cwd: dir,
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
  });
  try {
    await until(
      async () => (await get(port, '/')) === 200 && (await get(port, '/src/App.tsx')) === 200,
      'bare vite',
    );
    return performance.now() - t;
  } finally {
    vite.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** POST /v1/apps until `/` and `/src/App.tsx` answer 200 through the preview proxy. */
async function appToFirstPreview(d: TestDaemon): Promise<number> {
  const t = performance.now();
  const res = await d.api<App>('POST', '/v1/apps', { name: 'bench', preset: 'react-vite' });
  if (res.status !== 201) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
  const url = res.body.sandbox.preview.url;
  const first = await previewGet(d.url, url);
  const cookie = first.headers['set-cookie']![0]!.split(';', 1)[0]!;
  await until(async () => {
    const page = await previewGet(d.url, url, { cookie, path: '/' });
    if (page.status !== 200) return false;
    return (await previewGet(d.url, url, { cookie, path: '/src/App.tsx' })).status === 200;
  }, 'preview');
  const ms = performance.now() - t;
  await d.api('DELETE', `/v1/apps/${res.body.id}?purge=true`);
  return ms;
}

async function main(): Promise<void> {
  const cacheRoot = fs.mkdtempSync('/var/cache/paddock-bench-');
  fs.chmodSync(cacheRoot, 0o755);
  const dataDir = tempDataDir();
  // The daemon's default warm pool (the test harness turns it off).
  const d = await startDaemon({
    dataDir,
    env: { PADDOCK_CACHE_DIR: cacheRoot, PADDOCK_WARM_POOL: '2' },
  });
  try {
    if (PART !== 'proxy') await timeToFirstPreview(d, cacheRoot);
    if (PART !== 'ttfp') await proxyThroughput(d);
  } finally {
    await d.stop();
    await destroyEverything(dataDir);
    fs.rmSync(cacheRoot, { recursive: true, force: true });
  }
}

async function timeToFirstPreview(d: TestDaemon, cacheRoot: string): Promise<void> {
  console.log('time to first preview, react-vite');
  const cold = await appToFirstPreview(d);
  const warm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    // Time for the mount-set pool to refill, as between two people creating apps.
    await new Promise((r) => setTimeout(r, 3_000));
    warm.push(await appToFirstPreview(d));
  }
  const { nodeModules } = await new DependencyCache({ root: cacheRoot }).ensure('react-vite');
  const bare: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) bare.push(await bareVite(nodeModules, 45173 + i));
  const b = median(bare);
  const list = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`  bare vite on the host   median ${b.toFixed(0)} ms  (${list(bare)})`);
  console.log(
    `  paddock, warm cache     median ${median(warm).toFixed(0)} ms  (${list(warm)})  ${(median(warm) / b).toFixed(2)}× bare  (goal ≤ 1.5×)`,
  );
  console.log(
    `  paddock, cold cache     ${cold.toFixed(0)} ms  ${(cold / b).toFixed(1)}× bare (includes npm ci)`,
  );
}

async function proxyThroughput(d: TestDaemon): Promise<void> {
  console.log('preview proxy throughput, node-express');
  const app = (await d.api<App>('POST', '/v1/apps', { name: 'load', preset: 'node-express' })).body;
  const { cookie } = await openPreview(d.url, app.sandbox.preview.url);
  await until(
    async () =>
      (await previewGet(d.url, app.sandbox.preview.url, { cookie, path: '/' })).status === 200,
    'express',
  );
  const host = new URL(app.sandbox.preview.url).host;
  const viaProxy = await load([`${d.url}/`, host, cookie]);
  const direct = await load(['http://127.0.0.1:3000/'], pidInSandbox(app.sandbox.id));
  const viaBridge = await load(['--bridge', agentSocket(app.sandbox.id), '3000']);
  console.log(
    `  direct (in the sandbox's netns)  ${direct.rps} req/s  p50 ${direct.p50_ms} ms  p99 ${direct.p99_ms} ms`,
  );
  console.log(
    `  through the preview proxy        ${viaProxy.rps} req/s  p50 ${viaProxy.p50_ms} ms  p99 ${viaProxy.p99_ms} ms  non-200: ${viaProxy.non_200}`,
  );
  console.log(
    `  the agent's port bridge alone    ${viaBridge.rps} req/s  p50 ${viaBridge.p50_ms} ms  p99 ${viaBridge.p99_ms} ms`,
  );
  console.log(
    `  ratio ${(viaProxy.rps! / direct.rps!).toFixed(2)}× direct throughput (goal ≥ 0.85); ` +
      `${(viaProxy.rps! / viaBridge.rps!).toFixed(2)}× the bridge alone (the daemon's own cost)`,
  );
}

await main();
