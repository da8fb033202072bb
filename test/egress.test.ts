import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { selfSignedCertificate } from './testCertificate.js';
import { waitFor } from './previewClient.js';

/** A free port on loopback, for the daemon (its own port must be refused by the proxy). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

describe('egress: default deny, allow lists, and no way around the proxy', () => {
  const dataDir = tempDataDir();
  let certificate: ReturnType<typeof selfSignedCertificate> | undefined;
  let d: TestDaemon;
  let sb: string;
  let httpPort: number;
  const seen: string[] = [];
  const echoed: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const hangClosed: number[] = [];
  const connectionOf: net.Socket[] = [];
  const upstream = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.headers.host} ${req.url}`);
    if (req.url === '/whose') {
      connectionOf.push(req.socket);
      return res.end('ok');
    }
    if (req.url === '/hang') {
      // Never answers; says when the proxy gave the request up.
      res.once('close', () => hangClosed.push(Date.now()));
      return;
    }
    if (req.url === '/cut') {
      // Promises 100 bytes, sends 10, then drops the connection.
      res.writeHead(200, { 'content-length': '100' });
      res.write('0123456789');
      setTimeout(() => req.socket.destroy(), 50);
      return;
    }
    if (req.url !== '/echo') return res.end('upstream ok');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      echoed.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(`echo: ${Buffer.concat(chunks).toString()}`);
    });
  });
  let tlsUpstream: https.Server;

  const sh = async (command: string): Promise<{ stdout: string; exit_code: number }> =>
    (
      await d.api<{ stdout: string; exit_code: number }>('POST', `/v1/sandboxes/${sb}/exec`, {
        command,
        timeout_ms: 20_000,
      })
    ).body;
  const status = async (url: string, extra = ''): Promise<string> =>
    (await sh(`curl -s -o /dev/null -w '%{http_code}' ${extra} ${url}`)).stdout;

  before(async () => {
    // A self-signed certificate for the HTTPS upstream (the tunnel carries TLS end to end).
    certificate = selfSignedCertificate('secure.example.test');
    tlsUpstream = https.createServer(
      { key: certificate.key, cert: certificate.cert },
      (_req, res) => res.end('tls ok'),
    );
    httpPort = await listen(upstream);
    const tlsPort = await listen(tlsUpstream);
    const daemonPort = await freePort();
    d = await startDaemon({
      dataDir,
      env: {
        PADDOCK_PORT: String(daemonPort),
        PADDOCK_EGRESS_RESOLVE: [
          `api.example.test=127.0.0.1:${httpPort}`,
          `secure.example.test=127.0.0.1:${tlsPort}`,
          'internal.example.test=10.1.2.3',
          `daemon.example.test=127.0.0.1:${daemonPort}`,
        ].join(','),
      },
    });
    sb = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
    upstream.closeAllConnections(); // a /hang request the proxy failed to give up
    upstream.close();
    tlsUpstream?.close();
    certificate?.remove();
  });

  it('denies everything by default, naming the reason', async () => {
    const headers = await sh('curl -s -D - -o /dev/null http://api.example.test/');
    assert.match(headers.stdout, /^HTTP\/1\.1 403/);
    assert.match(headers.stdout, /x-paddock-egress-denied: not allowed/i);
    assert.equal(seen.length, 0, 'nothing reached the upstream');
    // Decided on the name alone: a name that resolves nowhere is refused as not allowed, not as
    // unresolvable, so no lookup was made (.invalid never resolves; RFC 6761).
    const unresolvable = await sh('curl -s -D - -o /dev/null https://nowhere.invalid/');
    assert.match(unresolvable.stdout, /x-paddock-egress-denied: not allowed/i);
  });

  it('lets an allowed name through over HTTP and HTTPS, applied without a restart', async () => {
    const put = await d.api<{ allow: string[] }>('PUT', `/v1/sandboxes/${sb}/egress`, {
      allow: ['api.example.test', '*.example.test'],
      deny: ['blocked.example.test'],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const body = await sh('curl -s http://api.example.test/hello?x=1');
    assert.equal(body.stdout, 'upstream ok');
    assert.ok(seen.includes('GET api.example.test /hello?x=1'));
    const tls = await sh('curl -sk https://secure.example.test/');
    assert.equal(tls.stdout, 'tls ok');
    assert.equal(await status('http://blocked.example.test/'), '403', 'deny wins');
  });

  it('forwards plain HTTP with bodies, fixed or chunked, and headers minus hop-by-hop ones', async () => {
    // The policy of the test before: api.example.test allowed.
    const fixed = await sh(
      "curl -s -D - -X POST --data-binary 'hello body' -H 'x-custom: 1' -H 'connection: x-drop' -H 'x-drop: hop' http://api.example.test/echo",
    );
    assert.match(fixed.stdout, /^HTTP\/1\.1 200/);
    assert.match(fixed.stdout, /set-cookie: a=1\r\nset-cookie: b=2/i);
    assert.ok(fixed.stdout.endsWith('echo: hello body'), fixed.stdout);
    const chunked = await sh(
      "printf 'streamed body' | curl -s -X PUT -H 'transfer-encoding: chunked' --data-binary @- http://api.example.test/echo",
    );
    assert.equal(chunked.stdout, 'echo: streamed body');
    const [first, second] = echoed.slice(-2);
    assert.equal(first!.body, 'hello body');
    assert.equal(first!.headers['x-custom'], '1');
    assert.equal(first!.headers.host, 'api.example.test');
    assert.equal(first!.headers['x-drop'], undefined, 'a header Connection names is hop-by-hop');
    assert.equal(second!.body, 'streamed body');
  });

  it('gives a request up upstream when its client goes before the answer', async () => {
    const r = await sh('curl -s -m 1 -o /dev/null -w "%{http_code}" http://api.example.test/hang');
    assert.equal(r.stdout, '000', 'curl gave up waiting');
    await waitFor('the upstream request closed', async () => hangClosed.length > 0, 10_000);
  });

  it("never carries one sandbox's request on another's upstream connection", async () => {
    const other = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    await d.api('PUT', `/v1/sandboxes/${other}/egress`, { allow: ['api.example.test'] });
    const run = (sandbox: string) =>
      d.api<{ stdout: string }>('POST', `/v1/sandboxes/${sandbox}/exec`, {
        command: 'curl -s http://api.example.test/whose',
      });
    assert.equal((await run(sb)).body.stdout, 'ok');
    assert.equal((await run(sb)).body.stdout, 'ok');
    assert.equal((await run(other)).body.stdout, 'ok');
    const [first, second, third] = connectionOf.slice(-3);
    // The first sandbox's kept-alive connection carried its second request, not the other's.
    assert.equal(second, first, 'one sandbox reuses its own connection');
    assert.notEqual(third, first);
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${other}`)).status, 204);
  });

  it('refuses loopback, private ranges and the daemon itself, whatever the rules say', async () => {
    assert.equal(await status('http://internal.example.test/'), '403');
    assert.equal(await status('http://daemon.example.test/'), '403');
    // curl honours no_proxy (which names loopback) even for --proxy, unless told not to.
    const viaProxy = "--noproxy '' --proxy http://127.0.0.1:3128";
    assert.equal(await status(`http://127.0.0.1:${httpPort}/`, viaProxy), '403');
    assert.equal(await status(`http://localhost:${httpPort}/`, viaProxy), '403');
    const tunnel = await sh(
      `curl -sk -o /dev/null -w '%{http_code}' ${viaProxy} https://10.1.2.3/`,
    );
    assert.notEqual(tunnel.stdout, '200');
    const events = await d.api<{ items: { type: string; payload: { reason?: string } }[] }>(
      'GET',
      `/v1/sandboxes/${sb}/events?limit=200`,
    );
    const reasons = events.body.items
      .filter((e) => e.type === 'egress.denied')
      .map((e) => e.payload.reason);
    assert.ok(reasons.includes('non-public address'));
    assert.ok(reasons.includes('the daemon itself'));
    const audit = await d.api<{ items: { action: string; outcome: string }[] }>(
      'GET',
      '/v1/audit?action=egress',
    );
    assert.ok(audit.body.items.some((e) => e.outcome === 'ok'));
    assert.ok(audit.body.items.some((e) => e.outcome === 'denied'));
  });

  it('refuses connections past egress_connections_max with 503, closes them, and says so once', async () => {
    assert.equal((await d.api('PATCH', '/v1/settings', { egress_connections_max: 2 })).status, 200);
    const hangs = () => seen.filter((r) => r === 'GET api.example.test /hang').length;
    const before = hangs();
    const roots = () => seen.filter((r) => r === 'GET api.example.test /').length;
    const rootsBefore = roots();
    const daemonFds = () => fs.readdirSync(`/proc/${d.proc.pid}/fd`).length;
    // Two requests that hold their connections open until curl gives up.
    const holding = sh(
      'curl -s -m 8 -o /dev/null http://api.example.test/hang & curl -s -m 8 -o /dev/null http://api.example.test/hang & wait',
    );
    await waitFor('both held connections reached the upstream', async () => hangs() >= before + 2);
    const fdsBefore = daemonFds();
    const third = await sh('curl -s -D - http://api.example.test/');
    assert.match(third.stdout, /^HTTP\/1\.1 503/);
    assert.match(third.stdout, /x-paddock-egress-denied: too many connections/i);
    const more = await sh(
      "for i in $(seq 10); do curl -s -o /dev/null -w '%{http_code} ' http://api.example.test/; done",
    );
    assert.equal(more.stdout, '503 '.repeat(10));
    assert.equal(roots(), rootsBefore, 'no refused request reached the upstream');
    // Each refused connection is closed on the daemon's side too, not left to TCP's own
    // timeouts (about a minute here): no descriptor left behind.
    await waitFor('refused connections closed', async () => daemonFds() <= fdsBefore + 3, 15_000);
    const limitedEvents = async () =>
      (
        await d.api<{ items: { type: string; payload: { limit?: number } }[] }>(
          'GET',
          `/v1/sandboxes/${sb}/events`,
        )
      ).body.items.filter((e) => e.type === 'egress.limited');
    await waitFor('the refusal recorded', async () => (await limitedEvents()).length > 0);
    const limited = await limitedEvents();
    assert.equal(limited.length, 1, 'eleven refusals within a minute are one event');
    assert.equal(limited[0]!.payload.limit, 2);
    await holding;
    // Raised again: the same request goes through.
    await d.api('PATCH', '/v1/settings', { egress_connections_max: 256 });
    assert.equal((await sh('curl -s http://api.example.test/')).stdout, 'upstream ok');
  });

  it('sends the requests one connection pipelines upstream one at a time', async () => {
    const before = connectionOf.length;
    // Five requests written at once on one connection to the proxy, then their five answers.
    const script = `
      const s = require('net').connect(3128, '127.0.0.1', () => {
        for (let i = 0; i < 5; i++)
          s.write('GET http://api.example.test/whose HTTP/1.1\\r\\nhost: api.example.test\\r\\n\\r\\n');
      });
      let got = '';
      s.on('data', (d) => {
        got += d;
        const n = (got.match(/HTTP\\/1\\.1 200/g) || []).length;
        if (n === 5) { process.stdout.write(String(n)); s.destroy(); }
      });`;
    const r = await sh(`echo ${Buffer.from(script).toString('base64')} | base64 -d | node`);
    assert.equal(r.stdout, '5');
    const used = connectionOf.slice(before);
    assert.equal(used.length, 5);
    assert.equal(new Set(used).size, 1, 'one upstream connection carried all five, in turn');
  });

  it('cuts the answer off for the client when the upstream cuts it off', async () => {
    // curl exits 18 for a body cut short; it would wait out -m (28) if the answer stayed open.
    const r = await sh('curl -s -m 10 -o /dev/null http://api.example.test/cut; echo $?');
    assert.equal(r.stdout.trim(), '18');
  });

  it('has no route around the proxy: a direct connection fails', async () => {
    const direct = await sh(
      `node -e "require('net').connect(${httpPort}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(3))"`,
    );
    assert.equal(direct.exit_code, 3, "the host's loopback is not the sandbox's");
    const noProxy = await sh(
      `curl -s -o /dev/null -w '%{http_code}' --noproxy '*' http://api.example.test/`,
    );
    assert.equal(noProxy.stdout, '000');
  });

  it("drops a deleted standalone sandbox's own egress lists", async () => {
    const gone = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    const put = await d.api('PUT', `/v1/sandboxes/${gone}/egress`, {
      allow: ['gone.example.test'],
    });
    assert.equal(put.status, 200);
    const policies = () => {
      const db = new SQLite(path.join(dataDir, 'state', 'paddock.db'), { readonly: true });
      try {
        return db.prepare('SELECT subject FROM egress_policies').all() as { subject: string }[];
      } finally {
        db.close();
      }
    };
    assert.ok(policies().some((p) => p.subject === `sandbox:${gone}`));
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${gone}`)).status, 204);
    await waitFor('the policy removed', async () =>
      policies().every((p) => p.subject !== `sandbox:${gone}`),
    );
    assert.equal((await d.api('GET', `/v1/sandboxes/${gone}/egress`)).status, 404);
  });
});
