/**
 * Service apps: a package with a sandbox.yaml runs in a real sandbox of its own. A new version
 * must pass its health check in time, or the update rolls back, code and data; a rollback the
 * user asks for can take the data back too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { getPreset } from '@paddock/presets';
import type { ExecResult, UserspaceApp } from '@paddock/shared';
import {
  destroyEverything,
  startDaemon,
  suiteDaemon,
  tempDataDir,
  type TestDaemon,
} from './harness.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

const SANDBOX_YAML = `version: 1
web:
  command: node server.js
  port: 3000
  health_path: /healthz
workers: []
`;

/**
 * A server that migrates `data/state` when it starts (`migrate`: what it writes; null leaves
 * it), then answers its health check with `health`.
 */
function server(version: number, migrate: string | null, health: number): string {
  return `const fs = require('node:fs');
const http = require('node:http');
${
  migrate === null
    ? `if (!fs.existsSync('data/state')) fs.writeFileSync('data/state', 'v${version}');`
    : `fs.writeFileSync('data/state', ${JSON.stringify(migrate)});`
}
http.createServer((req, res) => {
  if (req.url === '/healthz') { res.writeHead(${health}); return res.end('v${version}'); }
  res.end(fs.readFileSync('data/state'));
}).listen(3000, '127.0.0.1');
`;
}

function service(version: number, migrate: string | null, health = 200) {
  return {
    app_type: 'service' as const,
    files: { 'sandbox.yaml': SANDBOX_YAML, 'server.js': server(version, migrate, health) },
  };
}

describe('service apps: health-gated updates', () => {
  const d = suiteDaemon();
  const key = generateAppKey();
  const sh = async (sandboxId: string, command: string) => {
    const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${sandboxId}/exec`, { command });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.stdout.trim();
  };
  let sandboxId = '';

  it('installs a service app that runs and answers its health check', async () => {
    assert.equal(
      (await d.api('PATCH', '/v1/settings', { userspace_health_seconds: 20 })).status,
      200,
    );
    const res = await upload(
      d.url,
      d.token,
      (await makePackage({ key, version: 1, ...service(1, null) })).bytes,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'installed');
    assert.equal(res.body.app.last_update?.reason, null, 'healthy at once');
    sandboxId = res.body.app.sandbox_id!;
    assert.match(sandboxId, /^sb/);
    assert.equal(await sh(sandboxId, 'cat data/state'), 'v1');
    assert.equal(
      await sh(
        sandboxId,
        'node -e "fetch(\'http://127.0.0.1:3000/\').then(r=>r.text()).then(console.log)"',
      ),
      'v1',
    );
  });

  it('rolls back code and data when the new version fails its health check', async () => {
    const res = await upload(
      d.url,
      d.token,
      (await makePackage({ key, version: 2, ...service(2, 'migrated by v2', 500) })).bytes,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'rolled_back');
    const app = res.body.app;
    assert.equal(app.version, 1);
    assert.equal(app.last_update?.outcome, 'rolled_back');
    assert.equal(app.last_update?.to_version, 2);
    assert.match(app.last_update?.reason ?? '', /not healthy within 20s/);
    assert.equal(app.sandbox_id, sandboxId);
    assert.equal(
      await sh(sandboxId, 'cat data/state'),
      'v1',
      'the data as it was before the update',
    );
    assert.match(await sh(sandboxId, 'cat server.js'), /'v1'/);
    const versions = await d.api<{ items: { version: number }[] }>(
      'GET',
      `/v1/userspace-apps/${key.appId}/versions`,
    );
    assert.deepEqual(
      versions.body.items.map((v) => v.version),
      [1],
      'the failed version is not kept',
    );
    const events = await d.api<{ items: { type: string; payload: { reason?: string } }[] }>(
      'GET',
      `/v1/sandboxes/${sandboxId}/events`,
    );
    assert.ok(
      events.body.items.some(
        (e) => e.type === 'userspace.rolled_back' && /not healthy/.test(e.payload.reason ?? ''),
      ),
    );
  });

  it('updates to a healthy version, and rolls back with its data when asked', async () => {
    const res = await upload(
      d.url,
      d.token,
      (await makePackage({ key, version: 3, ...service(3, 'migrated by v3') })).bytes,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'updated');
    assert.equal(await sh(sandboxId, 'cat data/state'), 'migrated by v3');
    const back = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${key.appId}/rollback`, {
      restore_data: true,
    });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.version, 1);
    assert.equal(await sh(sandboxId, 'cat data/state'), 'v1');
    assert.match(await sh(sandboxId, 'cat server.js'), /'v1'/);
  });

  it('stops the service when disabled or trashed, and runs it again when enabled', async () => {
    await d.api('POST', `/v1/userspace-apps/${key.appId}/disable`);
    const stopped = await d.api<{ status: string }>('GET', `/v1/sandboxes/${sandboxId}`);
    assert.equal(stopped.body.status, 'stopped');
    await d.api('POST', `/v1/userspace-apps/${key.appId}/enable`);
    const running = await d.api<{ status: string }>('GET', `/v1/sandboxes/${sandboxId}`);
    assert.equal(running.body.status, 'running');
    assert.equal(await sh(sandboxId, 'cat data/state'), 'v1');
  });
});

