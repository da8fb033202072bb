/**
 * The soak benchmark (issue 20), through the real HTTP API of a real daemon (as root):
 *
 *   npm run bench:soak      (SOAK_SANDBOXES=50 SOAK_MINUTES=10 by default; loopback only)
 *
 * SOAK_SANDBOXES apps of the dependency-free `static` preset, each serving a small HTTP and
 * WebSocket echo server (bench/soakSocket.ts). Most are busy: every SOAK_PERIOD_MS each runs an
 * exec, writes and reads back a file, fetches its preview and echoes a WebSocket message. A tenth
 * get no traffic, so the idle stop stops them, and are woken again through their preview. A task
 * runs every few seconds somewhere, a snapshot is taken (and deleted) every 20 s, and a few
 * sandboxes keep the egress proxy busy with a loopback upstream (PADDOCK_EGRESS_RESOLVE).
 *
 * Reported: every error (goal 0); p50/p99 of each kind of request in minute 1 and in the last
 * minute (goal: p99 drift ≤ 20%); the daemon's RSS and open fds after minute 1 and at the end
 * (goal: growth ≤ 10%); and that nothing of the sandboxes is left on the host after cleanup.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { findLeftovers } from '@paddock/driver-local';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';
import { cookieFrom, openPreview, previewGet } from '../test/previewClient.js';
import { SOAK_SERVER_JS, SoakSocket } from './soakSocket.js';

const SANDBOXES = Number(process.env.SOAK_SANDBOXES ?? 50);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const PERIOD_MS = Number(process.env.SOAK_PERIOD_MS ?? 5_000);
const IDLE = Math.max(2, Math.round(SANDBOXES / 10));
const EGRESS = Math.min(5, SANDBOXES - IDLE);
const IDLE_STOP_SECONDS = 30;
const EGRESS_HOST = 'up.soak.test';
const DISK_MB = 256;
const MEMORY_MB = 256;

interface App {
  id: string;
  sandbox: { id: string; status: string; preview: { url: string | null; status: string } };
}
interface Soaked {
  app: string;
  sandbox: string;
  previewUrl: string;
  host: string;
  cookie: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number): number =>
  xs.length === 0
    ? NaN
    : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/** Latencies per kind and minute, and every error by kind and message. */
class Recorder {
  readonly latencies = new Map<string, number[][]>();
  readonly errors = new Map<string, number>();
  readonly counts = new Map<string, number>();
  started = 0;

  minute(): number {
    return Math.min(MINUTES - 1, Math.floor((performance.now() - this.started) / 60_000));
  }

  count(what: string, n = 1): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n);
  }

  error(kind: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const key = `${kind}: ${message.slice(0, 160)}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  /** Runs `step`, recording its time under `kind`, or its failure as an error. */
  async timed(kind: string, step: () => Promise<void>): Promise<boolean> {
    const t = performance.now();
    try {
      await step();
    } catch (err) {
      this.error(kind, err);
      return false;
    }
    const minutes = this.latencies.get(kind) ?? Array.from({ length: MINUTES }, () => []);
    this.latencies.set(kind, minutes);
    minutes[this.minute()]!.push(performance.now() - t);
    return true;
  }
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** An unexpected answer, with its error code and message, for the error list. */
function answered(what: string, r: { status: number; body: unknown }): string {
  return `${what} answered ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
}

/** Busy and total jiffies of the whole host, from /proc/stat. */
function hostCpu(): { busy: number; total: number } {
  const fields = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

function daemonUsage(pid: number): { rssMb: number; fds: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return { rssMb: rssKb / 1024, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}

async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  ms = 120_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(200);
  }
}

/** An app serving the soak server, with a preview cookie. */
async function soakApp(d: TestDaemon, i: number, created: string[]): Promise<Soaked> {
  const made = await d.api<App>('POST', '/v1/apps', { name: `soak-${i}`, preset: 'static' });
  if (made.status !== 201)
    throw new Error(`app create answered ${made.status}: ${JSON.stringify(made.body)}`);
  created.push(made.body.id);
  const app = await until(async () => {
    const a = (await d.api<App>('GET', `/v1/apps/${made.body.id}`)).body;
    return a.sandbox?.preview.url && a.sandbox.status === 'running' ? a : undefined;
  }, 'the app runs');
  const put = await fetch(`${d.url}/v1/sandboxes/${app.sandbox.id}/files?path=server.js`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
    body: SOAK_SERVER_JS,
  });
  if (put.status !== 200) throw new Error(`server.js answered ${put.status}`);
  const previewUrl = app.sandbox.preview.url!;
  const { cookie } = await openPreview(d.url, previewUrl);
  // node --watch restarts the web process on the new server.js.
  await until(async () => {
    const page = await previewGet(d.url, previewUrl, { cookie, path: '/ready' });
    return page.body === 'soak /ready' ? true : undefined;
  }, 'the soak server answers');
  return {
    app: app.id,
    sandbox: app.sandbox.id,
    previewUrl,
    host: new URL(previewUrl).host,
    cookie,
  };
}

