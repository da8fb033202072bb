/**
 * Malformed and smuggling request heads sent raw to the egress proxy (issue 20): differing
 * duplicate Content-Length, Transfer-Encoding beside Content-Length, non-chunked encodings,
 * obs-fold, NUL, bare LF, an oversized head, junk CONNECT authorities, absolute-form URLs that
 * hide a second host, and a head trickled in (slowloris). Each gets one 4xx or a closed
 * connection; nothing for a denied host reaches the loopback upstream, which records every
 * byte it gets; and the proxy serves after each.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import fc from 'fast-check';
import {
  EgressCa,
  EgressProxy,
  parseResolveOverrides,
  type EgressListeners,
  type EgressSandbox,
} from '../src/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SANDBOX: EgressSandbox = { id: 'sbx-heads', owner_id: 'owner1', app_id: null };

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** Writes `raw`, reads until the proxy closes or goes quiet; the whole answer as text. */
function exchange(port: number, raw: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(raw));
    const chunks: Buffer[] = [];
    const done = () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    // Quiet this long after an answer: a keep-alive connection the proxy left open.
    socket.setTimeout(2_000, done);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.once('close', done);
  });
}

/** The status codes of every answer in a raw exchange (a smuggled request would add one). */
const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]!);

describe('the egress proxy under malformed and smuggling heads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-egress-heads-'));
  /** Every byte any connection brought the upstream, and each request it parsed. */
  const raw: Buffer[] = [];
  const requests: string[] = [];
  const upstream = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.headers.host} ${req.url}`);
    req.resume();
    req.on('end', () => res.end('upstream ok'));
  });
  upstream.on('connection', (s: net.Socket) => s.on('data', (c: Buffer) => raw.push(c)));
  const listeners = new Map<string, net.Server>();
  const driver: EgressListeners = {
    async serveEgress(id, onConnection) {
      const server = net.createServer(onConnection);
      await listen(server);
      listeners.set(id, server);
      return server;
    },
  };
  const ca = EgressCa.open(path.join(dir, 'ca'));
  let up: number;
  let proxy: EgressProxy;
  let port: number;

  before(async () => {
    up = await listen(upstream);
    const api = http.createServer((_req, res) => res.end('api'));
    const apiPort = await listen(api);
    after(() => api.close());
    proxy = new EgressProxy({
      driver,
      policyFor: async () => ({ allow: ['allowed.test', 'api.test'], deny: [] }),
      // api.test gets a secret, so its tunnels are terminated: heads inside them are read too.
      injectionsFor: async () => [
        { key: 'K', hosts: ['api.test'], header: 'x-k', headerValue: 'v', secret: 'v' },
      ],
      ca,
      // Both names lead to the recording upstream: only the policy keeps evil.test out.
      overrides: parseResolveOverrides(
        'allowed.test=127.0.0.1,evil.test=127.0.0.1,api.test=127.0.0.1',
      ),
      daemonPort: () => apiPort,
      controlPlane: () => ({ host: '127.0.0.1', port: apiPort }),
      connectionsMax: () => 1_000,
      events: { append: async () => undefined },
      audit: { record: async () => undefined },
      denials: () => undefined,
      log: { warn: () => undefined },
    });
    await proxy.attach(SANDBOX);
    port = (listeners.get(SANDBOX.id)!.address() as net.AddressInfo).port;
  });

  after(() => {
    proxy.close();
    upstream.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Nothing addressed to the denied host, and no smuggled request, ever reached the upstream. */
  function assertNothingDenied(): void {
    const seen = Buffer.concat(raw).toString('latin1');
    assert.doesNotMatch(seen, /evil|smuggled/i, `the upstream got: ${seen.slice(0, 400)}`);
    for (const r of requests) assert.match(r, /^\S+ allowed\.test:\d+ /, r);
  }

  /** An allowed request still passes after whatever came before. */
  async function assertServes(): Promise<void> {
    const answer = await exchange(
      port,
      `GET http://allowed.test:${up}/ok HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 200 /, answer.slice(0, 200));
    assert.match(answer, /upstream ok$/);
  }

  /** A smuggled request for the denied host, to follow whatever framing trick comes first. */
  const smuggled = () =>
    `GET http://evil.test:${up}/smuggled HTTP/1.1\r\nHost: evil.test:${up}\r\n\r\n`;
  const target = () => `http://allowed.test:${up}/`;

  const CASES: [string, () => string][] = [
    [
      'two Content-Length headers that differ',
      () =>
        `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 0\r\nContent-Length: ${smuggled().length}\r\n\r\n${smuggled()}`,
    ],
    [
      'Content-Length beside Transfer-Encoding: chunked (CL.TE)',
      () =>
        `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: ${5 + smuggled().length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled()}`,
    ],
    [
      'Transfer-Encoding: chunked beside a short Content-Length (TE.CL)',
      () =>
        `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n${smuggled().length.toString(16)}\r\n${smuggled()}\r\n0\r\n\r\n`,
    ],
    [
      'a Transfer-Encoding that does not end in chunked',
      () =>
        `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${smuggled()}`,
    ],
    [
      'an obfuscated Transfer-Encoding',
      () =>
        `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${smuggled()}`,
    ],
    [
      'Transfer-Encoding folded onto a second line (obs-fold)',
      () =>
        `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: identity\r\n chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${smuggled()}`,
    ],
    [
      'an obs-fold header line',
      () => `GET ${target()} HTTP/1.1\r\nHost: allowed.test\r\nX-A: one\r\n two\r\n\r\n`,
    ],
    [
      'a NUL in a header value',
      () => `GET ${target()} HTTP/1.1\r\nHost: allowed.test\r\nX-A: a\u0000b\r\n\r\n`,
    ],
    [
      'a NUL in the URL',
      () => `GET http://evil.test\u0000allowed.test:${up}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    [
      'bare LF line ends with a request for the denied host behind',
      () =>
        `GET ${target()} HTTP/1.1\nHost: allowed.test\nContent-Length: 0\n\n${smuggled().replace(/\r\n/g, '\n')}`,
    ],
    [
      'a bare CR inside a header',
      () =>
        `GET ${target()} HTTP/1.1\r\nHost: allowed.test\r\nX-A: 1\rGET http://evil.test/smuggled\r\n\r\n`,
    ],
    [
      'a head larger than the proxy takes',
      () =>
        `GET ${target()} HTTP/1.1\r\nHost: allowed.test\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`,
    ],
    [
      'a chunk size that overflows',
      () =>
        `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n${smuggled()}\r\n0\r\n\r\n`,
    ],
    [
      'a negative Content-Length',
      () =>
        `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: -1\r\n\r\n${smuggled()}`,
    ],
    [
      'a Content-Length with a sign and spaces',
      () =>
        `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: +0, 5\r\n\r\n${smuggled()}`,
    ],
    ['HTTP/0.9 style', () => `GET http://evil.test:${up}/smuggled\r\n\r\n`],
    [
      'two spaces in the request line',
      () => `GET  http://evil.test:${up}/smuggled  HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    [
      'userinfo naming the allowed host before the denied one',
      () =>
        `GET http://allowed.test@evil.test:${up}/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'a password holding the allowed host',
      () =>
        `GET http://allowed.test:${up}@evil.test:${up}/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'a backslash before an @',
      () =>
        `GET http://evil.test:${up}\\@allowed.test:${up}/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'a fragment hiding the allowed host',
      () =>
        `GET http://evil.test:${up}#@allowed.test/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'a percent-encoded denied host',
      () => `GET http://%65vil.test:${up}/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'a percent-encoded dot in the host',
      () =>
        `GET http://allowed.test%2eevil.test:${up}/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'an upper-case denied host with a trailing dot',
      () => `GET http://EVIL.TEST.:${up}/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'the allowed name as a subdomain of the denied one',
      () =>
        `GET http://allowed.test.evil.test:${up}/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'an IPv6 loopback literal',
      () => `GET http://[::1]:${up}/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'an IPv4-mapped IPv6 literal',
      () => `GET http://[::ffff:127.0.0.1]:${up}/smuggled HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    [
      'a loopback address in decimal and hex',
      () =>
        `GET http://2130706433:${up}/smuggled HTTP/1.1\r\nHost: x\r\n\r\nGET http://0x7f.1:${up}/smuggled HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    [
      'origin-form with a Host header naming the denied host',
      () => `GET /smuggled HTTP/1.1\r\nHost: evil.test:${up}\r\n\r\n`,
    ],
    [
      'a port past 65535',
      () => `GET http://allowed.test:${up + 65_536}/ HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
    ],
    ['port 0', () => `GET http://allowed.test:0/ HTTP/1.1\r\nHost: allowed.test\r\n\r\n`],
    ['CONNECT with no port', () => `CONNECT evil.test HTTP/1.1\r\nHost: evil.test\r\n\r\n`],
    [
      'CONNECT with userinfo',
      () => `CONNECT allowed.test@evil.test:${up} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    [
      'CONNECT to the allowed name then the denied one',
      () => `CONNECT allowed.test:${up}:evil.test:${up} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    [
      'CONNECT with a URL',
      () => `CONNECT http://allowed.test@evil.test:${up}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    ['CONNECT to port 0', () => `CONNECT allowed.test:0 HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['CONNECT to port 99999', () => `CONNECT allowed.test:99999 HTTP/1.1\r\nHost: x\r\n\r\n`],
    [
      'CONNECT to a percent-encoded denied host',
      () => `CONNECT %65vil.test:${up} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    ['CONNECT to an IPv6 literal', () => `CONNECT [::1]:${up} HTTP/1.1\r\nHost: x\r\n\r\n`],
    [
      'CONNECT to the denied host with a trailing dot, upper case',
      () => `CONNECT EVIL.TEST.:${up} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    [
      'CONNECT with a NUL in the authority',
      () => `CONNECT allowed.test\u0000evil.test:${up} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    [
      'CONNECT carrying a body for the denied host',
      () =>
        `CONNECT evil.test:${up} HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled().length}\r\n\r\n${smuggled()}`,
    ],
  ];

  for (const [name, make] of CASES) {
    it(`refuses ${name}`, async () => {
      const answer = await exchange(port, make());
      const codes = statuses(answer);
      assert.ok(codes.length <= 1, `one answer at most, got ${codes.join(', ')}`);
      for (const code of codes) assert.match(code, /^4\d\d$/, answer.slice(0, 200));
      assertNothingDenied();
      await assertServes();
    });
  }

  it('sends an allowed URL with a Host header naming the denied host to the URL’s host', async () => {
    const answer = await exchange(
      port,
      `GET ${target()} HTTP/1.1\r\nHost: evil.test:${up}\r\nConnection: close\r\n\r\n`,
    );
    assert.deepEqual(statuses(answer), ['200']);
    assertNothingDenied();
  });

  it('passes what a pipelined request behind an allowed one asks for to the policy again', async () => {
    // Well framed, so the proxy reads two requests: the first passes, the second is refused.
    const answer = await exchange(
      port,
      `POST ${target()} HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 0\r\n\r\n${smuggled()}`,
    );
    assert.deepEqual(statuses(answer), ['200', '403']);
    assertNothingDenied();
  });

  it('never relays a random head to the denied host', async () => {
    const token = fc.constantFrom(
      'GET',
      'POST',
      'CONNECT',
      ' ',
      '\r\n',
      '\n',
      '\r',
      '\u0000',
      '\t',
      ':',
      '@',
      '#',
      '\\',
      '%2e',
      'HTTP/1.1',
      'HTTP/1.0',
      'Host: ',
      'Content-Length: ',
      'Transfer-Encoding: chunked',
      '0',
      '5',
      '-1',
      `http://allowed.test:${up}/`,
      `http://evil.test:${up}/smuggled`,
      `evil.test:${up}`,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 30 }), async (tokens) => {
        const answer = await exchange(port, `${tokens.join('')}\r\n\r\n`);
        for (const code of statuses(answer)) {
          assert.ok(Number(code) < 500 || code === '502', answer.slice(0, 200));
        }
        assertNothingDenied();
      }),
      { numRuns: RUNS },
    );
    await assertServes();
  });

  /** Trickles a head one byte at a time, never a whole one, far below the head size limit. */
  function trickle(socket: net.Socket | tls.TLSSocket): Promise<void> {
    const head = `GET ${target()} HTTP/1.1\r\nHost: allowed.test\r\n`;
    let i = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(i < head.length ? head[i++]! : 'X');
    }, 200);
    return new Promise<void>((resolve) =>
      socket.once('close', () => {
        clearInterval(timer);
        resolve();
      }),
    );
  }

  // The timeout only turns a proxy that never closes into a failure rather than a hung suite.
  it(
    'closes a connection whose head is trickled in, by its own head timeout',
    { timeout: 120_000 },
    async () => {
      const fresh = net.connect(port, '127.0.0.1');
      fresh.on('error', () => undefined);
      // The second head on a kept-alive connection is held to the deadline too.
      const kept = net.connect(port, '127.0.0.1');
      kept.on('error', () => undefined);
      kept.write(`GET ${target()} HTTP/1.1\r\nHost: allowed.test\r\n\r\n`);
      await new Promise<void>((resolve) => {
        let got = '';
        const onData = (c: Buffer) => {
          got += c.toString('latin1');
          if (!got.endsWith('upstream ok')) return;
          kept.off('data', onData);
          resolve();
        };
        kept.on('data', onData);
      });
      // And inside a tunnel the proxy terminates (for a host that gets a secret).
      const tunnel = net.connect(port, '127.0.0.1');
      tunnel.on('error', () => undefined);
      tunnel.write(`CONNECT api.test:${up} HTTP/1.1\r\nHost: api.test\r\n\r\n`);
      await new Promise<void>((resolve) => {
        let got = '';
        const onData = (c: Buffer) => {
          got += c.toString('latin1');
          if (!got.endsWith('\r\n\r\n')) return;
          assert.match(got, /^HTTP\/1\.1 200 /);
          tunnel.off('data', onData);
          resolve();
        };
        tunnel.on('data', onData);
      });
      const secure = tls.connect({ socket: tunnel, servername: 'api.test', ca: ca.certPem });
      secure.on('error', () => undefined);
      await new Promise((resolve) => secure.once('secureConnect', resolve));
      await Promise.all([trickle(fresh), trickle(kept), trickle(secure)]);
      assertNothingDenied();
      await assertServes();
    },
  );
});
