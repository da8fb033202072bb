/**
 * The broker from an app's window, in Debian's Chromium (run by `npm run bench:broker` after
 * the HTTP legs of bench/broker.ts):
 *
 * - `app.kv.get` from the app's sandboxed frame through the SDK's port, the console's bridge,
 *   `POST /v1/broker/call` and back;
 * - a bare `postMessage` echo between the same frame and the console page (the floor of the
 *   frame ↔ console hop);
 * - a bare `fetch` from the console page to the daemon (`GET /readyz`).
 *
 * Timed inside the page with performance.now(), in rounds that interleave the three legs.
 * Calls are paced under the bridge's per-window rate limit (100/s), which a bench would
 * otherwise measure instead of latency. Prints p50/p99 and the ratios (issue 16's goal:
 * p50 ≤ 2 ms, and ≤ 1.5× the bare fetch).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';
import {
  installApp,
  launchChromium,
  openWindow,
  SDK_APP_FILES,
  signIn,
} from '../test/desktopClient.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PER_ROUND = 25;
const PACE_MS = 12;

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/** The console page answers the frame's `bench-echo` at once (the bare hop). */
async function installEcho(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as {
      addEventListener(
        t: string,
        l: (e: { data: unknown; source: { postMessage(m: unknown, o: string): void } }) => void,
      ): void;
    };
    g.addEventListener('message', (event) => {
      if (event.data === 'bench-echo') event.source.postMessage('bench-echo-back', '*');
    });
  });
}

/** One round in the frame: `n` kv.get and `n` echoes, alternating, paced; their times. */
function frameRound(
  frame: Frame,
  consoleOrigin: string,
): Promise<{ kv: number[]; echo: number[] }> {
  return frame.evaluate(
    async ([n, pace, origin]) => {
      const g = globalThis as unknown as {
        paddock: { kv: { get(k: string): Promise<unknown> } };
        parent: { postMessage(m: unknown, o: string): void };
        addEventListener(t: string, l: (e: { data: unknown }) => void): void;
        removeEventListener(t: string, l: (e: { data: unknown }) => void): void;
        performance: { now(): number };
      };
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      const echo = () =>
        new Promise<void>((resolve) => {
          const listener = (e: { data: unknown }) => {
            if (e.data !== 'bench-echo-back') return;
            g.removeEventListener('message', listener);
            resolve();
          };
          g.addEventListener('message', listener);
          g.parent.postMessage('bench-echo', origin as string);
        });
      const out = { kv: [] as number[], echo: [] as number[] };
      for (let i = 0; i < (n as number); i++) {
        let t0 = g.performance.now();
        await g.paddock.kv.get('greeting');
        out.kv.push(g.performance.now() - t0);
        t0 = g.performance.now();
        await echo();
        out.echo.push(g.performance.now() - t0);
        await sleep(pace as number);
      }
      return out;
    },
    [PER_ROUND, PACE_MS, consoleOrigin] as const,
  );
}

/** One round in a page: `n` bare fetches of `/readyz` from its own origin. */
function fetchRound(page: Page): Promise<number[]> {
  return page.evaluate(async (n) => {
    const g = globalThis as unknown as {
      fetch(u: string): Promise<{ text(): Promise<string> }>;
      performance: { now(): number };
    };
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = g.performance.now();
      await (await g.fetch('/readyz')).text();
      out.push(g.performance.now() - t0);
    }
    return out;
  }, PER_ROUND);
}

/**
 * Chromium's own floor for a fetch on this machine: a bare Node server on loopback that answers
 * at once, fetched same-origin from a page it served.
 */
async function bareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  const dataDir = tempDataDir();
  let d: TestDaemon | undefined;
  const browser = await launchChromium();
  const bare = await bareServer();
  try {
    d = await startDaemon({ dataDir });
    await d.api('PATCH', '/v1/settings', { userspace_broker_calls_per_minute: 1_000_000 });
    const page = await browser.newPage();
    await signIn(page, d);
    const app = await installApp(d, {
      name: 'Bench',
      permissions: ['app.kv'],
      files: SDK_APP_FILES,
    });
    const frame = await openWindow(page, app.id);
    await frame.evaluate(async () => {
      const g = globalThis as unknown as {
        paddock: { kv: { set(k: string, v: unknown): Promise<unknown> } };
      };
      await g.paddock.kv.set('greeting', { text: 'hello', n: 42 });
    });
    // tsx keeps function names with a `__name` helper the page does not have.
    for (const target of [page, frame]) await target.evaluate('globalThis.__name = (f) => f');
    await installEcho(page);
    const barePage = await browser.newPage();
    await barePage.goto(bare.url);
    const consoleOrigin = new URL(d.url).origin;
    const times = {
      kv: [] as number[],
      echo: [] as number[],
      fetch: [] as number[],
      bare: [] as number[],
    };
    await frameRound(frame, consoleOrigin); // warm-up
    await fetchRound(page);
    await fetchRound(barePage);
    for (let r = 0; r < ROUNDS; r++) {
      const inFrame = await frameRound(frame, consoleOrigin);
      times.kv.push(...inFrame.kv);
      times.echo.push(...inFrame.echo);
      times.fetch.push(...(await fetchRound(page)));
      times.bare.push(...(await fetchRound(barePage)));
    }
    const s = {
      kv: stats(times.kv),
      echo: stats(times.echo),
      fetch: stats(times.fetch),
      bare: stats(times.bare),
    };
    const line = (name: keyof typeof s, what: string) =>
      `${name.padEnd(6)} p50 ${s[name].p50.toFixed(3)} ms   p99 ${s[name].p99.toFixed(3)} ms   (${what})`;
    console.log(`broker from a window: ${times.kv.length} calls per leg in Chromium`);
    console.log(line('kv', 'app.kv.get: frame → port → console → broker → back'));
    console.log(line('echo', 'bare postMessage echo, frame ↔ console'));
    console.log(line('fetch', 'bare fetch from the console page to GET /readyz'));
    console.log(line('bare', "Chromium's floor: a fetch to a bare Node server on loopback"));
    const ratio = (a: keyof typeof s, b: keyof typeof s) => (s[a].p50 / s[b].p50).toFixed(2);
    // The floor of this path on this machine: one frame ↔ console hop plus one fetch.
    const floor = s.echo.p50 + s.fetch.p50;
    console.log(
      `ratios (p50): kv/fetch ${ratio('kv', 'fetch')}×  kv/echo ${ratio('kv', 'echo')}×  ` +
        `kv/(echo+fetch) ${(s.kv.p50 / floor).toFixed(2)}×  goal: kv p50 ≤ 2 ms and ≤ 1.5× fetch`,
    );
    console.log(
      JSON.stringify({
        calls: times.kv.length,
        ...Object.fromEntries(
          Object.entries(s).map(([k, v]) => [
            k,
            { p50_ms: +v.p50.toFixed(3), p99_ms: +v.p99.toFixed(3) },
          ]),
        ),
      }),
    );
  } finally {
    await bare.close();
    await browser.close();
    await d?.stop();
    await destroyEverything(dataDir);
  }
}

await main();