describe('service apps: dependencies from the lockfile, none shipped', () => {
  const d = suiteDaemon();

  it("runs a Node service on the preset's dependencies with its own package.json and lockfile", async () => {
    const template = getPreset('node-express')!.templateDir;
    const files = {
      'package.json': fs.readFileSync(path.join(template, 'package.json'), 'utf8'),
      'package-lock.json': fs.readFileSync(path.join(template, 'package-lock.json'), 'utf8'),
      'sandbox.yaml': SANDBOX_YAML,
      'server.js': `import express from 'express';
import { createRequire } from 'node:module';
const version = createRequire(import.meta.url)('express/package.json').version;
const app = express();
app.get('/healthz', (req, res) => res.send('ok'));
app.get('/', (req, res) => res.send('express ' + version));
app.listen(3000, '127.0.0.1');
`,
    };
    const key = generateAppKey();
    const res = await upload(
      d.url,
      d.token,
      (await makePackage({ key, version: 1, app_type: 'service', files })).bytes,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.app.last_update?.reason, null, 'healthy');
    const sb = res.body.app.sandbox_id!;
    const out = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, {
      command: 'node -e "fetch(\'http://127.0.0.1:3000/\').then(r=>r.text()).then(console.log)"',
    });
    assert.match(out.body.stdout, /^express \d+\.\d+\.\d+/);
  });
});

describe('service apps: a health check a stop interrupted', () => {
  const dataDir = tempDataDir();
  const token = 'gate-test-admin-token';
  let d: TestDaemon | undefined;
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('rolls the update back, code and data, when the daemon starts again', async () => {
    const key = generateAppKey();
    d = await startDaemon({ dataDir, token });
    await d.api('PATCH', '/v1/settings', { userspace_health_seconds: 20 });
    const v1 = await upload(
      d.url,
      token,
      (await makePackage({ key, version: 1, ...service(1, null) })).bytes,
    );
    assert.equal(v1.status, 201, JSON.stringify(v1.body));
    const sandboxId = v1.body.app.sandbox_id!;
    await d.stop();

    d = await startDaemon({ dataDir, token, env: { PADDOCK_FAILPOINTS: 'userspace.gating=kill' } });
    const died = new Promise((resolve) => d!.proc.once('exit', resolve));
    const v2 = await makePackage({ key, version: 2, ...service(2, 'migrated by v2') });
    await assert.rejects(upload(d.url, token, v2.bytes));
    await died;

    d = await startDaemon({ dataDir, token });
    const app = await d.api<UserspaceApp>('GET', `/v1/userspace-apps/${key.appId}`);
    assert.equal(app.body.version, 1);
    assert.equal(app.body.last_update?.outcome, 'rolled_back');
    assert.match(app.body.last_update?.reason ?? '', /daemon stopped/);
    const sh = async (command: string) =>
      (
        await d!.api<ExecResult>('POST', `/v1/sandboxes/${sandboxId}/exec`, { command })
      ).body.stdout.trim();
    assert.match(await sh('cat server.js'), /'v1'/);
    assert.equal(await sh('cat data/state'), 'v1', 'the data as it was before the update');
  });
});
