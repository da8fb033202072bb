/**
 * Userspace app install benchmark, through the real HTTP API of a real daemon (as root):
 *
 *   npm run bench:install
 *
 * 1. A ~5 MB web package (200 files: 100 generated text files, 100 of incompressible random
 *    bytes, deflated by a real zip writer) installed with POST /v1/userspace-apps as a raw body,
 *    a fresh key each run (purged after, untimed), beside the baseline measured in the same run:
 *    `unzip -q` of the same archive into a fresh directory, and the floor of an install that
 *    checks the whole package before it extracts anything: `unzip -tq`, then `unzip -q`. For
 *    information, the same package through @paddock/app-package in-process (openPackage, then
 *    extractPackage): the reading, checking and writing the daemon does, without HTTP or the
 *    store.
 * 2. A service package (a tiny node http server and a sandbox.yaml naming its health path):
 *    POST until the answer, which waits for the app's sandbox to boot and the health check to
 *    pass. Split with the sandbox's own events (sandbox.created, manifest.applied) and against a
 *    tiny web package's install in the same run (the same pipeline without the sandbox).
 * Goal: the web install within 2× unzip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { extractPackage, openPackage } from '@paddock/app-package';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';
import {
  generateAppKey,
  makePackage,
  packageScratch,
  upload,
  type PackageSpec,
} from '../test/userspacePackages.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SERVICE_RUNS = Number(process.env.BENCH_SERVICE_RUNS ?? 5);
const FILES = 200;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const list = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');

/** Source-like text: lines of identifiers and short random tokens (deflates about 3–4×). */
function textFile(bytes: number): string {
  const words = ['const', 'value', 'export', 'return', 'function', 'props', 'state', 'render'];
  let out = '';
  for (let i = 0; out.length < bytes; i++) {
    const w = words[i % words.length]!;
    out += `export const ${w}_${i} = (${w}) => "${randomBytes(6).toString('hex')}" + ${w};\n`;
  }
  return out.slice(0, bytes);
}

/** 200 files, ~5 MB: half text, half random bytes behind a PNG signature (no native magic). */
function webFiles(): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = { 'index.html': '<h1>bench</h1>' };
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (let i = 1; i < FILES; i++) {
    if (i % 2 === 0) files[`src/part${i % 7}/mod${i}.js`] = textFile(16 * 1024);
    else files[`assets/img${i}.png`] = Buffer.concat([png, randomBytes(34 * 1024)]);
  }
  return files;
}