/** One busy sandbox: exec, a file round trip, a preview request and a WebSocket echo per period. */
async function busyLoop(
  d: TestDaemon,
  s: Soaked,
  rec: Recorder,
  stop: () => boolean,
): Promise<void> {
  // A holder, not a local: the echo's failure handler drops the socket from inside a closure.
  const link: { ws: SoakSocket | null } = { ws: null };
  for (let round = 0; !stop(); round++) {
    const t = performance.now();
    await rec.timed('exec', async () => {
      const r = await d.api<{ stdout: string; exit_code: number }>(
        'POST',
        `/v1/sandboxes/${s.sandbox}/exec`,
        { command: `echo soak-${round}` },
      );
      expect(r.status === 200 && r.body.stdout === `soak-${round}\n`, answered('exec', r));
    });
    await rec.timed('file', async () => {
      const body = `round ${round} `.repeat(256);
      const url = `${d.url}/v1/sandboxes/${s.sandbox}/files?path=soak.txt`;
      const auth = { authorization: `Bearer ${d.token}` };
      const put = await fetch(url, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body,
      });
      const written = await put.text();
      expect(put.status === 200, `file write answered ${put.status} ${written.slice(0, 200)}`);
      const got = await fetch(url, { headers: auth });
      const text = await got.text();
      expect(got.status === 200, `file read answered ${got.status} ${text.slice(0, 200)}`);
      expect(text === body, 'the file read back differs');
    });
    await rec.timed('preview', async () => {
      const page = await previewGet(d.url, s.previewUrl, { cookie: s.cookie, path: `/p${round}` });
      expect(
        page.status === 200 && page.body === `soak /p${round}`,
        `preview answered ${page.status} ${page.body.slice(0, 200)}`,
      );
    });
    // A new WebSocket every 20 rounds, so upgrades are exercised as well as a long-lived one.
    if (link.ws && round % 20 === 0) {
      link.ws.close();
      link.ws = null;
    }
    await rec.timed('websocket', async () => {
      link.ws ??= await SoakSocket.open(d.url, s.host, s.cookie);
      const echoed = await link.ws.echo(`m${round}`).catch((err: unknown) => {
        link.ws = null;
        throw err;
      });
      expect(echoed === `m${round}`, 'the echo differs');
    });
    await sleep(Math.max(0, PERIOD_MS * (0.8 + Math.random() * 0.4) - (performance.now() - t)));
  }
  link.ws?.close();
}

/** A task every few seconds on some busy sandbox, each followed to its end. */
async function taskLoop(
  d: TestDaemon,
  busy: Soaked[],
  rec: Recorder,
  stop: () => boolean,
): Promise<void> {
  const running: Promise<unknown>[] = [];
  for (let i = 0; !stop(); i++) {
    const s = busy[i % busy.length]!;
    running.push(
      rec.timed('task', async () => {
        const made = await d.api<{ id: string }>('POST', `/v1/sandboxes/${s.sandbox}/tasks`, {
          provider: 'command',
          input: { script: `echo task ${i} > soak-task.txt` },
        });
        expect(made.status === 201 || made.status === 202, answered('task create', made));
        const done = await until(async () => {
          const t = (await d.api<{ status: string }>('GET', `/v1/tasks/${made.body.id}`)).body;
          return ['queued', 'running'].includes(t.status) ? undefined : t;
        }, 'the task ends');
        expect(done.status === 'succeeded', `the task ended ${JSON.stringify(done).slice(0, 300)}`);
        rec.count('tasks');
      }),
    );
    await sleep(5_000);
  }
  await Promise.all(running);
}

/** A snapshot every 20 s of some busy sandbox, deleted once taken (the store stays small). */
async function snapshotLoop(
  d: TestDaemon,
  busy: Soaked[],
  rec: Recorder,
  stop: () => boolean,
): Promise<void> {
  for (let i = 0; !stop(); i++) {
    const s = busy[(i * 7) % busy.length]!;
    await rec.timed('snapshot', async () => {
      const snap = await d.api<{ id: string; status: string }>(
        'POST',
        `/v1/sandboxes/${s.sandbox}/snapshots`,
        { name: `soak-${i}` },
      );
      expect(snap.status === 201 && snap.body.status === 'ready', answered('snapshot', snap));
      const gone = await d.api('DELETE', `/v1/snapshots/${snap.body.id}`);
      expect(gone.status === 204, answered('snapshot delete', gone));
      rec.count('snapshots');
    });
    await sleep(20_000);
  }
}

