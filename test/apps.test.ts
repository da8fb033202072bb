import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  destroyEverything,
  startDaemon,
  suiteDaemon,
  tempDataDir,
  type TestDaemon,
} from './harness.js';
import { cookieFrom, openPreview, previewGet, waitFor } from './previewClient.js';

interface Err {
  error: { code: string; message: string };
}
interface Proc {
  name: string;
  kind: string;
  status: string;
  pid: number | null;
  restarts: number;
  health: string | null;
}
interface Sandbox {
  id: string;
  status: string;
  app_id: string | null;
  preview: { url: string | null; status: string; public: boolean; expires_at: string | null };
  processes: Proc[];
  manifest: { source: string; errors: { line: number; message: string; path: string }[] };
}
interface App {
  id: string;
  name: string;
  preset: string;
  public: boolean;
  sandbox: Sandbox | null;
}
interface Event {
  type: string;
  payload: Record<string, unknown>;
}

describe('apps, processes and previews', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let express: App;

  const getApp = async (id: string): Promise<App> =>
    (await d.api<App>('GET', `/v1/apps/${id}`)).body;
  const readyApp = (id: string) =>
    waitFor(`app ${id} preview ready`, async () => {
      const app = await getApp(id);
      return app.sandbox?.preview.status === 'ready' ? app : undefined;
    });

  before(async () => {
    d = await startDaemon({ dataDir });
    const res = await d.api<App>('POST', '/v1/apps', { name: 'shop', preset: 'node-express' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    express = res.body;
  });

  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('lists the presets', async () => {
    const res = await d.api<{ items: { name: string; web: boolean; dependencies: string }[] }>(
      'GET',
      '/v1/presets',
    );
    assert.equal(res.status, 200);
    const state = (name: string) => res.body.items.find((p) => p.name === name)?.dependencies;
    // The express app made before these tests filled its preset's cache; static has nothing.
    assert.equal(state('node-express'), 'cached');
    assert.equal(state('static'), 'none');
    for (const p of res.body.items) {
      assert.ok(['cached', 'not_installed', 'none'].includes(p.dependencies), p.name);
    }
    const names = res.body.items.map((p) => p.name);
    for (const n of ['react-vite', 'nextjs', 'node-express', 'fastapi', 'worker', 'static']) {
      assert.ok(names.includes(n), `${n} is listed`);
    }
    assert.equal(res.body.items.find((p) => p.name === 'worker')?.web, false);
  });

  it('creates an app whose sandbox is seeded, supervised and previewed', async () => {
    assert.equal(express.preset, 'node-express');
    assert.equal(express.sandbox?.app_id, express.id);
    assert.equal(express.sandbox?.manifest.source, 'workspace', 'the preset wrote sandbox.yaml');
    const app = await readyApp(express.id);
    const web = app.sandbox!.processes.find((p) => p.name === 'web');
    assert.equal(web?.kind, 'web');
    assert.equal(web?.status, 'running');
    assert.equal(web?.health, 'ready');
    const manifest = await fetch(
      `${d.url}/v1/sandboxes/${app.sandbox!.id}/files?path=sandbox.yaml`,
      {
        headers: { authorization: `Bearer ${d.token}` },
      },
    );
    assert.match(await manifest.text(), /node --watch server\.js/);

    const { page } = await openPreview(d.url, app.sandbox!.preview.url!);
    assert.equal(page.status, 200);
    assert.match(page.body, /Hello from Express/);
  });

  it('refuses a private preview without a token, and with another sandbox’s', async () => {
    const app = await getApp(express.id);
    const url = app.sandbox!.preview.url!;
    const bare = new URL(url);
    bare.search = '';
    const refused = await previewGet(d.url, bare.toString());
    assert.equal(refused.status, 401);
    assert.doesNotMatch(refused.body, /Express/);

    const other = await d.api<App>('POST', '/v1/apps', { name: 'other', preset: 'static' });
    assert.equal(other.status, 201);
    const otherToken = new URL(other.body.sandbox!.preview.url!).searchParams.get('paddock_token');
    const forged = new URL(url);
    forged.searchParams.set('paddock_token', otherToken!);
    assert.equal((await previewGet(d.url, forged.toString())).status, 401);
    // A cookie of the other preview does not open this one either.
    const { cookie } = await openPreview(
      d.url,
      (await readyApp(other.body.id)).sandbox!.preview.url!,
    );
    assert.equal((await previewGet(d.url, bare.toString(), { cookie })).status, 401);
  });

  it('tunnels an authorized keep-alive connection to its own sandbox only, until rotation', async () => {
    const app = await readyApp(express.id);
    const { cookie } = await openPreview(d.url, app.sandbox!.preview.url!);
    const host = new URL(app.sandbox!.preview.url!).host;
    const other = (await d.api<{ items: App[] }>('GET', '/v1/apps')).body.items.find(
      (a) => a.preset === 'static',
    )!;
    const otherHost = new URL(other.sandbox!.preview.url!).host;
    const daemon = new URL(d.url);
    const socket = net.connect(Number(daemon.port), daemon.hostname);
    let received = '';
    socket.on('data', (b: Buffer) => (received += b.toString('latin1')));
    const closed = new Promise((r) => socket.once('close', r));
    const answer = async (n: number) =>
      waitFor(`answer ${n}`, async () =>
        received.split('HTTP/1.1 ').length - 1 >= n ? received : undefined,
      );
    socket.write(`GET / HTTP/1.1\r\nhost: ${host}\r\ncookie: ${cookie}\r\n\r\n`);
    await answer(1);
    assert.match(received, /^HTTP\/1\.1 200/);
    // More requests on the tunnel are each checked: the same preview with the cookie passes...
    socket.write(`GET /healthz HTTP/1.1\r\nhost: ${host}\r\ncookie: ${cookie}\r\n\r\n`);
    await answer(2);
    // ...another preview's host on this connection (a shared proxy connection, say) ends it,
    // rather than reaching either app.
    socket.write(`GET / HTTP/1.1\r\nhost: ${otherHost}\r\n\r\n`);
    await closed;
    assert.equal(received.split('HTTP/1.1 ').length - 1, 2, 'no third answer');
    assert.doesNotMatch(received, /<html[^]*<html[^]*<html/);

    // A tunnel is cut when the preview is rotated.
    const again = net.connect(Number(daemon.port), daemon.hostname);
    let got = '';
    again.on('data', (b: Buffer) => (got += b.toString('latin1')));
    const cut = new Promise((r) => again.once('close', r));
    again.write(`GET / HTTP/1.1\r\nhost: ${host}\r\ncookie: ${cookie}\r\n\r\n`);
    await waitFor('the first answer', async () => /Hello from Express/.test(got));
    await d.api('POST', `/v1/sandboxes/${app.sandbox!.id}/preview/rotate`);
    await cut;
  });

  it('keeps link redirects on the preview, public previews to the web port, one session', async () => {
    const app = await readyApp(express.id);
    const link = new URL(app.sandbox!.preview.url!);
    const res = await previewGet(d.url, link.toString(), {
      path: `/.//evil.example/x${link.search}`,
    });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/evil.example/x', 'a path on the preview, not a site');

    await d.api('PATCH', `/v1/apps/${express.id}`, { public: true });
    const other = new URL(app.sandbox!.preview.url!);
    other.host = other.host.replace(/^3000-/, '9229-');
    other.search = '';
    assert.equal((await previewGet(d.url, other.toString())).status, 401, 'only the web port');
    await d.api('PATCH', `/v1/apps/${express.id}`, { public: false });

    const signIn = await fetch(`${d.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: d.token }),
    });
    const session = (signIn.headers.get('set-cookie') ?? '').split(';', 1)[0]!;
    const twice = await fetch(`${d.url}/v1/apps`, {
      headers: { cookie: `paddock_session=planted; ${session}` },
    });
    assert.equal(twice.status, 401, 'two session cookies are refused, not guessed between');
  });

  it('lists processes, tails and streams logs, and restarts one', async () => {
    const sb = (await getApp(express.id)).sandbox!;
    const list = await d.api<{ items: Proc[] }>('GET', `/v1/sandboxes/${sb.id}/processes`);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((p) => [p.name, p.kind]),
      [['web', 'web']],
    );
    const logs = await d.api<{ output: string }>(
      'GET',
      `/v1/sandboxes/${sb.id}/processes/web/logs?tail=4096`,
    );
    assert.equal(logs.status, 200);
    assert.match(logs.body.output, /Listening on http:\/\/127\.0\.0\.1:3000/);

    const ctrl = new AbortController();
    const stream = await fetch(`${d.url}/v1/sandboxes/${sb.id}/processes/web/logs`, {
      headers: { authorization: `Bearer ${d.token}`, accept: 'text/event-stream' },
      signal: ctrl.signal,
    });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = stream.body!.getReader();
    let text = '';
    const restarted = d.api<Proc>('POST', `/v1/sandboxes/${sb.id}/processes/web/restart`);
    while (!/restart requested/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    ctrl.abort();
    assert.match(text, /event: output/);
    assert.match(text, /restart requested/, 'the stream delivers new output');
    const r = await restarted;
    assert.equal(r.status, 200);
    assert.ok(r.body.restarts >= 1);

    const missing = await d.api<Err>('GET', `/v1/sandboxes/${sb.id}/processes/nope/logs`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'process_not_found');
    const bad = await d.api<Err>('POST', `/v1/sandboxes/${sb.id}/processes/bad%20name/restart`);
    assert.equal(bad.status, 400);
  });

  it('reports an invalid sandbox.yaml with its line, and keeps the processes running', async () => {
    const before = await readyApp(express.id);
    const sb = before.sandbox!;
    const pid = sb.processes.find((p) => p.name === 'web')!.pid;
    const put = await fetch(`${d.url}/v1/sandboxes/${sb.id}/files?path=sandbox.yaml`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: 'version: 1\nweb:\n  command: node server.js\n  port: 99999\n',
    });
    assert.equal(put.status, 200);
    const app = await waitFor('the manifest error', async () => {
      const a = await getApp(express.id);
      return a.sandbox!.manifest.errors.length > 0 ? a : undefined;
    });
    assert.equal(app.sandbox!.manifest.errors[0]!.line, 4);
    assert.equal(app.sandbox!.manifest.errors[0]!.path, 'web.port');
    assert.equal(app.sandbox!.processes.find((p) => p.name === 'web')!.pid, pid, 'not replaced');
    const events = await d.api<{ items: Event[] }>('GET', `/v1/sandboxes/${sb.id}/events`);
    const invalid = events.body.items.find((e) => e.type === 'manifest.invalid');
    assert.ok(invalid, 'an event says so');
    assert.equal((invalid.payload.errors as { line: number }[])[0]!.line, 4);

    // Fixing it applies the new manifest.
    const fixed = await fetch(`${d.url}/v1/sandboxes/${sb.id}/files?path=sandbox.yaml`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: 'version: 1\nweb:\n  command: node server.js\n  port: 3000\n  health_path: /healthz\n',
    });
    assert.equal(fixed.status, 200);
    const healed = await waitFor('the fixed manifest', async () => {
      const a = await getApp(express.id);
      const web = a.sandbox!.processes.find((p) => p.name === 'web');
      return a.sandbox!.manifest.errors.length === 0 && web?.pid !== pid && web?.health === 'ready'
        ? a
        : undefined;
    });
    assert.equal(healed.sandbox!.preview.status, 'ready');
  });

  it('falls back to the preset defaults without sandbox.yaml, and never seeds twice', async () => {
    const sb = (await readyApp(express.id)).sandbox!;
    const del = await d.api('DELETE', `/v1/sandboxes/${sb.id}/files?path=sandbox.yaml`);
    assert.equal(del.status, 204);
    await waitFor('the preset defaults', async () => {
      const a = await getApp(express.id);
      return a.sandbox!.manifest.source === 'preset' ? a : undefined;
    });
    assert.equal((await d.api('POST', `/v1/sandboxes/${sb.id}/stop`)).status, 200);
    assert.equal((await d.api('POST', `/v1/apps/${express.id}/sandbox`)).status, 200);
    const again = await readyApp(express.id);
    assert.equal(again.sandbox!.manifest.source, 'preset', 'sandbox.yaml was not written again');
    const stat = await d.api<Err>('GET', `/v1/sandboxes/${sb.id}/files/stat?path=sandbox.yaml`);
    assert.equal(stat.status, 404);
  });

  it('shows a worker-only app with no preview and a running worker', async () => {
    const res = await d.api<App>('POST', '/v1/apps', { name: 'jobs', preset: 'worker' });
    assert.equal(res.status, 201);
    const sb = res.body.sandbox!;
    assert.equal(sb.preview.status, 'none');
    assert.equal(sb.preview.url, null);
    const worker = await waitFor('a running worker', async () => {
      const a = await getApp(res.body.id);
      return a.sandbox!.processes.find((p) => p.kind === 'worker' && p.status === 'running');
    });
    assert.ok(worker.pid);
  });

  it('wakes a stopped sandbox on a preview request: 503 with Retry-After, then the app', async () => {
    const app = await readyApp(express.id);
    const sb = app.sandbox!;
    const { cookie } = await openPreview(d.url, sb.preview.url!);
    const stopped = await d.api<Sandbox>('POST', `/v1/sandboxes/${sb.id}/stop`);
    assert.equal(stopped.status, 200);
    const bare = new URL(sb.preview.url!);
    bare.search = '';
    const waiting = await previewGet(d.url, bare.toString(), { cookie });
    assert.equal(waiting.status, 503);
    assert.equal(waiting.headers['retry-after'], '2');
    assert.match(waiting.body, /http-equiv="refresh"/);
    // The waker gets a cookie for the epoch the start sets (a restart invalidates old ones).
    const next = cookieFrom(waiting) ?? cookie;
    const served = await waitFor('the woken app', async () => {
      const r = await previewGet(d.url, bare.toString(), { cookie: next });
      return r.status === 200 ? r : undefined;
    });
    assert.match(served.body, /Hello from Express/);
    assert.equal(
      (await previewGet(d.url, bare.toString(), { cookie })).status,
      401,
      'the old cookie is dead',
    );
    assert.equal((await previewGet(d.url, sb.preview.url!)).status, 401, 'the old link is dead');
  });

  it('rotates preview links, and serves a public app without a token', async () => {
    const app = await readyApp(express.id);
    const url = app.sandbox!.preview.url!;
    const rotated = await d.api<Sandbox>('POST', `/v1/sandboxes/${app.sandbox!.id}/preview/rotate`);
    assert.equal(rotated.status, 200);
    assert.equal((await previewGet(d.url, url)).status, 401);
    assert.equal((await openPreview(d.url, rotated.body.preview.url!)).page.status, 200);

    const pub = await d.api<App>('PATCH', `/v1/apps/${express.id}`, { public: true });
    assert.equal(pub.status, 200);
    assert.equal(pub.body.sandbox!.preview.public, true);
    assert.equal(pub.body.sandbox!.preview.url!.includes('paddock_token'), false);
    const open = await previewGet(d.url, pub.body.sandbox!.preview.url!);
    assert.equal(open.status, 200);
    await d.api('PATCH', `/v1/apps/${express.id}`, { public: false });
    assert.equal((await previewGet(d.url, pub.body.sandbox!.preview.url!)).status, 401);
  });

  it('refuses bad input with stable codes, and hides other owners’ apps', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/apps', { name: 'x', preset: 'cobol' }, 400, 'preset_not_found'],
      ['POST', '/v1/apps', { name: '', preset: 'static' }, 400, 'bad_request'],
      ['POST', '/v1/apps', { name: 'x', preset: 'static', extra: 1 }, 400, 'unknown_field'],
      ['PATCH', `/v1/apps/${express.id}`, {}, 400, 'bad_request'],
      ['PATCH', `/v1/apps/${express.id}`, { public: 'yes' }, 400, 'bad_request'],
      ['GET', '/v1/apps/app01nope', undefined, 404, 'not_found'],
      ['DELETE', `/v1/apps/${express.id}?purge=maybe`, undefined, 400, 'bad_request'],
    ];
    for (const [method, p, body, status, code] of cases) {
      const res = await d.api<Err>(method, p, body);
      assert.equal(res.status, status, `${method} ${p}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, `${method} ${p}`);
    }
    const other = (
      await d.api<{ token: string }>('POST', '/v1/api-keys', { name: 'o', owner: 'olga' })
    ).body.token;
    assert.equal((await d.api('GET', `/v1/apps/${express.id}`, undefined, other)).status, 404);
    assert.equal((await d.api('DELETE', `/v1/apps/${express.id}`, undefined, other)).status, 404);
    const list = await d.api<{ items: App[] }>('GET', '/v1/apps', undefined, other);
    assert.deepEqual(list.body.items, []);
  });

  it('deletes an app keeping its workspace, or with purge=true removing it', async () => {
    const kept = await d.api<App>('POST', '/v1/apps', { name: 'keep', preset: 'static' });
    const sbId = kept.body.sandbox!.id;
    assert.equal((await d.api('DELETE', `/v1/apps/${kept.body.id}`)).status, 204);
    assert.equal((await d.api('GET', `/v1/apps/${kept.body.id}`)).status, 404);
    const sb = await d.api<Sandbox>('GET', `/v1/sandboxes/${sbId}`);
    assert.equal(sb.status, 200, 'the sandbox and its workspace are kept');
    assert.equal(sb.body.status, 'stopped');

    const gone = await d.api<App>('POST', '/v1/apps', { name: 'gone', preset: 'static' });
    const goneSb = gone.body.sandbox!.id;
    assert.equal((await d.api('DELETE', `/v1/apps/${gone.body.id}?purge=true`)).status, 204);
    assert.equal((await d.api('GET', `/v1/sandboxes/${goneSb}`)).status, 404);
  });
});

