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

  it('refuses bad configuration with a clear message and exit code 2', async () => {
    await assert.rejects(
      startDaemon({ env: { PADDOCK_PORT: 'seventy' } }),
      /PADDOCK_PORT must be an integer/,
    );
    await assert.rejects(
      startDaemon({ token: 'short' }),
      /PADDOCK_ADMIN_TOKEN must be at least 16/,
    );
  });
});
