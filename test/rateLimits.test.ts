// Rate limits, against a real daemon: per credential and per source address on the API (two
// keys, two addresses independent), sign-in at its own lower limit and after failures, and the
// preview proxy's per-sandbox bucket (a real static app). Loopback only: other source addresses
// are other 127.0.0.0/8 addresses bound on this host.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { suiteDaemon } from './harness.js';
import { openPreview, previewGet, waitFor } from './previewClient.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

/** One API request from a chosen loopback source address. */
function send(
  daemonUrl: string,
  o: { method?: string; path: string; body?: unknown; token?: string; from?: string },
): Promise<Answer> {
  const url = new URL(daemonUrl);
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: o.path,
        method: o.method ?? 'GET',
        agent: false,
        localAddress: o.from ?? '127.0.0.1',
        headers: {
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? (JSON.parse(text) as Answer['body']) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function assertLimited(res: Answer, what: string): void {
  assert.equal(res.status, 429, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error?.code, 'rate_limited', what);
  assert.match(String(res.headers['retry-after']), /^[1-9][0-9]*$/, `${what}: Retry-After`);
}

describe('rate limits', () => {
  const d = suiteDaemon();
  const settings = (patch: Record<string, number>) => d.api('PATCH', '/v1/settings', patch);

  it('limits each credential on its own, and leaves the admin token and health probes alone', async () => {
    const keyOf = async (owner: string) =>
      (await d.api<{ token: string }>('POST', '/v1/api-keys', { name: owner, owner })).body.token;
    const alice = await keyOf('alice');
    const bob = await keyOf('bob');
    assert.equal((await settings({ rate_limit_token_per_minute: 3 })).status, 200);
    try {
      for (let i = 0; i < 3; i++) {
        const ok = await send(d.url, { path: '/v1/sandboxes', token: alice });
        assert.equal(ok.status, 200, `alice's request ${i + 1}`);
      }
      const refused = await send(d.url, { path: '/v1/sandboxes', token: alice });
      assertLimited(refused, "alice's fourth request");
      assert.match(refused.body.error!.message, /this credential: 3 a minute/);
      assert.equal(
        (await send(d.url, { path: '/v1/sandboxes', token: bob })).status,
        200,
        "bob's key has its own bucket",
      );
      for (let i = 0; i < 5; i++) {
        assert.equal((await d.api('GET', '/v1/sandboxes')).status, 200, 'the admin token');
      }
      assert.equal((await send(d.url, { path: '/readyz' })).status, 200);
      assert.equal((await send(d.url, { path: '/healthz' })).status, 200);
    } finally {
      await settings({ rate_limit_token_per_minute: 6000 });
    }
    assert.equal((await send(d.url, { path: '/v1/sandboxes', token: alice })).status, 200);
  });

  it('limits requests without a credential per source address', async () => {
    await settings({ rate_limit_address_per_minute: 2 });
    try {
      const get = (from: string) => send(d.url, { path: '/v1/sandboxes', from });
      assert.equal((await get('127.0.0.2')).status, 401);
      assert.equal((await get('127.0.0.2')).status, 401);
      const refused = await get('127.0.0.2');
      assertLimited(refused, 'the third anonymous request from 127.0.0.2');
      assert.match(refused.body.error!.message, /requests from this address/);
      assert.equal((await get('127.0.0.3')).status, 401, 'another address has its own bucket');
      const withKey = await send(d.url, {
        path: '/v1/sandboxes',
        token: d.token,
        from: '127.0.0.2',
      });
      assert.equal(
        withKey.status,
        200,
        'a credential is limited by its own bucket, not the address',
      );
      assert.equal((await send(d.url, { path: '/healthz', from: '127.0.0.2' })).status, 200);
    } finally {
      await settings({ rate_limit_address_per_minute: 600 });
    }
  });

  it('limits sign-in harder, and refuses an address that failed too often', async () => {
    const signIn = (from: string, token: string) =>
      send(d.url, { method: 'POST', path: '/v1/session', body: { token }, from });
    await settings({ rate_limit_sign_in_per_minute: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        assert.equal((await signIn('127.0.0.4', d.token)).status, 200, `sign-in ${i + 1}`);
      }
      const refused = await signIn('127.0.0.4', d.token);
      assertLimited(refused, 'the fourth sign-in in a minute');
      assert.match(refused.body.error!.message, /sign-in attempts from this address/);
      // The API's own limit for this address is untouched by sign-in's.
      assert.equal(
        (await send(d.url, { path: '/v1/openapi.json', from: '127.0.0.4' })).status,
        200,
      );

      await settings({
        rate_limit_sign_in_per_minute: 100,
        rate_limit_sign_in_failures_per_hour: 2,
      });
      assert.equal((await signIn('127.0.0.5', 'wrong-1')).status, 401);
      assert.equal((await signIn('127.0.0.5', 'wrong-2')).status, 401);
      const locked = await signIn('127.0.0.5', d.token);
      assertLimited(locked, 'a right token after two failures');
      assert.match(locked.body.error!.message, /failed sign-ins from this address/);
      assert.equal((await signIn('127.0.0.6', d.token)).status, 200, 'another address signs in');
    } finally {
      await settings({
        rate_limit_sign_in_per_minute: 10,
        rate_limit_sign_in_failures_per_hour: 30,
      });
    }
  });

  it("the preview proxy limits each sandbox's previews; other previews are unaffected", async () => {
    interface App {
      id: string;
      sandbox: { id: string; preview: { url: string | null } } | null;
    }
    const make = async (name: string) => {
      const res = await d.api<App>('POST', '/v1/apps', { name, preset: 'static' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const url = await waitFor(`${name}'s preview`, async () => {
        const app = await d.api<App>('GET', `/v1/apps/${res.body.id}`);
        return app.body.sandbox?.preview.url ?? null;
      });
      const opened = await waitFor(`${name} serving`, async () => {
        const o = await openPreview(d.url, url);
        return o.page.status === 200 ? o : null;
      });
      const bare = new URL(url);
      bare.search = '';
      return { url: bare.toString(), cookie: opened.cookie };
    };
    const first = await make('limited');
    const second = await make('spared');
    await settings({ rate_limit_preview_sandbox_per_minute: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        const ok = await previewGet(d.url, first.url, { cookie: first.cookie });
        assert.equal(ok.status, 200, `preview request ${i + 1}`);
      }
      const refused = await previewGet(d.url, first.url, { cookie: first.cookie });
      assert.equal(refused.status, 429);
      assert.match(String(refused.headers['retry-after']), /^[1-9][0-9]*$/);
      const other = await previewGet(d.url, second.url, { cookie: second.cookie });
      assert.equal(other.status, 200, "another sandbox's preview has its own bucket");
    } finally {
      await settings({ rate_limit_preview_sandbox_per_minute: 30_000 });
    }
  });
});
