/** What the PTY benchmarks share: one-byte echo round trips over a `ws` socket, and p50/p99. */
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';

export function stats(xs: number[]): { p50: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/** Sends one byte and resolves when a message with that byte comes back. */
export function roundTrip(ws: WebSocket, byte: number): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      if (!isBinary || !data.includes(byte)) return;
      ws.off('message', onMessage);
      resolve(performance.now() - t0);
    };
    ws.on('message', onMessage);
    ws.send(Buffer.from([byte]), { binary: true });
  });
}

/** In a terminal's cooked mode without line buffering, so each byte typed is echoed at once. */
export const ECHO_EACH_BYTE = 'stty -icanon; cat >/dev/null';
