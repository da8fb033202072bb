import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

interface Session {
  owner: string;
  admin: boolean;
  expires_at: string | null;
}

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Console sessions: their expiry, and "sign out everywhere" (a per-owner epoch). */
describe('console sessions: expiry and sign out everywhere', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  const token = `test-admin-${'s'.repeat(24)}`;

  before(async () => {
    d = await startDaemon({ dataDir, token });
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  /** A cookie sign-in: the session cookie and the answer. */
  const signIn = async (with_: string): Promise<{ cookie: string; body: Session }> => {
    const res = await fetch(`${d.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: with_ }),
    });
    assert.equal(res.status, 200);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(cookie, /^paddock_session=./);
    return { cookie, body: (await res.json()) as Session };
  };
  const withCookie = (method: string, p: string, cookie: string, csrf = true) =>
    fetch(`${d.url}${p}`, {
      method,
      headers: { cookie, ...(csrf && method !== 'GET' ? { 'x-paddock-csrf': '1' } : {}) },
    });
  const status = async (cookie: string, p = '/v1/session') =>
    (await withCookie('GET', p, cookie)).status;

  it('tells a session when it ends; a bearer call has no session', async () => {
    const before_ = Date.now();
    const { cookie, body } = await signIn(d.token);
    assert.equal(body.owner, 'admin');
    assert.equal(body.admin, true);
    const ends = Date.parse(body.expires_at ?? '');
    assert.ok(ends > before_ && ends <= Date.now() + SESSION_TTL_MS + 1000, body.expires_at!);
    const got = (await (await withCookie('GET', '/v1/session', cookie)).json()) as Session;
    assert.equal(got.expires_at, body.expires_at);
    const bearer = await d.api<Session>('GET', '/v1/session');
    assert.equal(bearer.status, 200);
    assert.equal(bearer.body.expires_at, null);
  });

  it('ends every other session of the owner, keeps the one that asked, and no other owner’s', async () => {
    const a = await signIn(d.token);
    const b = await signIn(d.token);
    const alice = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'alice',
      owner: 'alice',
      role: 'user',
    });
    assert.equal(alice.status, 201);
    const c = await signIn(alice.body.token);
    for (const s of [a, b, c]) assert.equal(await status(s.cookie), 200);

    // A cookie write needs the CSRF header, this one too.
    assert.equal((await withCookie('POST', '/v1/session/revoke-all', a.cookie, false)).status, 403);
    assert.equal(await status(b.cookie), 200, 'a refused call revoked nothing');

    const revoked = await withCookie('POST', '/v1/session/revoke-all', a.cookie);
    assert.equal(revoked.status, 200);
    const answer = (await revoked.json()) as Session;
    assert.equal(answer.owner, 'admin');
    assert.ok(answer.expires_at !== null);
    const renewed = (revoked.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(renewed, /^paddock_session=./);
    assert.notEqual(renewed, a.cookie);

    // The other session is signed out at its next request, on any route.
    assert.equal(await status(b.cookie), 401);
    assert.equal(await status(b.cookie, '/v1/apps'), 401);
    const body = (await (await withCookie('GET', '/v1/apps', b.cookie)).json()) as {
      error: { code: string };
    };
    assert.equal(body.error.code, 'unauthorized');
    // So is the asking session's old cookie; its new one works.
    assert.equal(await status(a.cookie), 401);
    assert.equal(await status(renewed), 200);
    assert.equal(await status(renewed, '/v1/apps'), 200);
    // Another owner's session is not touched; tokens keep working.
    assert.equal(await status(c.cookie), 200);
    assert.equal((await d.api('GET', '/v1/apps')).status, 200);
    // A new sign-in gets a good session.
    assert.equal(await status((await signIn(d.token)).cookie), 200);

    // Alice signs out everywhere with her token: no session to renew.
    const byToken = await d.api<Session>(
      'POST',
      '/v1/session/revoke-all',
      undefined,
      alice.body.token,
    );
    assert.equal(byToken.status, 200);
    assert.deepEqual(byToken.body, {
      owner: 'alice',
      admin: false,
      role: 'user',
      expires_at: null,
    });
    assert.equal(byToken.headers.get('set-cookie'), null);
    assert.equal(await status(c.cookie), 401);
    assert.equal(await status(renewed), 200, "the admin's session is not alice's");

    const audit = await d.api<{ items: { action: string; actor: { owner: string } }[] }>(
      'GET',
      '/v1/audit?action=auth.sessions_revoked',
    );
    assert.deepEqual(
      audit.body.items.map((e) => e.actor.owner),
      ['alice', 'admin'],
    );

    // The epoch is stored: after a restart, the ended sessions stay ended.
    await d.stop();
    d = await startDaemon({ dataDir, token });
    assert.equal(await status(b.cookie), 401);
    assert.equal(await status(c.cookie), 401);
    assert.equal(await status(renewed), 200);
  });

  it('is refused without credentials', async () => {
    assert.equal((await d.api('POST', '/v1/session/revoke-all', undefined, '')).status, 401);
  });
});