describe('console sessions', () => {
  const d = suiteDaemon();

  it('exchanges a token for an HttpOnly cookie; cookie writes need the CSRF header', async () => {
    const bad = await d.api<Err>('POST', '/v1/session', { token: 'nope' }, '');
    assert.equal(bad.status, 401);
    const res = await fetch(`${d.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: d.token }),
    });
    assert.equal(res.status, 200);
    const set = res.headers.get('set-cookie') ?? '';
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Strict/);
    assert.ok(!set.includes(d.token), 'the cookie is not the token');
    const cookie = set.split(';', 1)[0]!;
    const who = (await (await fetch(`${d.url}/v1/session`, { headers: { cookie } })).json()) as {
      expires_at: string;
    };
    assert.deepEqual(
      { ...who, expires_at: typeof who.expires_at },
      {
        owner: 'admin',
        admin: true,
        role: 'admin',
        expires_at: 'string',
      },
    );

    const noCsrf = await fetch(`${d.url}/v1/api-keys`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'k' }),
    });
    assert.equal(noCsrf.status, 403);
    const withCsrf = await fetch(`${d.url}/v1/api-keys`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-paddock-csrf': '1' },
      body: JSON.stringify({ name: 'k' }),
    });
    assert.equal(withCsrf.status, 201);

    const out = await fetch(`${d.url}/v1/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-paddock-csrf': '1' },
    });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
  });

  it('ends a session when its API key is revoked', async () => {
    const key = await d.api<{ key: { id: string }; token: string }>('POST', '/v1/api-keys', {
      name: 'u',
      owner: 'uma',
    });
    const res = await fetch(`${d.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: key.body.token }),
    });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';', 1)[0]!;
    assert.equal((await fetch(`${d.url}/v1/apps`, { headers: { cookie } })).status, 200);
    assert.equal((await d.api('DELETE', `/v1/api-keys/${key.body.key.id}`)).status, 204);
    assert.equal((await fetch(`${d.url}/v1/apps`, { headers: { cookie } })).status, 401);
  });

  it('serves the console at /', async () => {
    const res = await fetch(`${d.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /<div id="root">|<script/);
  });
});

