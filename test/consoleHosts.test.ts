import assert from 'node:assert/strict';
import net from 'node:net';
import { before, describe, it } from 'node:test';
import { rawRequest, type RawResponse } from './appOriginClient.js';
import { suiteDaemon } from './harness.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const PUBLIC = 'paddock.example.test';

interface Err {
  error: { code: string };
}

/**
 * The console, the API, `/metrics` and the probes answer only on the console's hosts (DNS
 * rebinding finds nothing), with security headers; `/metrics` needs its token; sandboxes keep
 * reaching `http://paddock.internal` through their egress proxy, and only that.
 */
describe('console hosts, security headers and the metrics token', () => {
  const d = suiteDaemon({
    env: { PADDOCK_PUBLIC_URL: `https://${PUBLIC}`, PADDOCK_METRICS_TOKEN: METRICS_TOKEN },
  });
  const port = () => new URL(d.url).port;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (host: string, p: string, headers: Record<string, string> = {}) =>
    rawRequest(d.url, host, p, { headers });
  const isConsole = (res: RawResponse) => res.body.includes('<div id="root">');

  it('serves the console, the API and /metrics on the loopback names, the listen host and PADDOCK_PUBLIC_URL', async () => {
    const hosts = [
      `127.0.0.1:${port()}`,
      `localhost:${port()}`,
      `LocalHost:${port()}`,
      `[::1]:${port()}`,
      PUBLIC,
      `${PUBLIC}:443`,
    ];
    for (const host of hosts) {
      const page = await get(host, '/');
      assert.equal(page.status, 200, host);
      assert.ok(isConsole(page), host);
      const session = await get(host, '/v1/session', bearer(d.token));
      assert.equal(session.status, 200, host);
      assert.equal((JSON.parse(session.body) as { owner: string }).owner, 'admin');
      assert.equal((await get(host, '/metrics', bearer(METRICS_TOKEN))).status, 200, host);
      assert.equal((await get(host, '/readyz')).status, 200, host);
    }
  });

  it('answers any other Host 421 host_not_allowed, with the right credentials or not', async () => {
    const hosts = [
      'rebind.evil.test',
      `rebind.evil.test:${port()}`,
      // Looks like a preview, but no preview's name (not a sandbox id): not the console either.
      `5173-doesnotexist.preview.localhost:${port()}`,
      `preview.localhost:${port()}`,
      // The sandboxes' name for the API is only theirs, through the egress proxy.
      'paddock.internal',
      `paddock.internal:${port()}`,
      `localhost:${Number(port()) === 1 ? 2 : 1}`,
      `${PUBLIC}:8443`,
      `127.0.0.1.nip.io:${port()}`,
      `localhost.:${port()}`,
    ];
    for (const host of hosts) {
      for (const [p, headers] of [
        ['/', {}],
        ['/desktop', {}],
        ['/v1/session', bearer(d.token)],
        ['/v1/apps', bearer(d.token)],
        ['/metrics', bearer(METRICS_TOKEN)],
        ['/healthz', {}],
        ['/v1/openapi.json', {}],
      ] as const) {
        const res = await get(host, p, headers);
        assert.equal(res.status, 421, `${host} ${p}`);
        assert.equal((JSON.parse(res.body) as Err).error.code, 'host_not_allowed');
        assert.ok(!res.body.includes(port()), 'the refusal names no served host');
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
      }
    }
    // A POST with a body is refused the same way, before anything reads it.
    const post = await rawRequest(d.url, 'rebind.evil.test', '/v1/api-keys', {
      method: 'POST',
      headers: { ...bearer(d.token), 'content-type': 'application/json' },
    });
    assert.equal(post.status, 421);
    // No Host at all (HTTP/1.0) is no console host either.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port()), '127.0.0.1');
      let got = '';
      socket.on('data', (b: Buffer) => (got += b.toString('latin1')));
      socket.on('end', () => resolve(got));
      socket.on('error', reject);
      socket.write('GET /v1/session HTTP/1.0\r\n\r\n');
    });
    assert.match(answer, /^HTTP\/1\.1 421 /);
  });

  it('opens no WebSocket on another Host, while the console host reaches the route', async () => {
    const upgrade = (host: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port()), '127.0.0.1');
        let got = '';
        socket.on('data', (b: Buffer) => (got += b.toString('latin1')));
        socket.on('end', () => resolve(got));
        socket.on('error', reject);
        socket.write(
          `GET /v1/sandboxes/sb_doesnotexist/pty HTTP/1.1\r\nHost: ${host}\r\n` +
            `Authorization: Bearer ${d.token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
      });
    // Refused before any route: no 101, and not even the route's own 404 answer.
    const refused = await upgrade('rebind.evil.test');
    assert.match(refused, /^HTTP\/1\.1 404 /);
    assert.doesNotMatch(refused, /not_found/);
    // The same request on a console host reaches the route, which answers for the sandbox.
    const routed = await upgrade(`localhost:${port()}`);
    assert.match(routed, /^HTTP\/1\.1 404 /);
    assert.match(routed, /"not_found"/);
  });

  it('leaves preview and apps hosts to their own handlers and headers', async () => {
    // A preview's name for a sandbox that does not exist: the preview proxy's answer.
    const preview = await get(`5173-sb${'0'.repeat(26)}.preview.localhost:${port()}`, '/');
    assert.notEqual(preview.status, 421);
    assert.ok(!isConsole(preview));
    assert.doesNotMatch(preview.headers['content-security-policy'] ?? '', /frame-src/);
    // Any name on the apps domain: the app origin server's 404, under its own sandboxing CSP.
    for (const host of [
      `${'a'.repeat(52)}.apps.localhost:${port()}`,
      `x.apps.localhost:${port()}`,
    ]) {
      const res = await get(host, '/');
      assert.equal(res.status, 404, host);
      assert.ok(!isConsole(res));
      assert.match(res.headers['content-security-policy'] ?? '', /^sandbox/);
    }
  });

  it('sends a strict CSP, frame-ancestors none, nosniff and no-referrer with console pages and API answers', async () => {
    const host = `127.0.0.1:${port()}`;
    for (const p of ['/', '/index.html', '/desktop', '/apps/x']) {
      const page = await get(host, p);
      assert.equal(page.status, 200, p);
      const csp = page.headers['content-security-policy'] ?? '';
      assert.match(csp, /(^|; )default-src 'none'(;|$)/, p);
      assert.match(csp, /(^|; )script-src 'self'(;|$)/);
      assert.match(csp, /(^|; )style-src 'self'(;|$)/);
      assert.match(csp, /(^|; )connect-src 'self'(;|$)/);
      assert.match(csp, /(^|; )img-src 'self' data:(;|$)/);
      assert.match(csp, /(^|; )frame-ancestors 'none'(;|$)/);
      assert.match(
        csp,
        new RegExp(
          `(^|; )frame-src http://\\*\\.apps\\.localhost:${port()} http://\\*\\.preview\\.localhost:${port()}(;|$)`,
        ),
      );
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(page.headers['x-frame-options'], 'DENY');
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
      assert.equal(page.headers['referrer-policy'], 'no-referrer');
    }
    // Vite's page holds no inline script or style for the policy to refuse.
    const html = (await get(host, '/')).body;
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /<style|\sstyle=/);
    for (const [p, headers] of [
      ['/v1/session', bearer(d.token)],
      ['/v1/session', {}],
      ['/v1/nothing-here', bearer(d.token)],
      ['/metrics', bearer(METRICS_TOKEN)],
      ['/healthz', {}],
    ] as const) {
      const res = await get(host, p, headers);
      assert.equal(
        res.headers['content-security-policy'],
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        p,
      );
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
    }
  });

  it('serves /metrics with the metrics token or an admin credential only', async () => {
    const host = `127.0.0.1:${port()}`;
    const none = await get(host, '/metrics');
    assert.equal(none.status, 401);
    assert.equal((JSON.parse(none.body) as Err).error.code, 'unauthorized');
    assert.equal((await get(host, '/metrics', bearer('not-the-metrics-token'))).status, 401);
    const scraped = await get(host, '/metrics', bearer(METRICS_TOKEN));
    assert.equal(scraped.status, 200);
    assert.match(scraped.body, /^paddock_http_requests_total/m);
    assert.equal((await get(host, '/metrics', bearer(d.token))).status, 200);
    const user = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'metrics-user',
      owner: 'metrics-user',
      role: 'user',
    });
    assert.equal(user.status, 201);
    const refused = await get(host, '/metrics', bearer(user.body.token));
    assert.equal(refused.status, 403);
    assert.equal((JSON.parse(refused.body) as Err).error.code, 'forbidden');
    // The metrics token is good for nothing else.
    assert.equal((await get(host, '/v1/session', bearer(METRICS_TOKEN))).status, 401);
    // Nor does a console session read it (a page could make the browser send its cookie).
    const signIn = await fetch(`${d.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: d.token }),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.equal((await get(host, '/metrics', { cookie })).status, 401);
  });

  describe('from a sandbox', () => {
    let sandbox: string;
    before(async () => {
      const created = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
      assert.equal(created.status, 201);
      sandbox = created.body.id;
    });
    const curl = async (args: string): Promise<string> => {
      const res = await d.api<{ stdout: string; stderr: string; exit_code: number }>(
        'POST',
        `/v1/sandboxes/${sandbox}/exec`,
        { command: `curl -s -o /dev/null -w '%{http_code}' ${args}` },
      );
      assert.equal(res.body.exit_code, 0, res.body.stderr);
      return res.body.stdout;
    };

    it('reaches http://paddock.internal through the proxy, relayed or tunnelled', async () => {
      assert.equal(await curl('http://paddock.internal/readyz'), '200');
      assert.equal(await curl('-p http://paddock.internal/readyz'), '200');
      // The relay names paddock.internal itself, whatever the sandbox wrote.
      assert.equal(await curl(`-H 'Host: rebind.evil.test' http://paddock.internal/readyz`), '200');
    });

    it('reaches nothing more with a Host forged inside a tunnel', async () => {
      for (const host of [
        `127.0.0.1:${port()}`,
        'rebind.evil.test',
        `5173-${sandbox}.preview.localhost:${port()}`,
        `${'a'.repeat(52)}.apps.localhost:${port()}`,
      ]) {
        assert.equal(
          await curl(`-p -H 'Host: ${host}' http://paddock.internal/readyz`),
          '421',
          host,
        );
      }
    });
  });
});
