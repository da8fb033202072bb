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
 * 0.8 of direct. A third row, for information: HTTPS from an app with a secret injected for the
 * host, where the proxy ends TLS and makes its own verified connection upstream.
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
      PADDOCK_EGRESS_UPSTREAM_CA: certificate.certFile,
    },
  });
  try {
    const sb = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    await d.api('PUT', `/v1/sandboxes/${sb}/egress`, {
      allow: ['up.example.test', 'tls.example.test'],
    });
    // An app whose secret is injected into requests to tls.example.test.
    const app = (
      await d.api<{ id: string; sandbox: { id: string } }>('POST', '/v1/apps', {
        name: 'bench',
        preset: 'static',
      })
    ).body;
    await d.api('PUT', `/v1/apps/${app.id}/egress`, { allow: ['tls.example.test'] });
    await d.api('POST', `/v1/apps/${app.id}/config`, {
      key: 'API_KEY',
      value: 'sk-bench-0123456789abcdef',
      sensitive: true,
      access_policy: 'runtime_access',
      inject: { hosts: ['tls.example.test'], header: 'Authorization', format: 'Bearer {value}' },
    });
    const pids = { standalone: pidInSandbox(sb), app: pidInSandbox(app.sandbox.id) };
    const run = (concurrency: number, args: string[], from?: keyof typeof pids) => {
      process.env.LOAD_CONCURRENCY = String(concurrency);
      return load(args, from === undefined ? undefined : pids[from]);
    };
    for (const [label, direct, proxied, from] of [
      [
        'HTTP',
        [`http://127.0.0.1:${httpPort}/`],
        ['--proxy', PROXY, 'http://up.example.test/'],
        'standalone',
      ],
      [
        'HTTPS',
        [`https://127.0.0.1:${tlsPort}/`],
        ['--proxy', PROXY, 'https://tls.example.test/'],
        'standalone',
      ],
      [
        'HTTPS with a secret injected (TLS ended in the proxy)',
        [`https://127.0.0.1:${tlsPort}/`],
        ['--proxy', PROXY, 'https://tls.example.test/'],
        'app',
      ],
    ] as const) {
      const latDirect = await run(1, [...direct]);
      const latProxy = await run(1, [...proxied], from);
      const tputDirect = await run(16, [...direct]);
      const tputProxy = await run(16, [...proxied], from);
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