describe('preview traffic is activity', () => {
  const d = suiteDaemon();

  it('keeps a sandbox awake while its preview is used, and lets it stop when not', async () => {
    const created = await d.api<App>('POST', '/v1/apps', { name: 'site', preset: 'static' });
    assert.equal(created.status, 201);
    const sb = created.body.sandbox!;
    const { cookie } = await openPreview(d.url, sb.preview.url!);
    const bare = new URL(sb.preview.url!);
    bare.search = '';
    // The app is created before its web process listens: wait for the page first.
    await waitFor(
      'the preview to serve',
      async () => (await previewGet(d.url, bare.toString(), { cookie })).status === 200,
    );
    assert.equal((await d.api('PATCH', '/v1/settings', { idle_stop_seconds: 3 })).status, 200);
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      assert.equal((await previewGet(d.url, bare.toString(), { cookie })).status, 200);
      await new Promise((r) => setTimeout(r, 500));
    }
    const awake = await d.api<Sandbox>('GET', `/v1/sandboxes/${sb.id}`);
    assert.equal(awake.body.status, 'running', 'preview requests kept it awake past 3 s');
    await waitFor(
      'the idle stop',
      async () => (await d.api<Sandbox>('GET', `/v1/sandboxes/${sb.id}`)).body.status === 'stopped',
      30_000,
    );
  });
});

