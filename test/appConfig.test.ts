import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { waitFor } from './previewClient.js';
import { selfSignedCertificate } from './testCertificate.js';

interface Err {
  error: { code: string; message: string };
}
interface Entry {
  key: string;
  sensitive: boolean;
  value?: string;
  value_set: boolean;
  access_policy: string;
  inject: unknown;
}
interface App {
  id: string;
  sandbox: { id: string; preview: { status: string } } | null;
}

/** The one planted secret: it must reach nowhere but the store, sealed. */
const PLANTED = `sk-planted-${randomBytes(12).toString('hex')}`;

describe('app config and secrets', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let app: App;
  const responses: string[] = [];
  // The upstream the secret is injected for, on loopback under the name api.openai.com, with a
  // certificate the daemon trusts (PADDOCK_EGRESS_UPSTREAM_CA); and one it does not trust.
  const trusted = selfSignedCertificate('api.openai.com');
  const untrusted = selfSignedCertificate('untrusted.example.test');
  const received: string[] = [];
  const upstream = https.createServer({ key: trusted.key, cert: trusted.cert }, (req, res) => {
    const auth = String(req.headers.authorization);
    received.push(auth);
    if (req.url === '/bad-gzip') {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end('this is not gzip');
      return;
    }
    if (req.url === '/echo') {
      // An API that quotes what it was sent, in a header and in a body compressed although
      // the proxy asked for none.
      res.writeHead(401, { 'x-echo': auth, 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(`{"error":"invalid key ${auth}"}`));
      return;
    }
    const ok = auth === `Bearer ${PLANTED}-2`;
    res.end(ok ? 'authorized' : 'unauthorized');
  });
  const impostor = https.createServer({ key: untrusted.key, cert: untrusted.cert }, (req, res) => {
    received.push(String(req.headers.authorization));
    res.end('impostor');
  });
  let env: Record<string, string>;

  /** Every response body is kept, to search for the planted secret at the end. */
  const api = async <T>(method: string, p: string, body?: unknown, token?: string) => {
    const res = await d.api<T>(method, p, body, token);
    responses.push(JSON.stringify(res.body));
    return res;
  };
  const sh = async (sandbox: string, command: string): Promise<string> => {
    const res = await api<{ stdout: string; exit_code: number }>(
      'POST',
      `/v1/sandboxes/${sandbox}/exec`,
      { command },
    );
    assert.equal(res.body.exit_code, 0);
    return res.body.stdout;
  };

  before(async () => {
    const listen = (server: https.Server) =>
      new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
      );
    env = {
      PADDOCK_EGRESS_RESOLVE: `api.openai.com=127.0.0.1:${await listen(upstream)},untrusted.example.test=127.0.0.1:${await listen(impostor)}`,
      PADDOCK_EGRESS_UPSTREAM_CA: trusted.certFile,
    };
    d = await startDaemon({ dataDir, env });
    app = (await api<App>('POST', '/v1/apps', { name: 'cfg', preset: 'static' })).body;
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
    upstream.close();
    impostor.close();
    trusted.remove();
    untrusted.remove();
  });

  it('keeps plain values readable and sensitive ones write-only', async () => {
    const plain = await api<Entry>('POST', `/v1/apps/${app.id}/config`, {
      key: 'GREETING',
      value: 'hello',
    });
    assert.equal(plain.status, 201);
    assert.equal(plain.body.value, 'hello');
    assert.equal(plain.body.access_policy, 'runtime_access');
    const secret = await api<Entry>('POST', `/v1/apps/${app.id}/config`, {
      key: 'OPENAI_API_KEY',
      value: PLANTED,
      sensitive: true,
      access_policy: 'runtime_access',
      inject: { hosts: ['api.openai.com'], header: 'Authorization', format: 'Bearer {value}' },
    });
    assert.equal(secret.status, 201, JSON.stringify(secret.body));
    assert.equal(secret.body.value, undefined);
    assert.equal(secret.body.value_set, true);
    const list = await api<{ items: Entry[] }>('GET', `/v1/apps/${app.id}/config`);
    assert.deepEqual(
      list.body.items.map((e) => [e.key, e.value ?? null, e.value_set]),
      [
        ['GREETING', 'hello', true],
        ['OPENAI_API_KEY', null, true],
      ],
    );
    const patched = await api<Entry>('PATCH', `/v1/apps/${app.id}/config/OPENAI_API_KEY`, {
      value: `${PLANTED}-2`,
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.value, undefined);
  });

  it('refuses bad keys, bad rules and other owners with stable codes', async () => {
    const cases: [unknown, number, string][] = [
      [{ key: 'PATH', value: 'x' }, 400, 'reserved_config_key'],
      [{ key: 'PADDOCK_TOKEN', value: 'x' }, 400, 'reserved_config_key'],
      [{ key: '1BAD', value: 'x' }, 400, 'bad_request'],
      [{ key: 'GREETING', value: 'again' }, 409, 'already_exists'],
      [
        { key: 'PLAIN', value: 'x', inject: { hosts: ['a.com'], header: 'X', format: '{value}x' } },
        400,
        'bad_request',
      ],
      [
        {
          key: 'S',
          value: 'x',
          sensitive: true,
          inject: { hosts: ['a.com'], header: 'X', format: 'no placeholder' },
        },
        400,
        'bad_request',
      ],
      [
        {
          key: 'S',
          value: 'line\u0001break\u200b',
          sensitive: true,
          inject: { hosts: ['a.com'], header: 'X', format: 'Bearer {value}' },
        },
        400,
        'bad_request',
      ],
    ];
    for (const [body, status, code] of cases) {
      const res = await api<Err>('POST', `/v1/apps/${app.id}/config`, body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.body.error.code, code, JSON.stringify(body));
    }
    const key = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'm',
      owner: 'mallory',
    });
    const other = key.body.token;
    assert.equal((await api('GET', `/v1/apps/${app.id}/config`, undefined, other)).status, 404);
    assert.equal(
      (await api('DELETE', `/v1/apps/${app.id}/config/GREETING`, undefined, other)).status,
      404,
    );
    assert.equal((await api('GET', '/v1/system/secrets', undefined, other)).status, 403);
  });

  it('gives processes plain values and only a placeholder for a secret, on their next start', async () => {
    const sb = app.sandbox!.id;
    await api('POST', `/v1/sandboxes/${sb}/stop`);
    await api('POST', `/v1/sandboxes/${sb}/start`);
    await waitFor('web process running', async () => {
      const env = await sh(
        sb,
        'cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n" | grep ^GREETING= || true',
      );
      return env.includes('GREETING=hello');
    });
    const env = await sh(sb, 'cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"');
    assert.match(env, /^OPENAI_API_KEY=paddock-secret:OPENAI_API_KEY$/m);
    // Nowhere in the sandbox: no process environment, no file.
    assert.ok(!env.includes(PLANTED));
    const found = await sh(
      sb,
      `grep -rl "${PLANTED}" /workspace /tmp /etc /opt 2>/dev/null | head -1 || true`,
    );
    assert.equal(found.trim(), '');
  });

  it('puts the secret into requests to its hosts only, over verified TLS, never into the sandbox', async () => {
    const sb = app.sandbox!.id;
    const put = await api('PUT', `/v1/apps/${app.id}/egress`, {
      allow: ['api.openai.com', 'untrusted.example.test', 'other.example.test'],
      deny: [],
    });
    assert.equal(put.status, 200);
    const second = await api<Entry>('POST', `/v1/apps/${app.id}/config`, {
      key: 'IMPOSTOR_KEY',
      value: `${PLANTED}-3`,
      sensitive: true,
      access_policy: 'runtime_access',
      inject: { hosts: ['untrusted.example.test'], header: 'Authorization', format: '{value}' },
    });
    assert.equal(second.status, 201);
    // curl reads the system store (the driver adds the proxy's CA to it); the placeholder in
    // its header is replaced on the way out.
    const viaCurl = await sh(
      sb,
      'curl -s https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"',
    );
    assert.equal(viaCurl, 'authorized');
    // Node's fetch ignores HTTPS_PROXY; the preload routes it, NODE_EXTRA_CA_CERTS trusts the CA.
    const viaFetch = await sh(
      sb,
      `node -e "fetch('https://api.openai.com/v1/models').then(r => r.text()).then(t => process.stdout.write(t))"`,
    );
    assert.equal(viaFetch, 'authorized');
    assert.ok(received.length >= 2 && received.every((h) => h === `Bearer ${PLANTED}-2`));
    // What the upstream echoes back reaches the sandbox masked, header and body.
    const echoed = await sh(sb, 'curl -s -D - https://api.openai.com/echo');
    assert.ok(!echoed.includes(PLANTED), echoed);
    const stars = '*'.repeat(`${PLANTED}-2`.length);
    assert.match(echoed, new RegExp(`x-echo: Bearer \\*{${stars.length}}`));
    assert.ok(echoed.includes(`{"error":"invalid key Bearer ${stars}"}`), echoed);
    // Broken or empty compressed bodies end that response, not the daemon.
    const broken = await api<{ stdout: string; exit_code: number }>(
      'POST',
      `/v1/sandboxes/${sb}/exec`,
      { command: 'curl -s https://api.openai.com/bad-gzip; curl -sI https://api.openai.com/echo' },
    );
    assert.equal(broken.status, 200);
    assert.match(broken.body.stdout, /^HTTP\/1\.1 401/m, 'HEAD of a gzip answer passes');
    // A request inside the tunnel must name a path: an absolute URL could reach another origin
    // behind the same front end with this host's secret.
    const absolute = await sh(
      sb,
      `curl -s -o /dev/null -w '%{http_code}' --request-target https://other.example.test/x https://api.openai.com/`,
    );
    assert.equal(absolute, '400');
    // A change applies to tunnels already open: a client that keeps one alive stops getting
    // the secret as soon as its policy no longer lets it leave the daemon.
    const seen = received.length;
    const polling = api<{ stdout: string }>('POST', `/v1/sandboxes/${sb}/exec`, {
      command: `node -e "
        const until = Date.now() + 15000;
        (async () => {
          for (;;) {
            const t = await (await fetch('https://api.openai.com/v1/models')).text();
            process.stdout.write(t + ' ');
            if (t === 'unauthorized' || Date.now() > until) break;
            await new Promise((r) => setTimeout(r, 100));
          }
        })();"`,
    });
    await waitFor('the polling client to get through', async () => received.length > seen);
    await api('PATCH', `/v1/apps/${app.id}/config/OPENAI_API_KEY`, {
      access_policy: 'control_plane_only',
    });
    const polled = (await polling).body.stdout.trim().split(' ');
    assert.equal(polled[0], 'authorized');
    assert.equal(polled.at(-1), 'unauthorized');
    await api('PATCH', `/v1/apps/${app.id}/config/OPENAI_API_KEY`, {
      access_policy: 'runtime_access',
    });
    // The certificate the sandbox sees for that host is the install's CA's.
    const issuer = await sh(
      sb,
      'curl -sv -o /dev/null https://api.openai.com/ 2>&1 | grep -i issuer',
    );
    assert.match(issuer, /Paddock egress CA/);
    // A request inside the tunnel may not name another host.
    const misdirected = await sh(
      sb,
      `curl -s -o /dev/null -w '%{http_code}' https://api.openai.com/ -H 'Host: other.example.test'`,
    );
    assert.equal(misdirected, '421');
    // Nor does a request pipelined behind one refused that way: the refusal closed the
    // connection, so what followed it is never sent on (with the secret) or answered.
    const beforePipelined = received.length;
    const pipelined = `
      const net = require('net'), tls = require('tls');
      const s = net.connect(3128, '127.0.0.1', () =>
        s.write('CONNECT api.openai.com:443 HTTP/1.1\\r\\nhost: api.openai.com:443\\r\\n\\r\\n'));
      s.once('data', () => {
        const t = tls.connect({ socket: s, servername: 'api.openai.com' }, () =>
          t.write('GET / HTTP/1.1\\r\\nhost: other.example.test\\r\\n\\r\\n' +
            'GET /v1/models HTTP/1.1\\r\\nhost: api.openai.com\\r\\n\\r\\n'));
        let got = '';
        t.on('data', (d) => (got += d));
        t.on('error', () => {});
        t.on('close', () => process.stdout.write((got.match(/^HTTP\\/1\\.1 \\d+/gm) || []).join(',')));
      });`;
    const answers = await sh(
      sb,
      `echo ${Buffer.from(pipelined).toString('base64')} | base64 -d | node`,
    );
    assert.equal(answers, 'HTTP/1.1 421');
    assert.equal(await sh(sb, 'curl -s https://api.openai.com/v1/models'), 'authorized');
    assert.equal(received.length, beforePipelined + 1, 'only the later, separate request arrived');
    // An upstream whose certificate is not trusted gets nothing: the request stops at the proxy.
    const before = received.length;
    const refused = await sh(sb, `curl -s -w '%{http_code}' https://untrusted.example.test/`);
    assert.match(refused, /certificate was refused/);
    assert.match(refused, /502$/);
    assert.equal(received.length, before, 'the impostor received no request');
    // Without a rule for it, the host's TLS is not touched: the tunnel passes through.
    const removed = await api('DELETE', `/v1/apps/${app.id}/config/IMPOSTOR_KEY`);
    assert.equal(removed.status, 204);
    assert.equal(await sh(sb, 'curl -sk https://untrusted.example.test/'), 'impostor');
    assert.equal(received.at(-1), 'undefined', 'no header was added');
    const audit = await api<{ items: { action: string; details: { injected?: string[] } }[] }>(
      'GET',
      '/v1/audit?action=egress',
    );
    assert.ok(audit.body.items.some((e) => e.details.injected?.includes('OPENAI_API_KEY')));
  });

  it('rotates the master key keeping every secret, and refuses a wrong key clearly', async () => {
    const before = await api<{ key_id: string; sealed: number; readable: number }>(
      'GET',
      '/v1/system/secrets',
    );
    assert.deepEqual([before.body.sealed, before.body.readable], [1, 1]);
    const rotated = await api<{ key_id: string; rotated: number }>(
      'POST',
      '/v1/system/secrets/rotate',
      {},
    );
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.notEqual(rotated.body.key_id, before.body.key_id);
    assert.equal(rotated.body.rotated, 1);

    // A restart reads the rotated key file and opens every secret.
    await d.stop();
    d = await startDaemon({ dataDir, env });
    const after = await api<{ key_id: string; readable: number }>('GET', '/v1/system/secrets');
    assert.equal(after.body.key_id, rotated.body.key_id);
    assert.equal(after.body.readable, 1);

    // Another key: a clear error, never garbage, and nothing sealed under it.
    await d.stop();
    d = await startDaemon({
      dataDir,
      env: { ...env, PADDOCK_SECRETS_KEY: randomBytes(32).toString('base64') },
    });
    assert.match(d.output(), /stored secrets were sealed with key [0-9a-f]{16}/);
    const wrong = await api<{ readable: number; sealed: number }>('GET', '/v1/system/secrets');
    assert.deepEqual([wrong.body.sealed, wrong.body.readable], [1, 0]);
    const refused = await api<Err>('POST', `/v1/apps/${app.id}/config`, {
      key: 'OTHER',
      value: 'x',
      sensitive: true,
    });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'secrets_key_mismatch');

    await d.stop();
    d = await startDaemon({ dataDir, env });
    assert.equal((await api<{ readable: number }>('GET', '/v1/system/secrets')).body.readable, 1);
  });

  it('never shows the planted secret: responses, log, events, database, snapshot', async () => {
    const events = await api<{ items: { type: string; payload: { key?: string } }[] }>(
      'GET',
      `/v1/sandboxes/${app.sandbox!.id}/events?limit=500`,
    );
    assert.equal(events.status, 200);
    assert.ok(
      events.body.items.some((e) => e.type === 'config.set' && e.payload.key === 'OPENAI_API_KEY'),
      'config changes are events (with the key)',
    );
    const snap = await api<{ id: string }>('POST', `/v1/sandboxes/${app.sandbox!.id}/snapshots`, {
      name: 'with secrets set',
    });
    const exported = await fetch(`${d.url}/v1/snapshots/${snap.body.id}/export`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    const archive = Buffer.from(await exported.arrayBuffer());
    const state = path.join(dataDir, 'state');
    const dbBytes = fs
      .readdirSync(state)
      .filter((f) => f.startsWith('paddock.db'))
      .map((f) => fs.readFileSync(path.join(state, f)));
    const audit = await fetch(`${d.url}/v1/audit/export`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(audit.status, 200);
    const auditText = await audit.text();
    assert.match(auditText, /OPENAI_API_KEY/, 'the audit log names the key');
    for (const [where, text] of [
      ['API responses', responses.join('\n')],
      ['audit log', auditText],
      ['daemon log', d.output()],
      ['events', JSON.stringify(events.body)],
      ['snapshot export', archive.toString('latin1')],
      ...dbBytes.map((b, i) => [`database file ${i}`, b.toString('latin1')] as const),
    ] as const) {
      assert.ok(!text.includes(PLANTED), `the secret appears in ${where}`);
    }
  });
});
