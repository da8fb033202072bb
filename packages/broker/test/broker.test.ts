import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import {
  Broker,
  RateLimiter,
  type BrokerCaller,
  type BrokerHandlers,
  type Standing,
} from '../src/index.js';

const caller = (appId = 'app1'): BrokerCaller => ({
  appId,
  version: 1,
  via: 'service',
  actor: { owner: 'o', keyId: 'sandbox:sb1' },
});

/** Handlers that record what they were called with. */
function recording() {
  const calls: [string, string, unknown][] = [];
  const rec =
    (name: string, result: unknown) =>
    (c: BrokerCaller, p: unknown): Promise<never> => {
      calls.push([name, c.appId, p]);
      return Promise.resolve(result as never);
    };
  const handlers: BrokerHandlers = {
    kv: {
      get: rec('kv.get', { found: false, value: null }),
      set: rec('kv.set', {}),
      delete: rec('kv.delete', { deleted: true }),
      list: rec('kv.list', { items: [], next_cursor: null }),
    },
    table: {
      insert: rec('table.insert', { id: 'x' }),
      get: rec('table.get', { found: false, doc: null }),
      query: rec('table.query', { items: [], next_cursor: null }),
      update: rec('table.update', { updated: false }),
      delete: rec('table.delete', { deleted: false }),
    },
    files: {
      read: () => Promise.reject(new PaddockError('file_not_found', 'no file')),
      write: rec('files.write', {}),
      list: rec('files.list', { items: [], next_cursor: null }),
      delete: rec('files.delete', { deleted: false }),
    },
    notify: { notify: rec('notify', { id: 'n1' }) },
    agent: {
      start: rec('agent.start', { task_id: 't1', status: 'queued' }),
      read: rec('agent.read', {}),
    },
    llm: { complete: rec('llm.complete', {}) },
  };
  return { calls, handlers };
}

function brokerWith(standing: Standing, perMinute = 1000, now = () => 0) {
  const { calls, handlers } = recording();
  const told: string[] = [];
  const broker = new Broker({
    handlers,
    standing: () => Promise.resolve(standing),
    callsPerMinute: () => perMinute,
    now,
    observer: {
      refused: (_c, m, cap, code) => told.push(`refused ${m} ${cap} ${code}`),
      wrote: (_c, m, cap) => told.push(`wrote ${m} ${cap}`),
      read: (_c, m, cap, code) => told.push(`read ${m} ${cap}${code ? ` ${code}` : ''}`),
    },
  });
  return { broker, calls, told };
}

const uploaded: Standing = { tier: 'user-uploaded', granted: [], forbidden: [] };

async function refusal(p: Promise<unknown>): Promise<PaddockError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PaddockError, String(err));
    return err;
  }
  assert.fail('the call was not refused');
}

