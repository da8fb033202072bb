/**
 * A closed-loop HTTP load generator: CONCURRENCY keep-alive clients each send the next GET as
 * soon as the last answer arrived, for DURATION_MS. Prints one JSON line: requests per second,
 * p50 and p99 latency in ms, and any non-200 answers. Run as its own process so the same
 * generator can be started inside a sandbox's network namespace (nsenter) for the baseline.
 *
 *   node --import tsx bench/httpLoad.ts <url> [host-header] [cookie]      (http or https)
 *   node --import tsx bench/httpLoad.ts --bridge <agent-socket> <port>   (through the port bridge)
 *   node --import tsx bench/httpLoad.ts --proxy <proxy-url> <url>        (through an HTTP proxy;
 *                                                  https targets through a CONNECT tunnel each)
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { AgentClient } from '@paddock/guest-agent';
import { PortAgent } from '../packages/preview/src/portAgent.js';

const args = process.argv.slice(2);
const bridge = args[0] === '--bridge' ? { socketPath: args[1]!, port: Number(args[2]) } : null;
const proxy = args[0] === '--proxy' ? new URL(args[1]!) : null;
const [url, host, cookie] = bridge
  ? [`http://127.0.0.1:${bridge.port}/`]
  : proxy
    ? [args[2]]
    : args;
if (!url) throw new Error('usage: httpLoad.ts <url> [host] [cookie] | --bridge <socket> <port>');
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);
const DURATION_MS = Number(process.env.LOAD_DURATION_MS ?? 5_000);
const WARMUP_MS = 1_000;

const target = new URL(url);
const secure = target.protocol === 'https:';

/** HTTPS through a proxy: each connection is a CONNECT tunnel with TLS inside. */
class TunnelAgent extends https.Agent {
  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = net.connect(Number(proxy!.port), proxy!.hostname);
    const authority = `${target.hostname}:${target.port || 443}`;
    socket.once('connect', () =>
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`),
    );
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (!/^HTTP\/1\.1 200/.test(head)) {
        callback?.(new Error(`CONNECT refused: ${head.split('\r\n')[0]}`), socket);
        return;
      }
      const secured = tls.connect({
        socket,
        servername: target.hostname,
        rejectUnauthorized: false,
      });
      secured.once('secureConnect', () => callback?.(null, secured));
      secured.once('error', (err) => callback?.(err, secured));
    };
    socket.on('data', onData);
    socket.once('error', (err) => callback?.(err, socket));
    return undefined;
  }
}

const agentClient = bridge
  ? new AgentClient({ transport: 'unix', socketPath: bridge.socketPath })
  : null;
const keepAlive = { keepAlive: true, maxSockets: CONCURRENCY };
const agent: http.Agent = bridge
  ? new PortAgent(() => agentClient!.openBridge(bridge.port))
  : secure
    ? proxy
      ? new TunnelAgent(keepAlive)
      : new https.Agent({ ...keepAlive, rejectUnauthorized: false })
    : new http.Agent(keepAlive);
const headers: Record<string, string> = {};
if (host) headers.host = host;
if (cookie) headers.cookie = cookie;
// Plain HTTP through a proxy: absolute-form request line, the target as Host.
const viaProxy = proxy !== null && !secure;
if (viaProxy) headers.host = target.host;

function once(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      {
        host: viaProxy ? proxy.hostname : target.hostname,
        port: viaProxy ? proxy.port : target.port,
        path: viaProxy ? target.href : target.pathname,
        agent,
        headers,
        ...(secure ? { rejectUnauthorized: false, servername: target.hostname } : {}),
      },
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
let total = 0;
const start = performance.now();
const measureFrom = start + WARMUP_MS;
const end = measureFrom + DURATION_MS;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const status = await once();
      total++;
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
    // With the warm-up's: what a server did in the whole run, for CPU cost per request.
    requests_total: total,
  }),
);