const SERVER = `import http from 'node:http';
const port = Number(process.env.PORT ?? 3000);
http
  .createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : 'hello'))
  .listen(port, process.env.HOST ?? '127.0.0.1');
`;
const SANDBOX_YAML = `version: 1
web:
  command: node server.mjs
  port: 3000
  health_path: /healthz
`;

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`)),
    );
  });
}

/**
 * `unzip -q`; with `checkFirst`, `unzip -tq` before it: the floor of an install that reads the
 * whole package to check it before it extracts anything (Paddock's order).
 */
async function timeUnzip(file: string, checkFirst = false): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-unzip-'));
  try {
    const t = performance.now();
    if (checkFirst) await run('unzip', ['-tq', file]);
    await run('unzip', ['-q', file, '-d', path.join(dir, 'out')]);
    return performance.now() - t;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function timeInProcess(file: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-extract-'));
  try {
    const t = performance.now();
    const pkg = await openPackage(file, { private: true });
    await extractPackage(file, pkg.listing, path.join(dir, 'out'));
    return performance.now() - t;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** POST until the answer; the app purged after (untimed). */
async function timeInstall(d: TestDaemon, spec: Omit<PackageSpec, 'key'>) {
  const key = generateAppKey();
  const pkg = await makePackage({ key, compress: true, ...spec });
  const started = Date.now();
  const t = performance.now();
  const res = await upload(d.url, d.token, pkg.bytes);
  const ms = performance.now() - t;
  const answered = Date.now();
  if (res.status !== 201) throw new Error(`install failed: ${JSON.stringify(res.body)}`);
  const events = spec.app_type === 'service' ? await sandboxEvents(d, key.appId) : null;
  const purged = await d.api('DELETE', `/v1/userspace-apps/${key.appId}?purge=true&confirm=true`);
  if (purged.status !== 200) throw new Error(`purge failed: ${JSON.stringify(purged.body)}`);
  return { ms, bytes: pkg.bytes.length, file: pkg.file, started, answered, events };
}

/** When the service app's sandbox was made and its sandbox.yaml applied (epoch ms). */
async function sandboxEvents(d: TestDaemon, appId: string) {
  const sandboxes = await d.api<{ items: { id: string; metadata: Record<string, string> }[] }>(
    'GET',
    '/v1/sandboxes',
  );
  const sb = sandboxes.body.items.find((s) => s.metadata['paddock.userspace_app'] === appId);
  if (!sb) throw new Error(`no sandbox for ${appId}`);
  const page = await d.api<{ items: { type: string; created_at: string }[] }>(
    'GET',
    `/v1/sandboxes/${sb.id}/events`,
  );
  const at = (type: string) => {
    const e = page.body.items.find((i) => i.type === type);
    if (!e) throw new Error(`no ${type} event for ${sb.id}`);
    return Date.parse(e.created_at);
  };
  return { created: at('sandbox.created'), applied: at('manifest.applied') };
}

async function webInstall(d: TestDaemon): Promise<void> {
  const files = webFiles();
  const raw = Object.values(files).reduce((n, f) => n + f.length, 0);
  // One warm-up of each, not counted.
  const first = await timeInstall(d, { version: 1, files });
  await timeUnzip(first.file);
  await timeInProcess(first.file);
  console.log(
    `web package: ${FILES} files, ${(raw / 1e6).toFixed(1)} MB unpacked, ` +
      `${(first.bytes / 1e6).toFixed(1)} MB zipped; ${RUNS} runs each, interleaved`,
  );
  const unzip: number[] = [];
  const twoPass: number[] = [];
  const inProcess: number[] = [];
  const api: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const installed = await timeInstall(d, { version: 1, files });
    api.push(installed.ms);
    unzip.push(await timeUnzip(installed.file));
    twoPass.push(await timeUnzip(installed.file, true));
    inProcess.push(await timeInProcess(installed.file));
  }
  const u = median(unzip);
  const floor = median(twoPass);
  console.log(`  unzip -q                  median ${u.toFixed(0)} ms  (${list(unzip)})`);
  console.log(
    `  unzip -tq, then unzip -q  median ${floor.toFixed(0)} ms  (${list(twoPass)})  ${(floor / u).toFixed(2)}× unzip: check, then extract`,
  );
  console.log(
    `  openPackage + extract     median ${median(inProcess).toFixed(0)} ms  (${list(inProcess)})  ${(median(inProcess) / u).toFixed(2)}× unzip`,
  );
  console.log(
    `  POST /v1/userspace-apps   median ${median(api).toFixed(0)} ms  (${list(api)})  ${(median(api) / u).toFixed(2)}× unzip  (goal ≤ 2×), ${(median(api) / floor).toFixed(2)}× check-then-extract`,
  );
}

async function serviceInstall(d: TestDaemon): Promise<void> {
  const files = { 'server.mjs': SERVER, 'sandbox.yaml': SANDBOX_YAML };
  await timeInstall(d, { version: 1, app_type: 'service', files }); // warm-up
  const total: number[] = [];
  const tinyWeb: number[] = [];
  const untilCreated: number[] = [];
  const untilApplied: number[] = [];
  const healthWait: number[] = [];
  for (let i = 0; i < SERVICE_RUNS; i++) {
    const s = await timeInstall(d, { version: 1, app_type: 'service', files });
    total.push(s.ms);
    untilCreated.push(s.events!.created - s.started);
    untilApplied.push(s.events!.applied - s.events!.created);
    healthWait.push(s.answered - s.events!.applied);
    tinyWeb.push((await timeInstall(d, { version: 1, files })).ms);
  }
  const t = median(total);
  const boot = t - median(tinyWeb);
  console.log(`service package: a node http server and its sandbox.yaml; ${SERVICE_RUNS} runs`);
  console.log(`  POST until healthy        median ${t.toFixed(0)} ms  (${list(total)})`);
  console.log(
    `  the same files as web     median ${median(tinyWeb).toFixed(0)} ms  (${list(tinyWeb)})`,
  );
  console.log(
    `  sandbox boot + health     ~${boot.toFixed(0)} ms, ${((100 * boot) / t).toFixed(0)}% of the service install`,
  );
  console.log(
    `    POST → sandbox.created  median ${median(untilCreated).toFixed(0)} ms  (${list(untilCreated)})`,
  );
  console.log(
    `    → manifest.applied      median ${median(untilApplied).toFixed(0)} ms  (${list(untilApplied)})`,
  );
  console.log(
    `    → healthy, answered     median ${median(healthWait).toFixed(0)} ms  (${list(healthWait)})`,
  );
}

async function main(): Promise<void> {
  if (spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('unzip is missing: apt-get install unzip (scripts/setup.sh with tests)');
  }
  const dataDir = tempDataDir();
  // The daemon's default warm pool (the test harness turns it off).
  const d = await startDaemon({ dataDir, env: { PADDOCK_WARM_POOL: '2' } });
  try {
    await webInstall(d);
    await serviceInstall(d);
  } finally {
    await d.stop();
    await destroyEverything(dataDir);
    fs.rmSync(packageScratch, { recursive: true, force: true });
  }
}

await main();