describe('Broker', () => {
  it('dispatches a method within the ceiling to its capability handler, as the caller', async () => {
    const { broker, calls, told } = brokerWith(uploaded);
    assert.deepEqual(await broker.call(caller(), 'app.kv.get', { key: 'k' }), {
      found: false,
      value: null,
    });
    await broker.call(caller('app2'), 'app.kv.set', { key: 'k', value: [1] });
    assert.deepEqual(calls, [
      ['kv.get', 'app1', { key: 'k' }],
      ['kv.set', 'app2', { key: 'k', value: [1] }],
    ]);
    assert.deepEqual(told, ['read app.kv.get app.kv', 'wrote app.kv.set app.kv']);
  });

  it('refuses a capability outside ceiling and grant, naming it; a grant lets it through', async () => {
    const { broker, calls, told } = brokerWith(uploaded);
    const err = await refusal(broker.call(caller(), 'app.notify', { title: 't' }));
    assert.equal(err.code, 'capability_required');
    assert.deepEqual(err.details, {
      capability: 'app.notify',
      method: 'app.notify',
      grantable: true,
    });
    assert.deepEqual(calls, []);
    assert.deepEqual(told, ['refused app.notify app.notify capability_required']);
    const granted = brokerWith({ ...uploaded, granted: ['app.notify'] });
    assert.deepEqual(await granted.broker.call(caller(), 'app.notify', { title: 't' }), {
      id: 'n1',
    });
  });

  it('seed 001 gap: storage is refused for a tier whose ceiling lacks it', async () => {
    const { broker, calls } = brokerWith({ tier: 'unknown', granted: [], forbidden: [] });
    for (const m of ['app.kv.get', 'app.table.get', 'app.files.list'] as const) {
      const params =
        m === 'app.kv.get' ? { key: 'k' } : m === 'app.table.get' ? { table: 't', id: 'i' } : {};
      const err = await refusal(broker.call(caller(), m, params));
      assert.equal(err.code, 'capability_required', m);
    }
    assert.deepEqual(calls, []);
  });

  it('lets the admin-forbidden list win over ceiling and grant; such a capability is not grantable', async () => {
    const { broker } = brokerWith({
      tier: 'first-party',
      granted: ['app.kv'],
      forbidden: ['app.kv'],
    });
    const err = await refusal(broker.call(caller(), 'app.kv.get', { key: 'k' }));
    assert.equal(err.code, 'capability_required');
    assert.deepEqual(err.details, { capability: 'app.kv', method: 'app.kv.get', grantable: false });
  });

  it('says a capability the app never declared is not grantable', async () => {
    const { broker } = brokerWith({ ...uploaded, declared: ['app.kv'] });
    const err = await refusal(broker.call(caller(), 'app.notify', { title: 't' }));
    assert.equal((err.details as { grantable: boolean }).grantable, false);
  });

  it('answers bad params and unknown methods with bad_request before any handler runs', async () => {
    const { broker, calls } = brokerWith(uploaded);
    for (const [m, p] of [
      ['app.kv.get', {}],
      ['app.kv.get', { key: '' }],
      ['app.kv.set', { key: 'k', value: 1, more: 1 }],
      ['app.table.query', { table: 't', where: [{ field: 'a;drop', op: 'eq', value: 1 }] }],
      ['app.files.read', { path: '../x' }],
      ['app.files.read', { path: '/abs' }],
      ['app.kv.get', null],
      ['app.nope', {}],
      ['constructor', {}],
    ] as const) {
      const err = await refusal(broker.call(caller(), m, p));
      assert.equal(err.code, 'bad_request', `${m} ${JSON.stringify(p)}`);
    }
    assert.deepEqual(calls, []);
  });

  it('rate-limits per app with a token bucket that refills', async () => {
    let now = 0;
    const { broker, told } = brokerWith(uploaded, 3, () => now);
    for (let i = 0; i < 3; i++) await broker.call(caller(), 'app.kv.get', { key: 'k' });
    const err = await refusal(broker.call(caller(), 'app.kv.get', { key: 'k' }));
    assert.equal(err.code, 'rate_limited');
    await refusal(broker.call(caller(), 'app.kv.get', { key: 'k' }));
    assert.equal(told.filter((t) => t.includes('rate_limited')).length, 1, 'told once per window');
    await broker.call(caller('other'), 'app.kv.get', { key: 'k' });
    now += 20_000; // a third of a minute: one call's worth
    await broker.call(caller(), 'app.kv.get', { key: 'k' });
    await refusal(broker.call(caller(), 'app.kv.get', { key: 'k' }));
  });

  it('tells a failed write as a refusal, and a failed read as a read', async () => {
    const { broker, told } = brokerWith(uploaded);
    const err = await refusal(broker.call(caller(), 'app.files.read', { path: 'a.txt' }));
    assert.equal(err.code, 'file_not_found');
    assert.deepEqual(told, ['read app.files.read app.files file_not_found']);
  });
});

describe('RateLimiter', () => {
  it('holds a minute of calls; a lower rate caps the bucket, a higher one fills it', () => {
    let rate = 2;
    let now = 0;
    const r = new RateLimiter(
      () => rate,
      () => now,
    );
    assert.equal(r.take('a'), true);
    assert.equal(r.take('a'), true);
    assert.equal(r.take('a'), false);
    rate = 60;
    for (let i = 0; i < 60; i++) assert.equal(r.take('a'), true, `call ${i}`);
    assert.equal(r.take('a'), false);
    rate = 1;
    now += 60_000;
    assert.equal(r.take('a'), true);
    assert.equal(r.take('a'), false, 'capped at the lower rate');
    r.forget('a');
    assert.equal(r.take('a'), true);
  });
});
