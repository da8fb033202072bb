/**
 * Terminal (PTY) benchmark, through a real daemon and a real sandbox (as root):
 *
 *   npm run bench:pty
 *
 * A terminal is opened over the API's WebSocket and runs `cat >/dev/null` in the tty's cooked
 * mode, so each typed byte is echoed by the line discipline. One round trip: send one byte,
 * wait for its echo (WebSocket → daemon → the agent's socket → script(1)'s stdin → the pty and
 * back). Interleaved in the same run, the baseline: the same byte through a bare WebSocket echo
 * server on loopback, made with the same `ws` library and client. Also for reference: a bare
 * exec round trip (`POST /exec` of `true`, buffered). Prints p50/p99 in ms, the terminal's ratio
 * to each baseline, and a JSON line. Issue 17's goal: PTY echo p50 ≤ 5 ms on loopback.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import WebSocket, { WebSocketServer } from 'ws';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';
import { TestTerminal } from '../test/ptyClient.js';
import { ECHO_EACH_BYTE, roundTrip, stats } from './ptyRoundTrip.js';

const N = Number(process.env.BENCH_ROUND_TRIPS ?? 2000);
const WARMUP = 200;
const EXECS = Number(process.env.BENCH_EXECS ?? 200);
const GOAL_P50_MS = 5;

async function main(): Promise<void> {
  const dataDir = tempDataDir();
  let d: TestDaemon | undefined;
  const echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  echo.on('connection', (ws) =>
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })),
  );
  await once(echo, 'listening');
  try {
    d = await startDaemon({ dataDir });
    const daemon = d;
    const created = await daemon.api<{ id: string }>('POST', '/v1/sandboxes', {});
    if (created.status !== 201) throw new Error(`create answered ${created.status}`);
    const sb = created.body.id;
    const term = await TestTerminal.open(daemon.url, sb, { token: daemon.token });
    term.type(`${ECHO_EACH_BYTE}\n`);
    // The shell echoes the line, cat starts; then each byte is echoed by the line discipline.
    await new Promise((r) => setTimeout(r, 500));
    const bare = new WebSocket(`ws://127.0.0.1:${(echo.address() as { port: number }).port}`);
    await once(bare, 'open');

    const times: Record<string, number[]> = { pty: [], ws_echo: [], exec: [] };
    for (let i = 0; i < WARMUP + N; i++) {
      const byte = 0x61 + (i % 26); // a–z
      const pty = await roundTrip(term.ws, byte);
      const ws = await roundTrip(bare, byte);
      if (i >= WARMUP) {
        times.pty!.push(pty);
        times.ws_echo!.push(ws);
      }
      if (i < EXECS) {
        const t0 = performance.now();
        const res = await daemon.api('POST', `/v1/sandboxes/${sb}/exec`, { argv: ['true'] });
        if (res.status !== 200) throw new Error(`exec answered ${res.status}`);
        times.exec!.push(performance.now() - t0);
      }
    }
    await term.close();
    bare.close();

    const s = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, stats(v)]));
    const line = (name: string, what: string) =>
      `${name.padEnd(10)} p50 ${s[name]!.p50.toFixed(3)} ms   p99 ${s[name]!.p99.toFixed(3)} ms   (${what})`;
    console.log(
      `pty benchmark: ${N} one-byte round trips per leg, interleaved, after ${WARMUP} warm-up`,
    );
    console.log(line('pty', 'echo through the API WebSocket, the agent and script(1)'));
    console.log(line('ws_echo', 'a bare ws echo server on loopback'));
    console.log(line('exec', `POST /exec argv [true], ${EXECS} calls`));
    const ratio = (a: string, b: string, q: 'p50' | 'p99') => s[a]![q] / s[b]![q];
    console.log(
      `ratios: pty/ws_echo p50 ${ratio('pty', 'ws_echo', 'p50').toFixed(2)}× p99 ${ratio('pty', 'ws_echo', 'p99').toFixed(2)}×; ` +
        `pty/exec p50 ${ratio('pty', 'exec', 'p50').toFixed(2)}×`,
    );
    const met = s.pty!.p50 <= GOAL_P50_MS;
    console.log(`goal: pty p50 ≤ ${GOAL_P50_MS} ms: ${met ? 'met' : 'NOT met'}`);
    console.log(
      JSON.stringify({
        round_trips: N,
        ...Object.fromEntries(
          Object.entries(s).map(([k, v]) => [
            k,
            { p50_ms: +v.p50.toFixed(3), p99_ms: +v.p99.toFixed(3) },
          ]),
        ),
        pty_over_ws_echo_p50: +ratio('pty', 'ws_echo', 'p50').toFixed(2),
        pty_over_exec_p50: +ratio('pty', 'exec', 'p50').toFixed(2),
        goal_p50_ms: GOAL_P50_MS,
        goal_met: met,
      }),
    );
  } finally {
    echo.close();
    await d?.stop();
    await destroyEverything(dataDir);
  }
}

await main();
