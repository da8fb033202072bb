/**
 * The model API apps reach through `app.llm`: an admin sets it; its key is sealed at rest,
 * never returned, and survives a master key rotation.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import type { ModelAccessView } from '@paddock/shared';
import { call, destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

const KEY = 'sk-ant-planted-model-key-0123456789';

describe('model access for apps (admin)', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let user = '';

  before(async () => {
    d = await startDaemon({ dataDir });
    const key = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'u',
      owner: 'alice',
    });
    user = key.body.token;
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('is not set up until an admin sets it, and only an admin may', async () => {
    const empty = await d.api<ModelAccessView>('GET', '/v1/admin/model-access');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.configured, false);
    const body = { provider: 'anthropic', model: 'claude-test', api_key: KEY };
    const refused = await call<{ error: { code: string } }>(
      d.url,
      user,
      'PUT',
      '/v1/admin/model-access',
      body,
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'forbidden');
  });

  it('keeps the key sealed: never returned, never in the store in the clear', async () => {
    const set = await d.api<ModelAccessView>('PUT', '/v1/admin/model-access', {
      provider: 'anthropic',
      model: 'claude-test',
      api_key: KEY,
      base_url: 'https://api.anthropic.com',
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(
      { ...set.body, updated_at: null },
      {
        configured: true,
        provider: 'anthropic',
        model: 'claude-test',
        base_url: 'https://api.anthropic.com',
        updated_at: null,
      },
    );
    assert.ok(!JSON.stringify(set.body).includes(KEY));
    const db = new SQLite(path.join(dataDir, 'state', 'paddock.db'), { readonly: true });
    try {
      const rows = db.prepare('select * from instance_secrets').all();
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(KEY), 'sealed at rest');
    } finally {
      db.close();
    }
  });

  it('refuses a plain-http or path-bearing base URL and a key with spaces', async () => {
    for (const body of [
      { provider: 'anthropic', model: 'm', api_key: KEY, base_url: 'http://api.example' },
      { provider: 'anthropic', model: 'm', api_key: KEY, base_url: 'https://api.example/x' },
      { provider: 'anthropic', model: 'm', api_key: 'has a space in it' },
      { provider: 'other', model: 'm', api_key: KEY },
    ]) {
      const res = await d.api<{ error: { code: string } }>('PUT', '/v1/admin/model-access', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'bad_request');
    }
  });

  it('survives a master key rotation, and is forgotten on delete', async () => {
    const rotated = await d.api<{ rotated: number }>('POST', '/v1/system/secrets/rotate', {});
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.ok(rotated.body.rotated >= 1, 'the model key was resealed');
    const cleared = await d.api<ModelAccessView>('DELETE', '/v1/admin/model-access');
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.configured, false);
  });
});