/** Idle sandboxes are stopped by the daemon; each stopped one is woken through its preview. */
async function wakeLoop(
  d: TestDaemon,
  idle: Soaked[],
  rec: Recorder,
  stop: () => boolean,
): Promise<void> {
  while (!stop()) {
    for (const s of idle) {
      if (stop()) break;
      const sb = (await d.api<{ status: string }>('GET', `/v1/sandboxes/${s.sandbox}`)).body;
      if (sb.status !== 'stopped') continue;
      rec.count('idle stops');
      await rec.timed('wake', async () => {
        const first = await previewGet(d.url, s.previewUrl, { cookie: s.cookie, path: '/' });
        expect(
          first.status === 503,
          `a stopped preview answered ${first.status} ${first.body.slice(0, 200)}`,
        );
        s.cookie = cookieFrom(first) ?? s.cookie;
        await until(
          async () => {
            const page = await previewGet(d.url, s.previewUrl, { cookie: s.cookie, path: '/w' });
            return page.status === 200 && page.body === 'soak /w' ? true : undefined;
          },
          'the woken preview answers',
          60_000,
        );
        rec.count('wakes');
      });
    }
    await sleep(5_000);
  }
}

/** A loopback upstream for the egress proxy, counting what reaches it. */
async function upstream(): Promise<{ port: number; hits: () => number; close: () => void }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    hits: () => hits,
    close: () => server.close(),
  };
}

function report(
  rec: Recorder,
  usage: { at: number; rssMb: number; fds: number }[],
  quiet: { fds: number },
  cpuBusy: number,
): void {
  const row = (xs: number[]) =>
    `n=${String(xs.length).padStart(5)}  p50 ${quantile(xs, 0.5).toFixed(1).padStart(7)} ms  p99 ${quantile(xs, 0.99).toFixed(1).padStart(7)} ms`;
  console.log(`\n              minute 1                                minute ${MINUTES}`);
  for (const [kind, minutes] of rec.latencies) {
    const first = minutes[0]!;
    const last = minutes[MINUTES - 1]!;
    const drift = quantile(last, 0.99) / quantile(first, 0.99) - 1;
    console.log(
      `  ${kind.padEnd(10)}  ${row(first)}    ${row(last)}    p99 drift ${(drift * 100).toFixed(0)}%`,
    );
  }
  const errors = [...rec.errors.values()].reduce((a, b) => a + b, 0);
  console.log(`\nerrors: ${errors} (goal 0)`);
  for (const [what, n] of rec.errors) console.log(`  ${n} × ${what}`);
  // Medians over minute 2 (warmed up) and over the last minute, so requests in flight at one
  // sampling moment do not decide the comparison.
  const window = (from: number, to: number) => {
    const xs = usage.filter((u) => u.at >= from && u.at < to);
    return {
      rssMb: quantile(
        xs.map((u) => u.rssMb),
        0.5,
      ),
      fds: quantile(
        xs.map((u) => u.fds),
        0.5,
      ),
    };
  };
  const warm = window(60_000, 120_000);
  const end = window((MINUTES - 1) * 60_000, Infinity);
  const growth = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)}%`;
  console.log(
    `daemon RSS in minute 2 ${warm.rssMb.toFixed(0)} MB, in minute ${MINUTES} ${end.rssMb.toFixed(0)} MB: ` +
      `${growth(warm.rssMb, end.rssMb)} (goal ≤ 10%); peak ${Math.max(...usage.map((u) => u.rssMb)).toFixed(0)} MB`,
  );
  console.log(
    `daemon open fds in minute 2 ${warm.fds}, in minute ${MINUTES} ${end.fds}: ${growth(warm.fds, end.fds)} (goal ≤ 10%); ` +
      `${quiet.fds} once the traffic stopped`,
  );
  console.log(`counts: ${[...rec.counts].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log(`host CPU busy ${(cpuBusy * 100).toFixed(0)}% over the soak (all cores)`);
}