describe('previews on a configured domain', () => {
  // Behind a wildcard DNS record and a TLS proxy; the test sends the proxy's Host header to
  // the daemon on loopback, so no name is ever resolved.
  const d = suiteDaemon({ env: { PADDOCK_PREVIEW_URL: 'https://preview.example.test' } });

  it('links to the configured domain and routes its hosts only', async () => {
    const res = await d.api<App>('POST', '/v1/apps', { name: 'site', preset: 'static' });
    assert.equal(res.status, 201);
    const url = res.body.sandbox!.preview.url!;
    assert.match(url, /^https:\/\/8080-sb[0-9a-z]{26}\.preview\.example\.test\/\?paddock_token=/);
    const first = await previewGet(d.url, url);
    assert.equal(first.status, 302);
    assert.match(first.headers['set-cookie']?.[0] ?? '', /; Secure; Partitioned/);
    const cookie = cookieFrom(first)!;
    const page = await waitFor('the static page', async () => {
      const r = await previewGet(d.url, url, { cookie, path: '/' });
      return r.status === 200 ? r : undefined;
    });
    assert.match(page.body, /<html/i);

    const local = new URL(url);
    local.hostname = local.hostname.replace('preview.example.test', 'preview.localhost');
    const other = await previewGet(d.url, local.toString(), { cookie, path: '/' });
    // Not a preview host here: the request is the API's and the console's (which serves `/`).
    assert.notEqual(other.body, page.body, 'the default preview domain does not reach the app');
    assert.equal(other.headers['x-paddock-preview'], undefined);
  });
});
