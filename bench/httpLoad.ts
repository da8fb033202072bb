/**
 * A closed-loop HTTP load generator: CONCURRENCY keep-alive clients each send the next GET as
 * soon as the last answer arrived, for DURATION_MS. Prints one JSON line: requests per second,
 * p50 and p99 latency in ms, and any non-200 answers. Run as its own process so the same
 * generator can be started inside a sandbox's network namespace (nsenter) for the baseline.
 *
 *   node --import tsx bench/httpLoad.ts <url> [host-header] [cookie]
 *   node --import tsx bench/httpLoad.ts --bridge <agent-socket> <port>   (through the port bridge)
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { AgentClient } from '@paddock/guest-agent';
import { PortAgent } from '../packages/daemon/src/preview/portAgent.js';

const args = process.argv.slice(2);
const bridge = args[0] === '--bridge' ? { socketPath: args[1]!, port: Number(args[2]) } : null;
const [url, host, cookie] = bridge ? [`http://127.0.0.1:${bridge.port}/`] : args;
if (!url) throw new Error('usage: httpLoad.ts <url> [host] [cookie] | --bridge <socket> <port>');
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);
const DURATION_MS = Number(process.env.LOAD_DURATION_MS ?? 5_000);
const WARMUP_MS = 1_000;

const target = new URL(url);
const agentClient = bridge
  ? new AgentClient({ transport: 'unix', socketPath: bridge.socketPath })
  : null;
const agent = bridge
  ? new PortAgent(() => agentClient!.openBridge(bridge.port))
  : new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const headers: Record<string, string> = {};
if (host) headers.host = host;
if (cookie) headers.cookie = cookie;

function once(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, agent, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const latencies: number[] = [];
let bad = 0;
const start = performance.now();
const measureFrom = start + WARMUP_MS;
const end = measureFrom + DURATION_MS;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const status = await once();
      if (t >= measureFrom) {
        latencies.push(performance.now() - t);
        if (status !== 200) bad++;
      }
    }
  }),
);
agent.destroy();
agentClient?.close();
latencies.sort((a, b) => a - b);
const at = (p: number): number =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
console.log(
  JSON.stringify({
    rps: Math.round(latencies.length / (DURATION_MS / 1000)),
    p50_ms: Number(at(0.5).toFixed(2)),
    p99_ms: Number(at(0.99).toFixed(2)),
    non_200: bad,
  }),
);
