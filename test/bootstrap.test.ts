import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { destroyEverything, startDaemon, tempDataDir } from './harness.js';

describe('first start', () => {
  it('generates an admin token into a 0600 file, logs where, and stores API keys only hashed', async () => {
    const dataDir = tempDataDir();
    const d = await startDaemon({ dataDir, token: null });
    try {
      const file = path.join(dataDir, 'state', 'admin-token');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.join(dataDir, 'state')).mode & 0o777, 0o700);
      assert.ok(
        d.output().includes(`admin token generated into ${file}`),
        'says where the token is',
      );
      assert.ok(!d.output().includes(d.token), 'the token itself is never printed');
      assert.equal((await d.api('GET', '/v1/api-keys')).status, 200, 'the generated token works');

      const key = await d.api<{ token: string }>('POST', '/v1/api-keys', {
        name: 'ci',
        owner: 'carol',
      });
      assert.equal(key.status, 201);
      assert.equal((await d.api('GET', '/v1/sandboxes', undefined, key.body.token)).status, 200);
      assert.equal(await d.stop(), 0);
      for (const f of fs.readdirSync(path.join(dataDir, 'state'))) {
        if (!f.startsWith('paddock.db')) continue;
        const bytes = fs.readFileSync(path.join(dataDir, 'state', f));
        assert.equal(bytes.includes(key.body.token), false, `${f} holds no plaintext API token`);
        assert.equal(bytes.includes(d.token), false, `${f} holds no admin token`);
        assert.equal(
          fs.statSync(path.join(dataDir, 'state', f)).mode & 0o077,
          0,
          `${f} is private`,
        );
      }

      const again = await startDaemon({ dataDir, token: null });
      assert.equal(again.token, d.token, 'the same token on the next start');
      assert.ok(again.output().includes(`admin token read from ${file}`));
      assert.equal(await again.stop(), 0);
    } finally {
      await d.stop();
      await destroyEverything(dataDir);
    }
  });

  it('serves creates from the warm pool and counts them in /metrics', async () => {
    const d = await startDaemon({ env: { PADDOCK_WARM_POOL: '1' } });
    try {
      let ready = 0;
      for (let i = 0; i < 100 && ready < 1; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const sys = await d.api<{ driver: { details: { warm_pool_ready: number } } }>(
          'GET',
          '/v1/system',
        );
        ready = sys.body.driver.details.warm_pool_ready;
      }
      assert.equal(ready, 1, 'the pool filled');
      const sb = await d.api<{ id: string; limits: { memory_mb: number } }>(
        'POST',
        '/v1/sandboxes',
        {
          limits: { memory_mb: 256 },
        },
      );
      assert.equal(sb.status, 201);
      assert.equal(sb.body.limits.memory_mb, 256);
      const oom = await d.api<{ state: string }>('POST', `/v1/sandboxes/${sb.body.id}/exec`, {
        argv: ['node', '-e', 'const a=[]; for(;;) a.push(Buffer.alloc(16<<20, 1))'],
      });
      assert.equal(oom.body.state, 'oom', 'the claimed sandbox has the requested memory limit');
      const metrics = await d.api<string>('GET', '/metrics');
      assert.match(
        metrics.body,
        /paddock_sandbox_create_duration_seconds_count\{pooled="true"\} 1/,
      );
      assert.match(metrics.body, /paddock_exec_total\{state="oom"\} 1/);
      assert.equal((await d.api('DELETE', `/v1/sandboxes/${sb.body.id}`)).status, 204);
    } finally {
      await d.stop();
      await destroyEverything(d.dataDir);
    }
  });

  it('refuses bad configuration with a clear message and exit code 2', async () => {
    await assert.rejects(
      startDaemon({ env: { PADDOCK_PORT: 'seventy' } }),
      /exited with 2:[\s\S]*PADDOCK_PORT must be an integer/,
    );
    await assert.rejects(
      startDaemon({ token: 'short' }),
      /exited with 2:[\s\S]*PADDOCK_ADMIN_TOKEN must be at least 16/,
    );
  });
});
