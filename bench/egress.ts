/**
 * Egress proxy benchmark, through a real daemon and a real sandbox (as root):
 *
 *   npm run bench:egress
 *
 * Upstream HTTP and HTTPS servers on the host's loopback; PADDOCK_EGRESS_RESOLVE maps two test
 * names to them and the sandbox's policy allows both. The same closed-loop load generator
 * (bench/httpLoad.ts) runs directly on the host against the upstreams (the baseline), and inside
 * the sandbox's network namespace through 127.0.0.1:3128 (the agent's relay, then the daemon's
 * proxy): plain HTTP forwarded, HTTPS as one CONNECT tunnel per connection. Latency with one
 * client, throughput with 16. Goals: p50 added latency under 1 ms for HTTP; throughput at least
 * 0.8 of direct.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { destroyEverything, startDaemon, tempDataDir } from '../test/harness.js';
import { selfSignedCertificate } from '../test/testCertificate.js';
import { load, pidInSandbox } from './sandboxProbes.js';

const PROXY = 'http://127.0.0.1:3128';

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

async function main(): Promise<void> {
  const certificate = selfSignedCertificate('tls.example.test');
  const plain = http.createServer((_req, res) => res.end('ok'));
  const secure = https.createServer({ key: certificate.key, cert: certificate.cert }, (_req, res) =>
    res.end('ok'),
  );
  const httpPort = await listen(plain);
  const tlsPort = await listen(secure);
  const dataDir = tempDataDir();
  const d = await startDaemon({
    dataDir,
    env: {
      PADDOCK_EGRESS_RESOLVE: `up.example.test=127.0.0.1:${httpPort},tls.example.test=127.0.0.1:${tlsPort}`,
    },
  });
  try {
    const sb = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    await d.api('PUT', `/v1/sandboxes/${sb}/egress`, {
      allow: ['up.example.test', 'tls.example.test'],
    });
    const pid = pidInSandbox(sb);
    const run = (concurrency: number, args: string[], inSandbox: boolean) => {
      process.env.LOAD_CONCURRENCY = String(concurrency);
      return load(args, inSandbox ? pid : undefined);
    };
    for (const [label, direct, proxied] of [
      ['HTTP', [`http://127.0.0.1:${httpPort}/`], ['--proxy', PROXY, 'http://up.example.test/']],
      ['HTTPS', [`https://127.0.0.1:${tlsPort}/`], ['--proxy', PROXY, 'https://tls.example.test/']],
    ] as const) {
      const latDirect = await run(1, [...direct], false);
      const latProxy = await run(1, [...proxied], true);
      const tputDirect = await run(16, [...direct], false);
      const tputProxy = await run(16, [...proxied], true);
      console.log(`${label}`);
      console.log(
        `  one client:  direct p50 ${latDirect.p50_ms} ms, through the proxy p50 ${latProxy.p50_ms} ms ` +
          `→ added ${(latProxy.p50_ms! - latDirect.p50_ms!).toFixed(2)} ms (goal < 1 ms for HTTP); non-200 ${latProxy.non_200}`,
      );
      console.log(
        `  16 clients:  direct ${tputDirect.rps} req/s, through the proxy ${tputProxy.rps} req/s ` +
          `→ ${(tputProxy.rps! / tputDirect.rps!).toFixed(2)}× (goal ≥ 0.8); non-200 ${tputProxy.non_200}`,
      );
    }
  } finally {
    await d.stop();
    await destroyEverything(dataDir);
    plain.close();
    secure.close();
    certificate.remove();
  }
}

await main();
