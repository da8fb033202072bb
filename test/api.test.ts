import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { destroyEverything, startDaemon, type TestDaemon } from './harness.js';

interface Err {
  error: { code: string; message: string };
}
interface Sandbox {
  id: string;
  status: string;
  limits: Record<string, number>;
  env_keys: string[];
  metadata: Record<string, string>;
}

describe('daemon API: auth, owners, validation', () => {
  let d: TestDaemon;
  let userA: string;
  let userB: string;
  let sandboxA: Sandbox;

  before(async () => {
    d = await startDaemon();
    const a = await d.api<{ token: string; key: { owner: string } }>('POST', '/v1/api-keys', {
      name: 'a',
      owner: 'alice',
    });
    const b = await d.api<{ token: string }>('POST', '/v1/api-keys', { name: 'b', owner: 'bob' });
    assert.equal(a.status, 201);
    userA = a.body.token;
    userB = b.body.token;
    const created = await d.api<Sandbox>(
      'POST',
      '/v1/sandboxes',
      { metadata: { team: 'red' } },
      userA,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    sandboxA = created.body;
  });

  after(async () => {
    await d.stop();
    await destroyEverything(d.dataDir);
  });

  it('answers probes without a token and /v1 and /metrics only with one', async () => {
    assert.equal((await d.api('GET', '/healthz', undefined, '')).status, 200);
    assert.equal((await d.api('GET', '/readyz', undefined, '')).status, 200);
    assert.equal((await d.api('GET', '/metrics', undefined, '')).status, 401);
    const metrics = await d.api<string>('GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /paddock_sandboxes\{status="running"\} 1/);
    const anon = await d.api<Err>('GET', '/v1/sandboxes', undefined, '');
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error.code, 'unauthorized');
    const wrong = await d.api<Err>('GET', '/v1/sandboxes', undefined, 'pdk_not-a-real-token');
    assert.equal(wrong.status, 401);
  });

  it('creates, lists and revokes API keys; tokens are shown once and stored hashed', async () => {
    const created = await d.api<{ token: string; key: { id: string; prefix: string } }>(
      'POST',
      '/v1/api-keys',
      { name: 'temp' },
      userA,
    );
    assert.equal(created.status, 201);
    const list = await d.api<{ items: { id: string; owner: string }[] }>(
      'GET',
      '/v1/api-keys',
      undefined,
      userA,
    );
    assert.ok(list.body.items.every((k) => k.owner === 'alice'));
    assert.ok(list.body.items.some((k) => k.id === created.body.key.id));
    assert.ok(!JSON.stringify(list.body).includes(created.body.token));
    assert.equal((await d.api('GET', '/v1/sandboxes', undefined, created.body.token)).status, 200);
    assert.equal(
      (await d.api('DELETE', `/v1/api-keys/${created.body.key.id}`, undefined, userA)).status,
      204,
    );
    assert.equal((await d.api('GET', '/v1/sandboxes', undefined, created.body.token)).status, 401);
    const adminList = await d.api<{ items: { owner: string }[] }>('GET', '/v1/api-keys');
    assert.ok(adminList.body.items.some((k) => k.owner === 'bob'));
  });

  it('lets only admins mint keys for other owners or admin keys', async () => {
    const other = await d.api<Err>('POST', '/v1/api-keys', { name: 'x', owner: 'bob' }, userA);
    assert.equal(other.status, 403);
    assert.equal(other.body.error.code, 'forbidden');
    const admin = await d.api<Err>('POST', '/v1/api-keys', { name: 'x', role: 'admin' }, userA);
    assert.equal(admin.status, 403);
  });

  it('gives an agent key its owner’s reach, never an admin’s nor a user key', async () => {
    const agent = await d.api<{ token: string; key: { id: string; role: string } }>(
      'POST',
      '/v1/api-keys',
      { name: 'an agent', role: 'agent' },
      userA,
    );
    assert.equal(agent.status, 201);
    assert.equal(agent.body.key.role, 'agent');
    const token = agent.body.token;
    const own = await d.api<Sandbox>('GET', `/v1/sandboxes/${sandboxA.id}`, undefined, token);
    assert.equal(own.status, 200, 'the owner’s sandboxes');
    const other = await d.api<Err>('GET', `/v1/sandboxes/${sandboxA.id}`, undefined, userB);
    assert.equal(other.status, 404);
    for (const role of ['user', 'admin']) {
      const minted = await d.api<Err>('POST', '/v1/api-keys', { name: 'x', role }, token);
      assert.equal(minted.status, 403, `an agent minting a ${role} key`);
    }
    const unspecified = await d.api<Err>('POST', '/v1/api-keys', { name: 'x' }, token);
    assert.equal(unspecified.status, 403, 'a key without a role is a user key');
    const again = await d.api<{ key: { role: string } }>(
      'POST',
      '/v1/api-keys',
      { name: 'sub-agent', role: 'agent' },
      token,
    );
    assert.equal(again.status, 201);
    const patch = await d.api<Err>('PATCH', '/v1/settings', { idle_stop_seconds: 60 }, token);
    assert.equal(patch.status, 403, 'admin settings');
    // The console's session keeps the agent identity (its cookie names the agent key).
    const signIn = await fetch(`${d.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    assert.equal(signIn.status, 200);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const who = await fetch(`${d.url}/v1/session`, { headers: { cookie } });
    assert.equal(who.status, 200);
    const session = (await who.json()) as { owner: string; admin: boolean; expires_at: string };
    assert.deepEqual(
      { owner: session.owner, admin: session.admin },
      { owner: 'alice', admin: false },
    );
    assert.ok(Date.parse(session.expires_at) > Date.now(), 'the cookie session says when it ends');
  });

  it("answers 404 for another owner's sandbox on every route", async () => {
    const id = sandboxA.id;
    const probes: [string, string, unknown?][] = [
      ['GET', `/v1/sandboxes/${id}`],
      ['POST', `/v1/sandboxes/${id}/exec`, { command: 'true' }],
      ['POST', `/v1/sandboxes/${id}/stop`, {}],
      ['POST', `/v1/sandboxes/${id}/start`, {}],
      ['GET', `/v1/sandboxes/${id}/events`],
      ['GET', `/v1/sandboxes/${id}/files?path=a.txt`],
      ['GET', `/v1/sandboxes/${id}/files/list?path=.`],
      ['GET', `/v1/sandboxes/${id}/commands`],
      ['DELETE', `/v1/sandboxes/${id}`],
    ];
    for (const [method, p, body] of probes) {
      const res = await d.api<Err>(method, p, body, userB);
      assert.equal(res.status, 404, `${method} ${p} as another owner`);
      assert.equal(res.body.error.code, 'not_found');
    }
    const listB = await d.api<{ items: Sandbox[] }>('GET', '/v1/sandboxes', undefined, userB);
    assert.deepEqual(listB.body.items, []);
    const still = await d.api<Sandbox>('GET', `/v1/sandboxes/${id}`, undefined, userA);
    assert.equal(still.body.status, 'running');
  });

  it('filters and pages sandboxes', async () => {
    const second = await d.api<Sandbox>(
      'POST',
      '/v1/sandboxes',
      { metadata: { team: 'blue' } },
      userA,
    );
    assert.equal(second.status, 201);
    const red = await d.api<{ items: Sandbox[] }>(
      'GET',
      '/v1/sandboxes?metadata.team=red',
      undefined,
      userA,
    );
    assert.deepEqual(
      red.body.items.map((s) => s.id),
      [sandboxA.id],
    );
    const page1 = await d.api<{ items: Sandbox[]; next_cursor: string }>(
      'GET',
      '/v1/sandboxes?limit=1',
      undefined,
      userA,
    );
    assert.equal(page1.body.items[0]?.id, second.body.id, 'newest first');
    assert.ok(page1.body.next_cursor);
    const page2 = await d.api<{ items: Sandbox[]; next_cursor: string | null }>(
      'GET',
      `/v1/sandboxes?limit=1&cursor=${page1.body.next_cursor}`,
      undefined,
      userA,
    );
    assert.equal(page2.body.items[0]?.id, sandboxA.id);
    const running = await d.api<{ items: Sandbox[] }>(
      'GET',
      '/v1/sandboxes?status=stopped',
      undefined,
      userA,
    );
    assert.deepEqual(running.body.items, []);
    assert.equal(
      (await d.api('DELETE', `/v1/sandboxes/${second.body.id}`, undefined, userA)).status,
      204,
    );
  });

  it('refuses bad input with stable 4xx codes and never a 500', async () => {
    const id = sandboxA.id;
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/sandboxes', { limitz: {} }, 400, 'unknown_field'],
      ['POST', '/v1/sandboxes', { limits: { memory_mb: 'lots' } }, 400, 'bad_request'],
      ['POST', '/v1/sandboxes', { limits: { memory_mb: 10 } }, 400, 'bad_request'],
      ['POST', '/v1/sandboxes', { limits: { memory_mb: 999999 } }, 400, 'limit_exceeded'],
      ['POST', '/v1/sandboxes', { env: { GITHUB_TOKEN: 'x' } }, 400, 'env_name_looks_secret'],
      ['POST', '/v1/sandboxes', { env: { 'BAD NAME': 'x' } }, 400, 'bad_request'],
      ['POST', '/v1/sandboxes', '{"limits":', 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/exec`, {}, 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/exec`, { command: 'true', argv: ['true'] }, 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/exec`, { command: 'true', shell: true }, 400, 'unknown_field'],
      ['POST', `/v1/sandboxes/${id}/exec`, { command: 'true', timeout_ms: -1 }, 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/stop`, { grace_ms: 'soon' }, 400, 'bad_request'],
      ['GET', `/v1/sandboxes/${id}/events?limit=0`, undefined, 400, 'bad_request'],
      ['GET', `/v1/sandboxes/${id}/events?before=nope`, undefined, 400, 'bad_request'],
      ['GET', `/v1/sandboxes?bogus=1`, undefined, 400, 'unknown_field'],
      ['GET', `/v1/sandboxes/${id}/files`, undefined, 400, 'bad_request'],
      ['GET', `/v1/sandboxes/${id}/files/list?depth=99`, undefined, 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/files/mkdir`, { path: '' }, 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/commands/p1/signal`, { signal: 'SIGNOPE' }, 400, 'bad_request'],
      ['GET', '/v1/sandboxes/sb-does-not-exist', undefined, 404, 'not_found'],
      ['GET', '/v1/nothing-here', undefined, 404, 'route_not_found'],
      ['POST', '/v1/api-keys', { name: '' }, 400, 'bad_request'],
      ['POST', '/v1/api-keys', { name: 'x', owner: 'Not Valid!' }, 400, 'bad_request'],
      ['DELETE', '/v1/api-keys/key_nope', undefined, 404, 'not_found'],
      ['GET', '/v1/api-keys?all=1', undefined, 400, 'unknown_field'],
      ['GET', '/v1/sandboxes?cursor=zzz', undefined, 400, 'bad_request'],
      ['GET', '/v1/sandboxes/%/files', undefined, 400, 'bad_request'],
      ['GET', `/v1/sandboxes/${'x'.repeat(300)}`, undefined, 414, 'uri_too_long'],
      ['POST', '/v1/sandboxes', { metadata: { k: 1 } }, 400, 'bad_request'],
      ['POST', '/v1/sandboxes', { env: { A: 'x\u0000y' } }, 400, 'bad_request'],
      ['POST', '/v1/sandboxes', { limits: { pids: 8 } }, 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/exec`, { command: 'true', stdin: 123 }, 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/exec`, { argv: 'rm' }, 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/exec`, { argv: [] }, 400, 'bad_request'],
      ['POST', `/v1/sandboxes/${id}/exec`, { command: 'true', cwd: '../..' }, 400, 'invalid_path'],
      [
        'POST',
        `/v1/sandboxes/${id}/exec`,
        { command: 'true', env: { 'A-B': '1' } },
        400,
        'bad_request',
      ],
      ['POST', `/v1/sandboxes/${id}/start?force=1`, undefined, 400, 'unknown_field'],
      ['DELETE', `/v1/sandboxes/${id}?purge=1`, undefined, 400, 'unknown_field'],
      ['PUT', `/v1/sandboxes/${id}/files?path=a.txt&mode=999`, undefined, 400, 'bad_request'],
      ['PUT', `/v1/sandboxes/${id}/files`, undefined, 400, 'bad_request'],
      ['DELETE', `/v1/sandboxes/${id}/files`, undefined, 400, 'bad_request'],
      ['DELETE', `/v1/sandboxes/${id}/files?path=.`, undefined, 400, 'invalid_path'],
      ['GET', `/v1/sandboxes/${id}/files/stat`, undefined, 400, 'bad_request'],
      ['GET', `/v1/sandboxes/${id}/files/stat?path=../x`, undefined, 400, 'invalid_path'],
      ['POST', `/v1/sandboxes/${id}/files/move`, { from: 'a' }, 400, 'bad_request'],
      [
        'POST',
        `/v1/sandboxes/${id}/files/move`,
        { from: 'a', to: 'b', force: true },
        400,
        'unknown_field',
      ],
      [
        'POST',
        `/v1/sandboxes/${id}/files/mkdir`,
        { path: 'x', parents: 'yes' },
        400,
        'bad_request',
      ],
      ['GET', `/v1/sandboxes/${id}/commands/p999`, undefined, 404, 'process_not_found'],
      ['GET', `/v1/sandboxes/${id}/commands/bad%20id`, undefined, 400, 'bad_request'],
      ['GET', `/v1/sandboxes/${id}/commands/p1/output?tail=0`, undefined, 400, 'bad_request'],
      ['DELETE', `/v1/sandboxes/${id}/commands/p999`, undefined, 404, 'process_not_found'],
      [
        'POST',
        `/v1/sandboxes/${id}/commands/p999/signal`,
        { signal: 'SIGTERM' },
        404,
        'process_not_found',
      ],
    ];
    for (const [method, p, body, status, code] of cases) {
      const res = await d.api<Err>(method, p, body);
      // The admin token owns none of alice's sandboxes, so sandbox routes use alice's token.
      const scoped = p.includes(id) ? await d.api<Err>(method, p, body, userA) : res;
      assert.equal(
        scoped.status,
        status,
        `${method} ${p} ${JSON.stringify(body)} → ${JSON.stringify(scoped.body)}`,
      );
      assert.equal(scoped.body.error.code, code, `${method} ${p}`);
      assert.ok(scoped.body.error.message.length > 0);
    }
  });

  it('takes a bodyless POST as an empty object', async () => {
    const headers = { authorization: `Bearer ${userA}` };
    const created = await fetch(`${d.url}/v1/sandboxes`, { method: 'POST', headers });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as Sandbox;
    const stop = await fetch(`${d.url}/v1/sandboxes/${id}/stop`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
    });
    assert.equal(stop.status, 200);
    assert.equal(((await stop.json()) as Sandbox).status, 'stopped');
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${id}`, undefined, userA)).status, 204);
    const poisoned = await d.api<Err>('POST', '/v1/sandboxes', '{"__proto__":{"x":1}}', userA);
    assert.equal(poisoned.status, 400);
  });

  it('validates a sandbox.yaml without a sandbox', async () => {
    const ok = await d.api<{
      valid: boolean;
      manifest: { web: { port: number; health_path: string } };
    }>(
      'POST',
      '/v1/runtime/manifest/validate',
      { content: 'version: 1\nweb:\n  command: npm start\n  port: 3000\n' },
      userA,
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.body.valid, true);
    assert.deepEqual(ok.body.manifest.web, {
      command: 'npm start',
      port: 3000,
      health_path: '/',
      restart_after_task: false,
    });
    const bad = await d.api<{
      valid: boolean;
      errors: { line: number; path: string; message: string }[];
    }>(
      'POST',
      '/v1/runtime/manifest/validate',
      { content: 'version: 1\nweb:\n  command: npm start\n  port: 99999\n' },
      userA,
    );
    assert.equal(bad.status, 200);
    assert.equal(bad.body.valid, false);
    assert.deepEqual(
      bad.body.errors.map((e) => [e.line, e.path]),
      [[4, 'web.port']],
    );
    const noContent = await d.api<Err>('POST', '/v1/runtime/manifest/validate', {}, userA);
    assert.equal(noContent.status, 400);
    const anon = await d.api<Err>('POST', '/v1/runtime/manifest/validate', { content: '' }, '');
    assert.equal(anon.status, 401);
  });

  it('shows host details in /v1/system to admins only', async () => {
    const admin = await d.api<{ driver: { details: Record<string, unknown> } }>(
      'GET',
      '/v1/system',
    );
    assert.equal(admin.status, 200);
    assert.ok(Object.keys(admin.body.driver.details).length > 0);
    const user = await d.api<{
      driver: { cgroup: string; details: Record<string, unknown> };
      owner: string;
    }>('GET', '/v1/system', undefined, userA);
    assert.equal(user.body.owner, 'alice');
    assert.deepEqual(user.body.driver.details, {});
    assert.ok(!JSON.stringify(user.body).includes(d.dataDir));
  });

  it('refuses an oversize JSON body with 413', async () => {
    // A raw request: the daemon answers from the content-length alone and may close the
    // connection before the whole body is sent, which fetch reports as a network error.
    const url = new URL(`${d.url}/v1/sandboxes/${sandboxA.id}/exec`);
    const payload = Buffer.from(JSON.stringify({ command: 'x'.repeat(11 * 1024 * 1024) }));
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${userA}`,
            'content-type': 'application/json',
            'content-length': payload.length,
          },
        },
        (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c.toString()));
          // 'close', not 'end': the connection may be cut once the answer is out.
          r.on('close', () => resolve({ status: r.statusCode ?? 0, body }));
          r.on('error', () => undefined);
        },
      );
      req.on('error', (err) => {
        // Writing the rest of the body may fail after the answer came; only no answer is a failure.
        setTimeout(() => reject(err), 5_000).unref();
      });
      req.end(payload);
    });
    assert.equal(res.status, 413);
    assert.equal((JSON.parse(res.body) as Err).error.code, 'payload_too_large');
  });

  it('records events newest first with a cursor, without command text', async () => {
    const exec = await d.api<{ exit_code: number }>(
      'POST',
      `/v1/sandboxes/${sandboxA.id}/exec`,
      { command: 'echo very-private-output' },
      userA,
    );
    assert.equal(exec.status, 200);
    const page = await d.api<{ items: { id: string; type: string }[]; next_cursor: string | null }>(
      'GET',
      `/v1/sandboxes/${sandboxA.id}/events?limit=1`,
      undefined,
      userA,
    );
    assert.equal(page.body.items[0]?.type, 'sandbox.exec');
    assert.ok(page.body.next_cursor);
    const older = await d.api<{ items: { id: string; type: string }[] }>(
      'GET',
      `/v1/sandboxes/${sandboxA.id}/events?before=${page.body.next_cursor}`,
      undefined,
      userA,
    );
    assert.ok(older.body.items.length >= 1);
    assert.ok(older.body.items.every((e) => e.id < page.body.items[0]!.id));
    assert.equal(older.body.items.at(-1)?.type, 'sandbox.created');
    const all = JSON.stringify([page.body, older.body]);
    assert.ok(!all.includes('very-private-output'));
    assert.ok(
      !d.output().includes('very-private-output'),
      'command text and output stay out of the log',
    );
    assert.ok(!d.output().includes(userA), 'tokens stay out of the log');
    assert.ok(!d.output().includes(d.token), 'the admin token stays out of the log');
  });
});
