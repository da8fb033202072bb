import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import {
  DENIED_HEADER,
  EgressCa,
  EgressProxy,
  parseResolveOverrides,
  type EgressAuditRecord,
  type EgressDenialSink,
  type EgressEvent,
  type EgressListeners,
  type EgressSandbox,
  type Injection,
} from '../src/index.js';

const SECRET = 'sk-test-0123456789abcdef';
/** The secret as HTTP Basic auth carries it (`{basic:u}`), which an upstream may quote too. */
const BASIC = Buffer.from(`u:${SECRET}`).toString('base64');
const SANDBOX: EgressSandbox = { id: 'sbx1', owner_id: 'owner1', app_id: 'app1' };

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

function collect(res: http.IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks).toString(),
      }),
    );
  });
}

/** A plain-HTTP proxy request (absolute URL, or whatever `target` is) to the proxy on `port`. */
function viaProxy(port: number, target: string, host = 'unused.test'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: target, headers: { host }, agent: false },
      (res) => collect(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end();
  });
}

/** Everything a connection receives after sending `bytes`, until the proxy closes it. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}

/** Sends a CONNECT; resolves with the proxy's answer head and the socket, positioned after it. */
function openTunnel(
  port: number,
  authority: string,
): Promise<{ head: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`),
    );
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.pause();
      const rest = got.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve({ head: got.subarray(0, end).toString(), socket });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => resolve({ head: got.toString(), socket }));
  });
}

/** A request over TLS inside a CONNECT tunnel, trusting only `caPem`. */
function requestInTunnel(
  socket: net.Socket,
  servername: string,
  caPem: string,
  options: { path: string; host: string },
): Promise<Answer> {
  const secure = tls.connect({ socket, servername, ca: caPem });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { createConnection: () => secure, path: options.path, headers: { host: options.host } },
      (res) => collect(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the egress proxy on a loopback listener, in front of loopback upstreams', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-egress-'));
  const upstreamHits: string[] = [];
  const received: http.IncomingHttpHeaders[] = [];
  const events: EgressEvent[] = [];
  const audits: EgressAuditRecord[] = [];
  const denials: Parameters<EgressDenialSink>[0][] = [];
  const listeners = new Map<string, net.Server>();
  let connectionsMax = 100;

  // A plain upstream that echoes what it was asked.
  const plain = http.createServer((req, res) => {
    upstreamHits.push(`${req.method} ${req.headers.host} ${req.url}`);
    res.end(`plain ok ${req.url}`);
  });
  // Stands in for the daemon's API (CONTROL_PLANE_HOST), whose port is never a destination.
  const controlPlane = http.createServer((req, res) => res.end(`api ${req.headers.host}`));
  // An HTTPS upstream whose certificate comes from a CA of its own, trusted as upstreamCa.
  const upstreamCa = EgressCa.open(path.join(dir, 'upstream'));
  const secure = https.createServer(
    {
      SNICallback: (name, done) => {
        upstreamCa.contextFor(name).then((context) => done(null, context), done);
      },
    },
    (req, res) => {
      received.push(req.headers);
      if (req.url === '/basic') return res.end(`you are ${BASIC}`);
      // Echoes the credential back, in a header and in the body, as some APIs do.
      res.setHeader('x-echo', String(req.headers.authorization));
      res.end(`you sent ${req.headers.authorization}`);
    },
  );
  const ca = EgressCa.open(path.join(dir, 'proxy'));
  let plainPort: number;
  let securePort: number;
  let apiPort: number;
  let proxy: EgressProxy;
  let proxyPort: number;

  // The driver's job, done on loopback: one listener per sandbox, handing over its connections.
  const driver: EgressListeners = {
    async serveEgress(id, onConnection) {
      const server = net.createServer(onConnection);
      await listen(server);
      listeners.set(id, server);
      return server;
    },
  };

  before(async () => {
    plainPort = await listen(plain);
    securePort = await listen(secure);
    apiPort = await listen(controlPlane);
    const injection: Injection = {
      key: 'API_KEY',
      hosts: ['api.test'],
      header: 'authorization',
      headerValue: `Bearer ${SECRET}`,
      secret: SECRET,
      encoded: [BASIC],
    };
    proxy = new EgressProxy({
      driver,
      policyFor: async () => ({
        allow: ['allowed.test', 'api.test', 'private.test', 'self.test', '*.example.test'],
        deny: ['bad.example.test'],
      }),
      injectionsFor: async (sandbox) => (sandbox.app_id === 'app1' ? [injection] : []),
      ca,
      upstreamCa: upstreamCa.certPem,
      overrides: parseResolveOverrides(
        'allowed.test=127.0.0.1,api.test=127.0.0.1,self.test=127.0.0.1,private.test=10.1.2.3',
      ),
      daemonPort: () => apiPort,
      controlPlane: () => ({ host: '127.0.0.1', port: apiPort }),
      connectionsMax: () => connectionsMax,
      events: { append: async (e) => events.push(e) },
      audit: { record: async (r) => audits.push(r) },
      denials: (d) => denials.push(d),
      log: { warn: () => undefined },
    });
    await proxy.attach(SANDBOX);
    proxyPort = (listeners.get(SANDBOX.id)!.address() as net.AddressInfo).port;
  });

  after(() => {
    proxy.close();
    plain.close();
    secure.close();
    controlPlane.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('relays a plain request to an allowed host, with the Host the sandbox named', async () => {
    const answer = await viaProxy(
      proxyPort,
      `http://allowed.test:${plainPort}/hello?x=1`,
      `allowed.test:${plainPort}`,
    );
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'plain ok /hello?x=1');
    assert.ok(upstreamHits.includes(`GET allowed.test:${plainPort} /hello?x=1`));
    const entry = audits.find((a) => a.details.host === 'allowed.test');
    assert.equal(entry?.outcome, 'ok');
    assert.equal(entry?.details.rule, 'allow allowed.test');
    assert.equal(entry?.actor.keyId, `sandbox:${SANDBOX.id}`);
  });

  it('tunnels an allowed host without secrets untouched', async () => {
    const { head, socket } = await openTunnel(proxyPort, `allowed.test:${plainPort}`);
    assert.match(head, /^HTTP\/1\.1 200 /);
    socket.resume();
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.write('GET /tunnelled HTTP/1.1\r\nhost: allowed.test\r\nconnection: close\r\n\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    assert.match(Buffer.concat(chunks).toString(), /plain ok \/tunnelled$/);
  });

  it('refuses a host no rule allows, and one a deny rule names, before any upstream', async () => {
    const before = upstreamHits.length;
    const none = await viaProxy(proxyPort, `http://nowhere.test:${plainPort}/`);
    assert.equal(none.status, 403);
    assert.equal(none.headers[DENIED_HEADER], 'not allowed');
    assert.match(none.body, /^paddock egress: not allowed/);
    const ruled = await viaProxy(proxyPort, 'http://bad.example.test/');
    assert.equal(ruled.status, 403);
    assert.equal(ruled.headers[DENIED_HEADER], 'denied by rule');
    const tunnel = await openTunnel(proxyPort, 'nowhere.test:443');
    assert.match(tunnel.head, /^HTTP\/1\.1 403 /);
    assert.match(tunnel.head, new RegExp(`${DENIED_HEADER}: not allowed`));
    assert.equal(upstreamHits.length, before);

    const event = events.find(
      (e) => e.type === 'egress.denied' && e.payload.host === 'nowhere.test',
    );
    assert.equal(event?.sandboxId, SANDBOX.id);
    assert.equal(event?.payload.reason, 'not allowed');
    // Refusals are not the proxy's to audit: each goes, unsampled, to the denial sink.
    assert.equal(
      audits.find((a) => a.details.host === 'bad.example.test'),
      undefined,
    );
    const denial = denials.find((x) => x.host === 'bad.example.test');
    assert.equal(denial?.rule, 'deny bad.example.test');
    assert.equal(denial?.kind, 'destination');
    assert.equal(denials.filter((x) => x.host === 'nowhere.test').length, 2);
  });

  it('refuses address literals, private addresses and the daemon’s own port', async () => {
    const literal = await viaProxy(proxyPort, `http://127.0.0.1:${plainPort}/`);
    assert.equal(literal.headers[DENIED_HEADER], 'address literal');
    const mapped = await viaProxy(proxyPort, 'http://private.test/');
    assert.equal(mapped.headers[DENIED_HEADER], 'non-public address');
    const self = await viaProxy(proxyPort, `http://self.test:${apiPort}/`);
    assert.equal(self.headers[DENIED_HEADER], 'the daemon itself');
  });

  it('sends the control-plane name to the daemon’s API whatever the policy', async () => {
    const answer = await viaProxy(proxyPort, 'http://paddock.internal/v1/whoami');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'api paddock.internal');
  });

  it('injects the secret on the way out and masks its echo on the way back', async () => {
    const { head, socket } = await openTunnel(proxyPort, `api.test:${securePort}`);
    assert.match(head, /^HTTP\/1\.1 200 /);
    const answer = await requestInTunnel(socket, 'api.test', ca.certPem, {
      path: '/v1/models',
      host: `api.test:${securePort}`,
    });
    socket.destroy();
    assert.equal(answer.status, 200);
    // The upstream got the real credential...
    assert.equal(received.at(-1)?.authorization, `Bearer ${SECRET}`);
    // ...and the sandbox sees its echo masked, length kept, in the body and the headers.
    const masked = `Bearer ${'*'.repeat(SECRET.length)}`;
    assert.equal(answer.body, `you sent ${masked}`);
    assert.equal(answer.headers['x-echo'], masked);
    // The secret as the header encoded it (HTTP Basic's base64) is masked as well.
    const again = await openTunnel(proxyPort, `api.test:${securePort}`);
    const basic = await requestInTunnel(again.socket, 'api.test', ca.certPem, {
      path: '/basic',
      host: `api.test:${securePort}`,
    });
    again.socket.destroy();
    assert.equal(basic.body, `you are ${'*'.repeat(BASIC.length)}`);
    // Records name the key, never the value.
    const entry = audits.find((a) => a.details.host === 'api.test');
    assert.deepEqual(entry?.details.injected, ['API_KEY']);
    assert.ok(!JSON.stringify([audits, events]).includes(SECRET));
  });

  it('holds a terminated tunnel to its own host and to paths', async () => {
    const wrongHost = await openTunnel(proxyPort, `api.test:${securePort}`);
    const other = await requestInTunnel(wrongHost.socket, 'api.test', ca.certPem, {
      path: '/',
      host: 'allowed.test',
    });
    wrongHost.socket.destroy();
    assert.equal(other.status, 421);
    const absolute = await openTunnel(proxyPort, `api.test:${securePort}`);
    const url = await requestInTunnel(absolute.socket, 'api.test', ca.certPem, {
      path: `https://api.test:${securePort}/`,
      host: `api.test:${securePort}`,
    });
    absolute.socket.destroy();
    assert.equal(url.status, 400);
    assert.match(url.body, /name a path, not a URL/);
  });

  it('refuses junk: origin-form, https:// in plain, bad CONNECT targets, non-HTTP bytes', async () => {
    const origin = await viaProxy(proxyPort, '/not-absolute');
    assert.equal(origin.status, 400);
    assert.match(origin.body, /not a proxy request/);
    const httpsInPlain = await viaProxy(proxyPort, 'https://allowed.test/');
    assert.equal(httpsInPlain.status, 400);
    assert.match(httpsInPlain.body, /use CONNECT for https/);
    for (const target of ['allowed.test', 'allowed.test:http', 'a:b:443', '[zz]:443']) {
      const { head } = await openTunnel(proxyPort, target);
      assert.match(head, /^HTTP\/1\.1 400 /, target);
    }
    // Not HTTP at all: the connection is dropped without an answer.
    assert.equal(await rawExchange(proxyPort, '\x00\x01\x02 hello\r\n\r\n'), '');
  });

  it('refuses connections past the sandbox’s limit with a 503, and says so once', async () => {
    // A sandbox of its own, so no connection of another test counts against it.
    const other: EgressSandbox = { id: 'sbx2', owner_id: 'owner1', app_id: null };
    await proxy.attach(other);
    const port = (listeners.get(other.id)!.address() as net.AddressInfo).port;
    connectionsMax = 2;
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        // Each answered once, so the proxy surely counts it before the next one comes.
        const { head, socket } = await openTunnel(port, `allowed.test:${plainPort}`);
        assert.match(head, /^HTTP\/1\.1 200 /);
        held.push(socket);
      }
      const third = await rawExchange(
        port,
        `GET http://allowed.test:${plainPort}/ HTTP/1.1\r\nhost: allowed.test\r\n\r\n`,
      );
      assert.match(third, /^HTTP\/1\.1 503 /);
      assert.match(third, new RegExp(`${DENIED_HEADER}: too many connections`));
      const limited = events.filter((e) => e.type === 'egress.limited');
      assert.deepEqual(
        limited.map((e) => [e.sandboxId, e.payload.limit]),
        [[other.id, 2]],
      );
    } finally {
      connectionsMax = 100;
      for (const s of held) s.destroy();
      proxy.detach(other.id);
    }
  });

  it('cuts a detached sandbox’s open connections', async () => {
    const { socket } = await openTunnel(proxyPort, `allowed.test:${plainPort}`);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.resume();
    proxy.detach(SANDBOX.id);
    await closed;
    await proxy.attach(SANDBOX);
    proxyPort = (listeners.get(SANDBOX.id)!.address() as net.AddressInfo).port;
    const again = await viaProxy(proxyPort, `http://allowed.test:${plainPort}/back`);
    assert.equal(again.status, 200);
  });
});
