// Per-owner quotas, against a real daemon and real sandboxes: overrides and default settings
// refuse past a limit with what was asked, used and allowed; stopping frees room; concurrent
// creates never overshoot; the admin API answers only admins.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Paddock } from '@paddock/sdk';
import { runCli } from './cliRunner.js';
import { suiteDaemon } from './harness.js';

interface Err {
  error: { code: string; message: string; details?: unknown };
}
interface Sandbox {
  id: string;
  status: string;
}
interface QuotaState {
  limit: number;
  source: 'default' | 'override';
  used: number;
}
interface OwnerQuotas {
  owner: string;
  quotas: Record<string, QuotaState>;
}

const SMALL = { limits: { memory_mb: 128, disk_mb: 64, cpus: 1 } };

describe('owner quotas', () => {
  const d = suiteDaemon();
  const keyFor = async (owner: string) =>
    (await d.api<{ token: string }>('POST', '/v1/api-keys', { name: owner, owner })).body.token;
  const create = (token: string) => d.api<Sandbox & Err>('POST', '/v1/sandboxes', SMALL, token);
  const quotasOf = async (owner: string) =>
    (await d.api<OwnerQuotas>('GET', `/v1/owners/${owner}/quotas`)).body;

  it('the admin API: defaults for an unknown owner, admins only, bad bodies refused', async () => {
    const fresh = await d.api<OwnerQuotas>('GET', '/v1/owners/nobody-yet/quotas');
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    assert.equal(fresh.body.owner, 'nobody-yet');
    assert.deepEqual(fresh.body.quotas.sandboxes_running, { limit: 0, source: 'default', used: 0 });
    assert.deepEqual(fresh.body.quotas.snapshot_storage_mb, {
      limit: 10240,
      source: 'default',
      used: 0,
    });
    assert.deepEqual(fresh.body.quotas.filestore_mb?.source, 'default');

    const user = await keyFor('ulla');
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { memory_mb: 1 }],
      ['DELETE', undefined],
    ] as const) {
      const res = await d.api<Err>(method, '/v1/owners/ulla/quotas', body, user);
      assert.equal(res.status, 403, `${method} as a user`);
      assert.equal(res.body.error.code, 'forbidden');
    }
    assert.equal((await d.api<Err>('GET', '/v1/owners', undefined, user)).status, 403);

    for (const [body, code] of [
      [{ memory_mb: -1 }, 'bad_request'],
      [{ memory_mb: 'lots' }, 'bad_request'],
      [{}, 'bad_request'],
      [{ gpus: 1 }, 'unknown_field'],
    ] as const) {
      const res = await d.api<Err>('PATCH', '/v1/owners/ulla/quotas', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, code, JSON.stringify(res.body));
    }
    const badOwner = await d.api<Err>('GET', '/v1/owners/Not%20An%20Owner/quotas');
    assert.equal(badOwner.status, 400);
  });

  it('an override refuses the next running sandbox; stopping one frees room', async () => {
    const token = await keyFor('quinn');
    const set = await d.api<OwnerQuotas>('PATCH', '/v1/owners/quinn/quotas', {
      sandboxes_running: 2,
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.quotas.sandboxes_running, { limit: 2, source: 'override', used: 0 });

    const a = await create(token);
    const b = await create(token);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(b.status, 201, JSON.stringify(b.body));
    const third = await create(token);
    assert.equal(third.status, 400, JSON.stringify(third.body));
    assert.equal(third.body.error.code, 'limit_exceeded');
    assert.equal(
      third.body.error.message,
      'running sandboxes: asked 1, 2 of 2 in use by this owner (quota sandboxes_running)',
    );
    assert.deepEqual(third.body.error.details, {
      quota: 'sandboxes_running',
      requested: 1,
      used: 2,
      limit: 2,
    });
    // Another owner is not affected by quinn's override.
    assert.equal((await create(await keyFor('olga'))).status, 201);

    const stop = await d.api('POST', `/v1/sandboxes/${a.body.id}/stop`, {}, token);
    assert.equal(stop.status, 200);
    const c = await create(token);
    assert.equal(c.status, 201, 'a stopped sandbox frees its room');
    const restart = await d.api<Err>('POST', `/v1/sandboxes/${a.body.id}/start`, {}, token);
    assert.equal(restart.status, 400, 'a start counts like a create');
    assert.equal(restart.body.error.code, 'limit_exceeded');

    // Memory reserved: 2 × 128 MiB run; 300 MiB leaves no room for another 128.
    await d.api('PATCH', '/v1/owners/quinn/quotas', { sandboxes_running: null, memory_mb: 300 });
    const view = await quotasOf('quinn');
    assert.deepEqual(view.quotas.sandboxes_running, { limit: 0, source: 'default', used: 2 });
    assert.deepEqual(view.quotas.memory_mb, { limit: 300, source: 'override', used: 256 });
    assert.equal(view.quotas.disk_mb?.used, 3 * 64, 'disk counts the stopped sandbox too');
    const big = await create(token);
    assert.equal(big.status, 400);
    assert.equal(
      big.body.error.message,
      'memory: asked 128 MiB, 256 of 300 MiB in use by this owner (quota memory_mb)',
    );
    assert.deepEqual(big.body.error.details, {
      quota: 'memory_mb',
      requested: 128,
      used: 256,
      limit: 300,
    });

    const listed = await d.api<{ items: OwnerQuotas[] }>('GET', '/v1/owners');
    assert.equal(listed.status, 200);
    const quinn = listed.body.items.find((o) => o.owner === 'quinn');
    assert.equal(quinn?.quotas.memory_mb?.used, 256);

    const cleared = await d.api<OwnerQuotas>('DELETE', '/v1/owners/quinn/quotas');
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.quotas.memory_mb?.source, 'default');
    assert.equal((await d.api('POST', `/v1/sandboxes/${a.body.id}/start`, {}, token)).status, 200);
  });

  it('defaults come from the settings', async () => {
    const token = await keyFor('rita');
    const patched = await d.api('PATCH', '/v1/settings', { quota_sandboxes_running: 1 });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    try {
      assert.equal((await create(token)).status, 201);
      const second = await create(token);
      assert.equal(second.status, 400);
      assert.deepEqual(second.body.error.details, {
        quota: 'sandboxes_running',
        requested: 1,
        used: 1,
        limit: 1,
      });
      const view = await quotasOf('rita');
      assert.deepEqual(view.quotas.sandboxes_running, { limit: 1, source: 'default', used: 1 });
    } finally {
      await d.api('PATCH', '/v1/settings', { quota_sandboxes_running: 0 });
    }
  });

  it('the SDK reads, sets and clears overrides', async () => {
    const { instance } = new Paddock({ url: d.url, token: d.token });
    const set = await instance.setOwnerQuotas('sid', { cpus: 1.5, disk_mb: 512 });
    assert.deepEqual(set.quotas.cpus, { limit: 1.5, source: 'override', used: 0 });
    assert.equal((await instance.ownerQuotas('sid')).quotas.disk_mb.limit, 512);
    assert.ok((await instance.owners()).some((o) => o.owner === 'sid'));
    const cleared = await instance.clearOwnerQuotas('sid');
    assert.equal(cleared.quotas.cpus.source, 'default');
  });

  it('the CLI sets, shows and clears overrides', async () => {
    const env = { HOME: d.dataDir, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token };
    const set = await runCli(['quota', 'set', 'cli-owner', 'memory_mb=2048', 'cpus=2'], env);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /cli-owner\s+memory_mb\s+2048\s+override\s+0/);
    const got = await runCli(['quota', 'get', 'cli-owner', '--json'], env);
    assert.equal(got.code, 0, got.stderr);
    const view = JSON.parse(got.stdout) as OwnerQuotas;
    assert.deepEqual(view.quotas.cpus, { limit: 2, source: 'override', used: 0 });
    const back = await runCli(['quota', 'set', 'cli-owner', 'cpus=default'], env);
    assert.match(back.stdout, /cli-owner\s+cpus\s+none\s+default/);
    const bad = await runCli(['quota', 'set', 'cli-owner', 'gpus=1'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown_field/);
    assert.equal((await runCli(['quota', 'clear', 'cli-owner'], env)).code, 0);
  });

  it('concurrent creates do not overshoot', async () => {
    const token = await keyFor('cora');
    await d.api('PATCH', '/v1/owners/cora/quotas', { sandboxes_running: 2 });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => create(token)));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(
      statuses,
      [201, 201, 400, 400, 400],
      JSON.stringify(results.map((r) => r.body)),
    );
    for (const r of results.filter((x) => x.status === 400)) {
      assert.equal(r.body.error.code, 'limit_exceeded');
    }
    assert.equal((await quotasOf('cora')).quotas.sandboxes_running?.used, 2);
  });
});
