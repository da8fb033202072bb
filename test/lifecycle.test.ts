import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

interface Err {
  error: { code: string };
}
interface Sandbox {
  id: string;
  status: string;
  status_reason: string | null;
  keepalive_until: string | null;
  last_active_at: string | null;
}
interface Settings {
  idle_stop_seconds: number;
  keepalive_max_seconds: number;
  sources: Record<string, 'default' | 'stored'>;
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, tries = 150): Promise<T> {
  let v = await probe();
  for (let i = 0; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 200));
    v = await probe();
  }
  return v;
}

describe('settings and idle stop', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let user: string;

  before(async () => {
    d = await startDaemon({ dataDir });
    user = (await d.api<{ token: string }>('POST', '/v1/api-keys', { name: 'u', owner: 'ursula' }))
      .body.token;
  });

  after(async () => {
    await d.stop();
    await destroyEverything(dataDir);
  });

  it('changes only allowlisted settings, as an admin, and keeps them across a restart', async () => {
    const defaults = await d.api<Settings>('GET', '/v1/settings', undefined, user);
    const { sources: defaultSources, ...defaultValues } = defaults.body;
    assert.deepEqual(
      new Set(Object.values(defaultSources)),
      new Set(['default']),
      'every value at its default',
    );
    assert.deepEqual(defaultValues, {
      idle_stop_seconds: 900,
      keepalive_max_seconds: 3600,
      task_timeout_default_seconds: 1800,
      task_timeout_max_seconds: 7200,
      audit_retention_days: 90,
      egress_connections_max: 256,
      snapshot_storage_mb: 10240,
      task_spend_limit_app_usd: 0,
      task_spend_limit_owner_usd: 0,
      userspace_trash_days: 30,
      userspace_health_seconds: 60,
      userspace_broker_calls_per_minute: 1200,
      userspace_data_quota_bytes: 100 * 1024 * 1024,
      userspace_forbidden_capabilities: {},
      quota_sandboxes_running: 0,
      quota_memory_mb: 0,
      quota_cpus: 0,
      quota_disk_mb: 0,
      quota_filestore_mb: 0,
      rate_limit_token_per_minute: 6000,
      rate_limit_address_per_minute: 600,
      rate_limit_sign_in_per_minute: 10,
      rate_limit_sign_in_failures_per_hour: 30,
      rate_limit_preview_sandbox_per_minute: 30_000,
      rate_limit_preview_address_per_minute: 12_000,
    });
    const refused: [unknown, number, string, string?][] = [
      [
        { userspace_forbidden_capabilities: { 'user-uploaded': ['app.bogus'] } },
        400,
        'bad_request',
      ],
      [{ userspace_forbidden_capabilities: { everyone: ['app.kv'] } }, 400, 'unknown_field'],
      [{ idle_stop_seconds: 60 }, 403, 'forbidden', user],
      [{ idle_stop_seconds: 60, log_level: 'debug' }, 400, 'unknown_field'],
      [{}, 400, 'bad_request'],
      [{ idle_stop_seconds: -1 }, 400, 'bad_request'],
      [{ keepalive_max_seconds: 10 }, 400, 'bad_request'],
      [{ idle_stop_seconds: '60' }, 400, 'bad_request'],
    ];
    for (const [body, status, code, token] of refused) {
      const res = await d.api<Err>('PATCH', '/v1/settings', body, token);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.body.error.code, code);
    }
    assert.deepEqual(
      (await d.api<Settings>('GET', '/v1/settings')).body,
      defaults.body,
      'nothing changed',
    );

    const patched = await d.api<Settings>('PATCH', '/v1/settings', { keepalive_max_seconds: 120 });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body, {
      ...defaults.body,
      keepalive_max_seconds: 120,
      sources: { ...defaults.body.sources, keepalive_max_seconds: 'stored' },
    });
    assert.equal(await d.stop(), 0);
    d = await startDaemon({ dataDir, token: d.token });
    assert.deepEqual((await d.api<Settings>('GET', '/v1/settings')).body, patched.body);
  });

  it('bounds keepalives and shows them', async () => {
    const sb = (await d.api<Sandbox>('POST', '/v1/sandboxes', {}, user)).body;
    const tooLong = await d.api<Err>(
      'POST',
      `/v1/sandboxes/${sb.id}/keepalive`,
      { seconds: 121 },
      user,
    );
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.code, 'limit_exceeded');
    const kept = await d.api<Sandbox>(
      'POST',
      `/v1/sandboxes/${sb.id}/keepalive`,
      { seconds: 60 },
      user,
    );
    assert.equal(kept.status, 200);
    assert.ok(kept.body.keepalive_until && Date.parse(kept.body.keepalive_until) > Date.now());
    const other = await d.api<Err>('POST', `/v1/sandboxes/${sb.id}/keepalive`, { seconds: 60 });
    assert.equal(other.status, 404, "another owner's sandbox");
    await d.api('POST', `/v1/sandboxes/${sb.id}/stop`, {}, user);
    const stopped = await d.api<Err>(
      'POST',
      `/v1/sandboxes/${sb.id}/keepalive`,
      { seconds: 60 },
      user,
    );
    assert.equal(stopped.status, 409);
    assert.equal((await d.api('DELETE', `/v1/sandboxes/${sb.id}`, undefined, user)).status, 204);
  });

  it('stops idle sandboxes, applied without restart, sparing keepalives and running commands', async () => {
    const idle = (await d.api<Sandbox>('POST', '/v1/sandboxes', {}, user)).body;
    const kept = (await d.api<Sandbox>('POST', '/v1/sandboxes', {}, user)).body;
    const busy = (await d.api<Sandbox>('POST', '/v1/sandboxes', {}, user)).body;
    await d.api('POST', `/v1/sandboxes/${kept.id}/keepalive`, { seconds: 120 }, user);
    assert.equal(
      (await d.api('PATCH', '/v1/settings', { idle_stop_seconds: 2 })).status,
      200,
      'no restart follows this',
    );
    // A command longer than the threshold: the sandbox running it is not idle.
    const longCommand = d.api<{ exit_code: number; state: string }>(
      'POST',
      `/v1/sandboxes/${busy.id}/exec`,
      { command: 'sleep 5; echo done' },
      user,
    );
    const stopped = await until(
      () => d.api<Sandbox>('GET', `/v1/sandboxes/${idle.id}`, undefined, user),
      (r) => r.body.status === 'stopped',
    );
    assert.equal(stopped.body.status, 'stopped');
    assert.match(stopped.body.status_reason ?? '', /without activity/);
    const events = await d.api<{ items: { type: string }[] }>(
      'GET',
      `/v1/sandboxes/${idle.id}/events?limit=1`,
      undefined,
      user,
    );
    assert.equal(events.body.items[0]?.type, 'sandbox.idle_stopped');

    const result = await longCommand;
    assert.equal(result.body.state, 'exited', 'the command ran to its end');
    assert.equal(result.body.exit_code, 0);
    const keptNow = await d.api<Sandbox>('GET', `/v1/sandboxes/${kept.id}`, undefined, user);
    assert.equal(keptNow.body.status, 'running', 'the keepalive holds');

    await d.api('PATCH', '/v1/settings', { idle_stop_seconds: 0 });
    for (const id of [idle.id, kept.id, busy.id])
      await d.api('DELETE', `/v1/sandboxes/${id}`, undefined, user);
  });
});
