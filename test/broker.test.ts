/**
 * The capability broker through the real daemon, as web app windows (app sessions signed with
 * the daemon's key, as the launch route issues them): capabilities against ceiling, grant and
 * the admin's forbidden list; each app's data apart from every other's; quotas, rate limits,
 * params; tables, files; and data through updates, the trash, purge and rollback.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileCharge } from '@paddock/app-data';
import type { AppDataUsage, NotificationPage, UserspaceApp } from '@paddock/shared';
import { suiteDaemon } from './harness.js';
import { brokerCall, TestWindows, type BrokerAnswer } from './brokerClient.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('the broker, for web app windows', () => {
  const d = suiteDaemon();
  const windows = new TestWindows(d);
  const a = generateAppKey();
  const b = generateAppKey();
  const sessions = new Map<string, string>();
  const install = async (key: typeof a, version: number, extra: object = {}) => {
    const res = await upload(
      d.url,
      d.token,
      (
        await makePackage({
          key,
          version,
          permissions: ['app.kv', 'app.table', 'app.files'],
          optional_permissions: ['app.notify'],
          ...extra,
        })
      ).bytes,
    );
    assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
    sessions.set(key.appId, await windows.open(key.appId, version));
    return res.body.app;
  };
  const as = (key: typeof a) => (method: string, params?: unknown) =>
    brokerCall(d.url, { token: d.token, session: sessions.get(key.appId)! }, method, params);
  const ok = (res: BrokerAnswer) => {
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.result as Record<string, unknown>;
  };
  const code = (res: BrokerAnswer) => res.body.error?.code;
  const A = as(a);
  const B = as(b);

  before(async () => {
    await install(a, 1);
    await install(b, 1);
  });

  it('sets and gets a key as the window of an installed app', async () => {
    ok(await A('app.kv.set', { key: 'greeting', value: { text: 'hello' } }));
    assert.deepEqual(ok(await A('app.kv.get', { key: 'greeting' })), {
      found: true,
      value: { text: 'hello' },
    });
    assert.deepEqual(ok(await A('app.kv.get', { key: 'nothing' })), { found: false, value: null });
  });

  it('takes the app session the launch route issues', async () => {
    const launch = await d.api<{ app_session: string }>(
      'POST',
      `/v1/userspace-apps/${a.appId}/launch`,
    );
    assert.equal(launch.status, 200, JSON.stringify(launch.body));
    const res = await brokerCall(
      d.url,
      { token: d.token, session: launch.body.app_session },
      'app.kv.get',
      { key: 'greeting' },
    );
    assert.deepEqual(ok(res), { found: true, value: { text: 'hello' } });
  });

  it('refuses calls without an app session, with a forged or borrowed one, or as nobody', async () => {
    const none = await brokerCall(d.url, { token: d.token }, 'app.kv.get', { key: 'greeting' });
    assert.equal(none.status, 403);
    assert.equal(code(none), 'forbidden');
    const forged = await brokerCall(
      d.url,
      { token: d.token, session: `${sessions.get(a.appId)!.slice(0, -4)}AAAA` },
      'app.kv.get',
      { key: 'greeting' },
    );
    assert.equal(forged.status, 401);
    const other = await d.api<{ token: string }>('POST', '/v1/api-keys', { name: 'someone' });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    const borrowed = await brokerCall(
      d.url,
      { token: other.body.token, session: sessions.get(a.appId)! },
      'app.kv.get',
      { key: 'greeting' },
    );
    assert.equal(borrowed.status, 401, 'bound to the credential it was opened with');
    const nobody = await brokerCall(d.url, { session: sessions.get(a.appId)! }, 'app.kv.get', {
      key: 'greeting',
    });
    assert.equal(nobody.status, 401);
    const stale = await brokerCall(
      d.url,
      { token: d.token, session: await windows.open(a.appId, 7) },
      'app.kv.get',
      { key: 'greeting' },
    );
    assert.equal(stale.status, 409, 'a session for a version not in use');
  });

  it('keeps app A and app B apart: kv, tables and files', async () => {
    ok(await B('app.kv.set', { key: 'greeting', value: 'from b' }));
    assert.deepEqual(ok(await A('app.kv.get', { key: 'greeting' })).value, { text: 'hello' });
    assert.deepEqual(ok(await B('app.kv.get', { key: 'greeting' })).value, 'from b');
    const listed = ok(await B('app.kv.list', {})) as { items: { key: string }[] };
    assert.deepEqual(
      listed.items.map((i) => i.key),
      ['greeting'],
    );
    ok(await B('app.kv.delete', { key: 'greeting' }));
    assert.equal(ok(await A('app.kv.get', { key: 'greeting' })).found, true);

    const { id } = ok(await A('app.table.insert', { table: 'notes', doc: { t: 'a' } })) as {
      id: string;
    };
    assert.equal(ok(await B('app.table.get', { table: 'notes', id })).found, false);
    assert.deepEqual(ok(await B('app.table.update', { table: 'notes', id, doc: { t: 'b' } })), {
      updated: false,
    });
    assert.deepEqual(ok(await B('app.table.delete', { table: 'notes', id })), { deleted: false });
    assert.deepEqual(ok(await B('app.table.query', { table: 'notes' })).items, []);
    assert.deepEqual(ok(await A('app.table.get', { table: 'notes', id })).doc, { t: 'a' });

    ok(await A('app.files.write', { path: 'secret.txt', content_base64: b64('mine') }));
    const read = await B('app.files.read', { path: 'secret.txt' });
    assert.equal(read.status, 404);
    assert.equal(code(read), 'file_not_found');
    assert.deepEqual(ok(await B('app.files.list', {})).items, []);
    ok(await B('app.files.write', { path: 'secret.txt', content_base64: b64('theirs') }));
    assert.deepEqual(ok(await B('app.files.delete', { path: 'secret.txt' })), { deleted: true });
    const mine = ok(await A('app.files.read', { path: 'secret.txt' }));
    assert.equal(Buffer.from(mine.content_base64 as string, 'base64').toString(), 'mine');
  });

  it('refuses a capability outside grant and ceiling, until the user grants it; revoke applies at once', async () => {
    const refused = await A('app.notify', { title: 'Hello' });
    assert.equal(refused.status, 403);
    assert.equal(code(refused), 'capability_required');
    assert.deepEqual(refused.body.error?.details, {
      capability: 'app.notify',
      method: 'app.notify',
      grantable: true,
    });
    const grant = await d.api('POST', `/v1/userspace-apps/${a.appId}/permissions`, {
      grant: ['app.notify'],
    });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    const sent = ok(await A('app.notify', { title: 'Hello', body: 'from A' }));
    assert.match(sent.id as string, /^ntf/);
    const list = await d.api<NotificationPage>('GET', '/v1/notifications');
    assert.equal(list.status, 200);
    assert.equal(list.body.items[0]?.title, 'Hello');
    assert.equal(list.body.items[0]?.app_id, a.appId);
    assert.equal(list.body.items[0]?.read, false);
    const read = await d.api<{ read: boolean }>(
      'POST',
      `/v1/notifications/${sent.id as string}/read`,
    );
    assert.equal(read.body.read, true);
    const revoke = await d.api('POST', `/v1/userspace-apps/${a.appId}/revoke`, {
      permissions: ['app.notify'],
    });
    assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
    assert.equal(code(await A('app.notify', { title: 'Again' })), 'capability_required');
    const audit = await d.api<{ items: { action: string; outcome: string; details: object }[] }>(
      'GET',
      '/v1/audit?action=broker.call',
    );
    const entries = audit.body.items.filter((e) => e.action === 'broker.call');
    assert.ok(
      entries.some((e) => e.outcome === 'denied'),
      'refusals are audited',
    );
    assert.ok(
      entries.every((e) => !JSON.stringify(e.details).includes('from A')),
      'never values',
    );
  });

  it('dispatches app.agent and app.llm only when held; an agent task only in the person’s build apps', async () => {
    const llm = await B('app.llm.complete', { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(code(llm), 'capability_required');
    assert.deepEqual(llm.body.error?.details, {
      capability: 'app.llm',
      method: 'app.llm.complete',
      grantable: false,
    });
    const agent = await B('app.agent.start', { app_id: `app${'0'.repeat(26)}`, prompt: 'x' });
    assert.equal(code(agent), 'capability_required');
    const c = generateAppKey();
    await install(c, 1, { optional_permissions: ['app.agent'] });
    const grant = await d.api('POST', `/v1/userspace-apps/${c.appId}/permissions`, {
      grant: ['app.agent'],
    });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    const C = as(c);
    const missing = await C('app.agent.start', { app_id: `app${'0'.repeat(26)}`, prompt: 'x' });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    const other = await C('app.agent.read', { task_id: 'task0000' });
    assert.equal(other.status, 404, 'only the tasks this app started');
  });

  it('seed 001 gap: storage is refused for a tier whose ceiling lacks it', async () => {
    const set = await d.api('PATCH', '/v1/settings', {
      userspace_forbidden_capabilities: { 'user-uploaded': ['app.kv'] },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    try {
      const res = await A('app.kv.get', { key: 'greeting' });
      assert.equal(res.status, 403);
      assert.equal(code(res), 'capability_required');
      assert.deepEqual(res.body.error?.details, {
        capability: 'app.kv',
        method: 'app.kv.get',
        grantable: false,
      });
      assert.equal(code(await A('app.kv.set', { key: 'x', value: 1 })), 'capability_required');
    } finally {
      await d.api('PATCH', '/v1/settings', { userspace_forbidden_capabilities: {} });
    }
    assert.equal((await A('app.kv.get', { key: 'greeting' })).status, 200);
  });

  it('answers bad params with 400 bad_request, never a 500', async () => {
    for (const [method, params] of [
      ['app.kv.get', {}],
      ['app.kv.get', { key: 7 }],
      ['app.kv.set', { key: 'k', value: 1, extra: true }],
      ['app.table.query', { table: 'no spaces' }],
      ['app.table.query', { table: 't', where: [{ field: "a') or 1=1 --", op: 'eq', value: 1 }] }],
      ['app.table.query', { table: 't', where: [{ field: 'a', op: 'lt', value: { x: 1 } }] }],
      ['app.table.query', { table: 't', cursor: 'not-a-cursor' }],
      ['app.kv.list', { cursor: '!!!' }],
      ['app.files.write', { path: 'x', content_base64: 'not base64!' }],
      ['app.files.write', { path: 'x', content_base64: b64('x'), mime: 'nonsense' }],
    ] as const) {
      const res = await A(method, params);
      assert.equal(
        res.status,
        400,
        `${method} ${JSON.stringify(params)}: ${JSON.stringify(res.body)}`,
      );
      assert.equal(code(res), 'bad_request');
    }
    const unknown = await A('app.kv.explode', {});
    assert.equal(unknown.status, 400);
  });

  it('queries tables with filters, ordering and pages; update merges', async () => {
    const docs = [
      { name: 'ann', age: 31, tags: ['x', 'y'], city: 'Oslo' },
      { name: 'bob', age: 25, tags: ['y'], city: 'Rome' },
      { name: 'cid', age: 40, tags: [], city: 'Oslo' },
      { name: 'dee', age: 25, tags: ['x'] },
    ];
    const ids: string[] = [];
    for (const doc of docs)
      ids.push(ok(await A('app.table.insert', { table: 'people', doc })).id as string);
    const names = async (q: object) =>
      (
        ok(await A('app.table.query', { table: 'people', ...q })) as {
          items: { doc: { name: string } }[];
        }
      ).items.map((i) => i.doc.name);
    assert.deepEqual(await names({ where: [{ field: 'city', op: 'eq', value: 'Oslo' }] }), [
      'ann',
      'cid',
    ]);
    assert.deepEqual(await names({ where: [{ field: 'city', op: 'ne', value: 'Oslo' }] }), [
      'bob',
      'dee',
    ]);
    assert.deepEqual(await names({ where: [{ field: 'age', op: 'gte', value: 31 }] }), [
      'ann',
      'cid',
    ]);
    assert.deepEqual(await names({ where: [{ field: 'age', op: 'lt', value: 31 }] }), [
      'bob',
      'dee',
    ]);
    assert.deepEqual(
      await names({ where: [{ field: 'name', op: 'in', value: ['bob', 'dee', 'zed'] }] }),
      ['bob', 'dee'],
    );
    assert.deepEqual(await names({ where: [{ field: 'tags', op: 'contains', value: 'x' }] }), [
      'ann',
      'dee',
    ]);
    assert.deepEqual(await names({ where: [{ field: 'name', op: 'contains', value: 'e' }] }), [
      'dee',
    ]);
    assert.deepEqual(
      await names({
        where: [
          { field: 'age', op: 'eq', value: 25 },
          { field: 'tags', op: 'contains', value: 'y' },
        ],
      }),
      ['bob'],
    );
    assert.deepEqual(await names({ order_by: { field: 'age', direction: 'desc' } }), [
      'cid',
      'ann',
      'dee',
      'bob',
    ]);
    // Pages: keyset unordered, offset ordered; every doc once.
    for (const order of [undefined, { field: 'name', direction: 'desc' }]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = ok(
          await A('app.table.query', {
            table: 'people',
            limit: 3,
            ...(order ? { order_by: order } : {}),
            ...(cursor ? { cursor } : {}),
          }),
        ) as { items: { doc: { name: string } }[]; next_cursor: string | null };
        seen.push(...page.items.map((i) => i.doc.name));
        cursor = page.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, order ? ['dee', 'cid', 'bob', 'ann'] : ['ann', 'bob', 'cid', 'dee']);
    }
    ok(
      await A('app.table.update', {
        table: 'people',
        id: ids[0],
        doc: { city: null, age: 32, pet: { kind: 'cat' } },
      }),
    );
    assert.deepEqual(ok(await A('app.table.get', { table: 'people', id: ids[0] })).doc, {
      name: 'ann',
      age: 32,
      tags: ['x', 'y'],
      pet: { kind: 'cat' },
    });
    assert.deepEqual(ok(await A('app.table.delete', { table: 'people', id: ids[1] })), {
      deleted: true,
    });
    assert.deepEqual(await names({ where: [{ field: 'pet.kind', op: 'eq', value: 'cat' }] }), [
      'ann',
    ]);
  });

  it('lists kv keys by prefix, a page at a time', async () => {
    for (const k of ['p/1', 'p/2', 'p/3', 'P/4', 'q/1'])
      ok(await A('app.kv.set', { key: k, value: k }));
    const first = ok(await A('app.kv.list', { prefix: 'p/', limit: 2 })) as {
      items: { key: string }[];
      next_cursor: string;
    };
    assert.deepEqual(
      first.items.map((i) => i.key),
      ['p/1', 'p/2'],
    );
    const second = ok(
      await A('app.kv.list', { prefix: 'p/', limit: 2, cursor: first.next_cursor }),
    ) as {
      items: { key: string }[];
      next_cursor: string | null;
    };
    assert.deepEqual(
      second.items.map((i) => i.key),
      ['p/3'],
      'a prefix is case-sensitive',
    );
    assert.equal(second.next_cursor, null);
  });

  it('writes, reads, lists and deletes files with MIME types, confined to the app', async () => {
    const w = ok(
      await A('app.files.write', { path: 'docs/readme.md', content_base64: b64('# hi') }),
    );
    assert.equal(w.mime, 'text/markdown; charset=utf-8');
    assert.equal(w.size, 4);
    ok(
      await A('app.files.write', {
        path: 'docs/blob',
        content_base64: b64('x'),
        mime: 'image/png',
      }),
    );
    ok(await A('app.files.write', { path: 'raw.bin', content_base64: b64('y') }));
    const read = ok(await A('app.files.read', { path: 'docs/blob' }));
    assert.equal(read.mime, 'image/png');
    const list = ok(await A('app.files.list', { prefix: 'docs/' })) as {
      items: { path: string; mime: string }[];
    };
    assert.deepEqual(
      list.items.map((i) => [i.path, i.mime]),
      [
        ['docs/blob', 'image/png'],
        ['docs/readme.md', 'text/markdown; charset=utf-8'],
      ],
    );
    assert.equal(
      ok(await A('app.files.read', { path: 'raw.bin' })).mime,
      'application/octet-stream',
    );
    const root = path.join(d.dataDir, 'userspace', 'data', a.appId, 'files');
    assert.equal(fs.readFileSync(path.join(root, 'docs', 'readme.md'), 'utf8'), '# hi');
    for (const p of ['../x', '/etc/passwd', 'a/../../x', 'a/./b', 'a\u0000b', 'a//b', '']) {
      const res = await A('app.files.write', { path: p, content_base64: b64('evil') });
      assert.equal(res.status, 400, `${JSON.stringify(p)}: ${JSON.stringify(res.body)}`);
      const r = await A('app.files.read', { path: p });
      assert.equal(r.status, 400, JSON.stringify(p));
    }
    const nested = await A('app.files.write', { path: 'raw.bin/inside', content_base64: b64('z') });
    assert.equal(nested.status, 400, JSON.stringify(nested.body));
    assert.equal(ok(await A('app.files.read', { path: 'raw.bin' })).size, 1, 'the file is intact');
    // A symlink planted in the filestore is never followed.
    fs.symlinkSync('/etc', path.join(root, 'link'));
    const through = await A('app.files.write', {
      path: 'link/passwd',
      content_base64: b64('evil'),
    });
    assert.equal(through.status, 400, JSON.stringify(through.body));
    fs.rmSync(path.join(root, 'link'));
    assert.deepEqual(ok(await A('app.files.delete', { path: 'docs/blob' })), { deleted: true });
    assert.deepEqual(ok(await A('app.files.delete', { path: 'docs/blob' })), { deleted: false });
    assert.equal(code(await A('app.files.read', { path: 'docs/blob' })), 'file_not_found');
  });

  it('answers quota_exceeded past the quota, and the data before it is intact', async () => {
    const usage = await d.api<AppDataUsage>('GET', `/v1/userspace-apps/${b.appId}/usage`);
    assert.equal(usage.status, 200, JSON.stringify(usage.body));
    assert.equal(usage.body.quota_bytes, 100 * 1024 * 1024);
    ok(await B('app.kv.set', { key: 'keep', value: 'x'.repeat(1000) }));
    ok(await B('app.files.write', { path: 'keep.txt', content_base64: b64('k'.repeat(1000)) }));
    const set = await d.api('PATCH', '/v1/settings', { userspace_data_quota_bytes: 4096 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    try {
      const big = 'y'.repeat(3500);
      for (const res of [
        await B('app.kv.set', { key: 'keep', value: big }),
        await B('app.kv.set', { key: 'new', value: big }),
        await B('app.table.insert', { table: 't', doc: { big } }),
        await B('app.files.write', { path: 'keep.txt', content_base64: b64(big) }),
      ]) {
        assert.equal(res.status, 413, JSON.stringify(res.body));
        assert.equal(code(res), 'quota_exceeded');
        const details = res.body.error?.details as {
          quota_bytes: number;
          used_bytes: number;
          needed_bytes: number;
        };
        assert.equal(details.quota_bytes, 4096);
        assert.ok(details.used_bytes > 2000 && details.needed_bytes > 0, JSON.stringify(details));
      }
      assert.equal(ok(await B('app.kv.get', { key: 'keep' })).value, 'x'.repeat(1000));
      assert.equal(ok(await B('app.kv.get', { key: 'new' })).found, false);
      const file = ok(await B('app.files.read', { path: 'keep.txt' }));
      assert.equal(
        Buffer.from(file.content_base64 as string, 'base64').toString(),
        'k'.repeat(1000),
      );
      assert.deepEqual(ok(await B('app.table.query', { table: 't' })).items, []);
      ok(await B('app.kv.set', { key: 'keep', value: 'smaller' }));
      const after = await d.api<AppDataUsage>('GET', `/v1/userspace-apps/${b.appId}/usage`);
      // A file counts its bytes, its name and its index row.
      const charged = fileCharge('keep.txt', 1000);
      assert.equal(after.body.files_bytes, charged);
      assert.equal(after.body.used_bytes, after.body.kv_bytes + after.body.table_bytes + charged);
    } finally {
      await d.api('PATCH', '/v1/settings', { userspace_data_quota_bytes: 100 * 1024 * 1024 });
    }
  });

  it('answers rate_limited past the calls per minute', async () => {
    await d.api('PATCH', '/v1/settings', { userspace_broker_calls_per_minute: 5 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) codes.push((await B('app.kv.get', { key: 'keep' })).status);
      assert.ok(codes.includes(200), codes.join());
      const limited = await B('app.kv.get', { key: 'keep' });
      assert.equal(limited.status, 429);
      assert.equal(code(limited), 'rate_limited');
      assert.equal((await A('app.kv.get', { key: 'greeting' })).status, 200, 'per app');
    } finally {
      await d.api('PATCH', '/v1/settings', { userspace_broker_calls_per_minute: 1200 });
    }
  });

  it('keeps the data through an update and the trash; rollback with restore_data brings it back', async () => {
    ok(await A('app.kv.set', { key: 'v', value: 'one' }));
    ok(await A('app.files.write', { path: 'state.txt', content_base64: b64('one') }));
    await install(a, 2);
    assert.equal(ok(await A('app.kv.get', { key: 'v' })).value, 'one', 'through the update');
    ok(await A('app.kv.set', { key: 'v', value: 'two' }));
    ok(await A('app.kv.set', { key: 'added', value: true }));
    ok(await A('app.files.write', { path: 'state.txt', content_base64: b64('two') }));
    ok(await A('app.files.write', { path: 'new.txt', content_base64: b64('new') }));

    assert.equal((await d.api('DELETE', `/v1/userspace-apps/${a.appId}`)).status, 204);
    const trashed = await A('app.kv.get', { key: 'v' });
    assert.equal(trashed.status, 404, 'a trashed app makes no calls');
    const restored = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${a.appId}/restore`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(ok(await A('app.kv.get', { key: 'v' })).value, 'two', 'through the trash');

    const back = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${a.appId}/rollback`, {
      restore_data: true,
    });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.version, 1);
    sessions.set(a.appId, await windows.open(a.appId, 1));
    assert.equal(ok(await A('app.kv.get', { key: 'v' })).value, 'one');
    assert.equal(ok(await A('app.kv.get', { key: 'added' })).found, false);
    const file = ok(await A('app.files.read', { path: 'state.txt' }));
    assert.equal(Buffer.from(file.content_base64 as string, 'base64').toString(), 'one');
    assert.equal(code(await A('app.files.read', { path: 'new.txt' })), 'file_not_found');
    const names = (ok(await A('app.files.list', {})) as { items: { path: string }[] }).items.map(
      (i) => i.path,
    );
    assert.ok(!names.includes('new.txt') && names.includes('state.txt'), names.join());
  });

  it('rolls back with restore_data while version 2’s windows write: the data is exactly the copy, and version 2 is refused', async () => {
    const c = generateAppKey();
    await install(c, 1);
    const C = as(c);
    /** Everything the app holds: its keys and values, its files and their bytes. */
    const contents = async () => {
      const kv = ok(await C('app.kv.list', { limit: 1000 })).items;
      const listed = ok(await C('app.files.list', { limit: 1000 })) as {
        items: { path: string }[];
      };
      const files: Record<string, string> = {};
      for (const { path: p } of listed.items) {
        const read = ok(await C('app.files.read', { path: p }));
        files[p] = Buffer.from(read.content_base64 as string, 'base64').toString();
      }
      return { kv, files };
    };
    ok(await C('app.kv.set', { key: 'base', value: 'one' }));
    ok(await C('app.files.write', { path: 'base.txt', content_base64: b64('one') }));
    const copied = await contents();
    await install(c, 2);
    const v2 = sessions.get(c.appId)!;
    ok(await C('app.kv.set', { key: 'base', value: 'two' }));

    // Windows of version 2 write, keys and files, until they are refused; the rollback is
    // asked once they are under way.
    const WRITERS = 8;
    let wrote = 0;
    let underWay!: () => void;
    const started = new Promise<void>((resolve) => (underWay = resolve));
    const writer = async (n: number): Promise<BrokerAnswer> => {
      for (let i = 0; ; i++) {
        const res =
          i % 2 === 0
            ? await C('app.kv.set', { key: `w${n}-${i}`, value: i })
            : await C('app.files.write', { path: `w${n}.txt`, content_base64: b64(`${i}`) });
        if (res.status !== 200 || ++wrote === WRITERS) underWay();
        if (res.status !== 200) return res;
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, n) => writer(n));
    await started;
    const back = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${c.appId}/rollback`, {
      restore_data: true,
    });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.version, 1);
    for (const refused of await Promise.all(writers)) {
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(code(refused), 'app_version_changed');
    }
    assert.ok(wrote >= WRITERS, 'version 2 wrote before the rollback');

    const stale = await brokerCall(d.url, { token: d.token, session: v2 }, 'app.kv.get', {
      key: 'base',
    });
    assert.equal(stale.status, 409);
    assert.equal(code(stale), 'app_version_changed', 'a window of version 2, after it');
    sessions.set(c.appId, await windows.open(c.appId, 1));
    assert.deepEqual(await contents(), copied, 'no write of version 2 survives the restore');
  });

  it('purge removes the data for good', async () => {
    assert.equal((await d.api('DELETE', `/v1/userspace-apps/${a.appId}`)).status, 204);
    const plan = await d.api<{ error: { details: { rows_bytes: number; paths: string[] } } }>(
      'DELETE',
      `/v1/userspace-apps/${a.appId}?purge=true`,
    );
    assert.ok(plan.body.error.details.rows_bytes > 0, JSON.stringify(plan.body));
    const gone = await d.api('DELETE', `/v1/userspace-apps/${a.appId}?purge=true&confirm=true`);
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    assert.ok(!fs.existsSync(path.join(d.dataDir, 'userspace', 'data', a.appId)));
    await install(a, 1);
    assert.equal(ok(await A('app.kv.get', { key: 'v' })).found, false, 'a reinstall starts empty');
    assert.deepEqual(ok(await A('app.files.list', {})).items, []);
    assert.deepEqual(ok(await A('app.table.query', { table: 'people' })).items, []);
  });
});