async function main(): Promise<void> {
  const up = await upstream();
  const dataDir = tempDataDir();
  const memBefore = os.freemem();
  const d = await startDaemon({
    dataDir,
    env: {
      PADDOCK_EGRESS_RESOLVE: `${EGRESS_HOST}=127.0.0.1:${up.port}`,
      PADDOCK_LOG_LEVEL: 'warn',
      // Images are sparse, but admission counts each at its full size: 2 GiB each would stop
      // at about 30 sandboxes on a 250 GB disk. The soak's servers write a few KB.
      PADDOCK_DEFAULT_DISK_MB: String(DISK_MB),
      PADDOCK_DEFAULT_MEMORY_MB: String(MEMORY_MB),
    },
  });
  const apps: Soaked[] = [];
  const created: string[] = [];
  try {
    await d.api('PATCH', '/v1/settings', {
      idle_stop_seconds: 0,
      rate_limit_token_per_minute: 1_000_000,
      rate_limit_preview_sandbox_per_minute: 10_000_000,
      rate_limit_preview_address_per_minute: 10_000_000,
    });
    const t = performance.now();
    for (let i = 0; i < SANDBOXES; i += 4) {
      const batch = Array.from({ length: Math.min(4, SANDBOXES - i) }, (_, k) =>
        soakApp(d, i + k, created),
      );
      apps.push(...(await Promise.all(batch)));
    }
    const usedGb = (memBefore - os.freemem()) / 1024 ** 3;
    console.log(
      `${SANDBOXES} sandboxes (${MEMORY_MB} MiB memory, ${DISK_MB} MiB disk each) serving in ${((performance.now() - t) / 1000).toFixed(0)} s, ` +
        `${usedGb.toFixed(1)} GiB of host memory more; ${os.cpus().length} cores`,
    );
    const idle = apps.slice(0, IDLE);
    const busy = apps.slice(IDLE);
    for (const s of busy.slice(0, EGRESS)) {
      await d.api('PUT', `/v1/apps/${s.app}/egress`, { allow: [EGRESS_HOST] });
      const loop = await d.api('POST', `/v1/sandboxes/${s.sandbox}/exec`, {
        command:
          `while :; do curl -s -o /dev/null -w '%{http_code}\\n' http://${EGRESS_HOST}/ ` +
          `>> egress.log; sleep 0.1; done`,
        background: true,
      });
      if (loop.status !== 201) throw new Error(`the egress loop answered ${loop.status}`);
    }
    await d.api('PATCH', '/v1/settings', { idle_stop_seconds: IDLE_STOP_SECONDS });
    console.log(
      `soaking ${MINUTES} min: ${busy.length} busy (every ${PERIOD_MS} ms: exec, file, preview, ` +
        `WebSocket; ${EGRESS} also through the egress proxy), ${idle.length} left to idle-stop ` +
        `after ${IDLE_STOP_SECONDS} s and woken`,
    );

    const rec = new Recorder();
    const usage: { at: number; rssMb: number; fds: number }[] = [];
    let stopping = false;
    const stop = () => stopping;
    rec.started = performance.now();
    const cpuBefore = hostCpu();
    const sampler = setInterval(() => {
      usage.push({ at: performance.now() - rec.started, ...daemonUsage(d.proc.pid!) });
    }, 5_000);
    const loops = [
      ...busy.map((s) => busyLoop(d, s, rec, stop)),
      taskLoop(d, busy, rec, stop),
      snapshotLoop(d, busy, rec, stop),
      wakeLoop(d, idle, rec, stop),
    ];
    await sleep(MINUTES * 60_000);
    stopping = true;
    clearInterval(sampler);
    const cpuAfter = hostCpu();
    await Promise.all(loops);
    await sleep(5_000);
    const quiet = daemonUsage(d.proc.pid!);

    for (const s of busy.slice(0, EGRESS)) {
      const log = await fetch(`${d.url}/v1/sandboxes/${s.sandbox}/files?path=egress.log`, {
        headers: { authorization: `Bearer ${d.token}` },
      });
      const codes = (await log.text()).trim().split('\n');
      rec.count('egress requests', codes.length);
      for (const code of codes)
        if (code !== '200') rec.error('egress', `the proxy answered ${code}`);
    }
    rec.count('upstream hits', up.hits());
    const cpuBusy = (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total);
    report(rec, usage, quiet, cpuBusy);
  } finally {
    const t = performance.now();
    for (const id of created) await d.api('DELETE', `/v1/apps/${id}?purge=true`);
    await d.stop();
    const left = (await findLeftovers({ include: 'gone_or_dead' }))
      .filter((f) => f.data_dir === dataDir)
      .flatMap((f) => f.items)
      .filter((i) => i.kind !== 'runtime_dir');
    console.log(
      `cleanup in ${((performance.now() - t) / 1000).toFixed(0)} s: ` +
        (left.length === 0
          ? 'every sandbox is gone (no process, cgroup, mount, loop device or uid claim left)'
          : `LEFT ON THE HOST: ${left.map((i) => `${i.kind} ${i.id}`).join(', ')}`),
    );
    await destroyEverything(dataDir);
    up.close();
  }
}

await main();
