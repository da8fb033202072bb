import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyId, parseKey } from '@paddock/keys';
import { runCli } from './cliRunner.js';
import {
  destroyEverything,
  startDaemon,
  tempDataDir,
  type TestDaemon,
  shellOk,
} from './harness.js';
import { waitFor } from './previewClient.js';

interface App {
  id: string;
  name: string;
  sandbox: { id: string; status: string; preview: { status: string } } | null;
}
interface Secrets {
  key_id: string;
  sealed: number;
  readable: number;
}

describe('backup and restore', () => {
  const dataDir = tempDataDir();
  const restoredDir = tempDataDir();
  const work = tempDataDir();
  const key = crypto.randomBytes(32).toString('base64');
  const keyFile = path.join(work, 'secrets.key');
  const archive = path.join(work, 'paddock.tar.gz');
  let d: TestDaemon;
  let r: TestDaemon | undefined;
  let app: App;
  let snapshotId: string;

  const sh = (sandbox: string, command: string) => shellOk(d, sandbox, command);
  const exported = async (daemon: TestDaemon, id: string): Promise<string> => {
    const res = await fetch(`${daemon.url}/v1/snapshots/${id}/export`, {
      headers: { authorization: `Bearer ${daemon.token}` },
    });
    assert.equal(res.status, 200);
    return crypto
      .createHash('sha256')
      .update(Buffer.from(await res.arrayBuffer()))
      .digest('hex');
  };

  before(async () => {
    fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    d = await startDaemon({ dataDir, env: { PADDOCK_SECRETS_KEY: key } });
    const res = await d.api<App>('POST', '/v1/apps', { name: 'kept', preset: 'static' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    app = await waitFor('app ready', async () => {
      const a = (await d.api<App>('GET', `/v1/apps/${res.body.id}`)).body;
      return a.sandbox?.preview.status === 'ready' ? a : undefined;
    });
    await sh(app.sandbox!.id, 'echo "<h1>kept</h1>" > /workspace/public/index.html');
    const secret = await d.api('POST', `/v1/apps/${app.id}/config`, {
      key: 'API_TOKEN',
      value: crypto.randomBytes(12).toString('hex'),
      sensitive: true,
    });
    assert.equal(secret.status, 201, JSON.stringify(secret.body));
    const snap = await d.api<{ id: string }>('POST', `/v1/sandboxes/${app.sandbox!.id}/snapshots`, {
      name: 'before backup',
    });
    assert.equal(snap.status, 201, JSON.stringify(snap.body));
    snapshotId = snap.body.id;
    assert.equal((await d.api('PATCH', '/v1/settings', { idle_stop_seconds: 777 })).status, 200);
  });

  after(async () => {
    await r?.stop();
    await d?.stop();
    await destroyEverything(restoredDir);
    await destroyEverything(dataDir);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('takes a backup while the sandbox and the API write', async () => {
    let writing = true;
    const writes = (async () => {
      for (let i = 0; writing; i++) {
        await sh(app.sandbox!.id, `echo ${i} >> /workspace/busy.log`);
        await d.api('POST', `/v1/apps/${app.id}/config`, { key: `BUSY_${i}`, value: `${i}` });
      }
    })();
    const env = { PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token };
    const made = await runCli(['backup', 'create', archive], env);
    writing = false;
    await writes;
    assert.equal(made.code, 0, made.stderr);
    const names = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n');
    assert.ok(names.includes('backup-manifest.json'));
    assert.ok(names.includes('state/paddock.db'));
    assert.ok(!names.some((n) => n.endsWith('secrets.key')), 'the key is left out unless asked');
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', archive, 'backup-manifest.json'], { encoding: 'utf8' }),
    ) as { sealed_key_id: string; key_included: boolean };
    const secrets = (await d.api<Secrets>('GET', '/v1/system/secrets')).body;
    assert.equal(manifest.sealed_key_id, secrets.key_id);
    assert.equal(manifest.key_included, false);
  });

  it('refuses a backup to a non-admin token and a restore into a non-empty dir', async () => {
    const key = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'ci',
      role: 'user',
    });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const res = await d.api<{ error: { code: string } }>(
      'POST',
      '/v1/system/backup',
      undefined,
      key.body.token,
    );
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'forbidden');
    const busy = await runCli(['backup', 'restore', archive, '--data-dir', work], {});
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /is not empty/);
  });

  it('puts the key in only when asked, and a restore places it', async () => {
    const withKey = path.join(work, 'with-key.tar.gz');
    const made = await runCli(['backup', 'create', withKey, '--include-key'], {
      PADDOCK_URL: d.url,
      PADDOCK_TOKEN: d.token,
    });
    assert.equal(made.code, 0, made.stderr);
    const dir = path.join(work, 'with-key');
    const res = await runCli(['backup', 'restore', withKey, '--data-dir', dir], {});
    assert.equal(res.code, 0, res.stderr);
    const placed = parseKey(fs.readFileSync(path.join(dir, 'state', 'secrets.key'), 'utf8'), 'x');
    assert.equal(keyId(placed), keyId(Buffer.from(key, 'base64')));
    assert.equal(fs.statSync(path.join(dir, 'state', 'secrets.key')).mode & 0o777, 0o600);
  });

  it('names the key a backup needs when given another one, and writes nothing', async () => {
    const wrong = path.join(work, 'wrong.key');
    fs.writeFileSync(wrong, crypto.randomBytes(32).toString('base64'), { mode: 0o600 });
    const secrets = (await d.api<Secrets>('GET', '/v1/system/secrets')).body;
    const res = await runCli(
      ['backup', 'restore', archive, '--data-dir', restoredDir, '--key-file', wrong],
      {},
    );
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, new RegExp(`this backup needs key ${secrets.key_id}`));
    assert.deepEqual(fs.readdirSync(restoredDir), []);
  });

  it('restores into a fresh data dir: apps, snapshots, config, secrets and settings', async () => {
    const res = await runCli(
      ['backup', 'restore', archive, '--data-dir', restoredDir, '--key-file', keyFile],
      {},
    );
    assert.equal(res.code, 0, res.stderr);
    // No PADDOCK_SECRETS_KEY: the restored key file opens the secrets.
    r = await startDaemon({ dataDir: restoredDir, token: d.token });
    const apps = (await r.api<{ items: App[] }>('GET', '/v1/apps')).body.items;
    const back = apps.find((a) => a.id === app.id);
    assert.equal(back?.name, 'kept');
    assert.notEqual(back?.sandbox?.status, 'running', 'no workspace came back to run');
    assert.equal(await exported(r, snapshotId), await exported(d, snapshotId));
    const secrets = (await r.api<Secrets>('GET', '/v1/system/secrets')).body;
    assert.ok(secrets.sealed >= 1);
    assert.equal(secrets.readable, secrets.sealed);
    const config = await r.api<{ items: { key: string; value_set?: boolean }[] }>(
      'GET',
      `/v1/apps/${app.id}/config`,
    );
    assert.equal(config.body.items.find((e) => e.key === 'API_TOKEN')?.value_set, true);
    const settings = (await r.api<{ idle_stop_seconds: number }>('GET', '/v1/settings')).body;
    assert.equal(settings.idle_stop_seconds, 777);
  });

  it('marks a sandbox whose workspace was not restored failed, and forks the app from its snapshot', async () => {
    const sb = (
      await r!.api<{ status: string; status_reason: string }>(
        'GET',
        `/v1/sandboxes/${app.sandbox!.id}`,
      )
    ).body;
    assert.equal(sb.status, 'failed');
    assert.match(sb.status_reason, /workspace is not on this host/);
    const fork = await r!.api<App>('POST', `/v1/apps/${app.id}/fork`, { snapshot_id: snapshotId });
    assert.equal(fork.status, 201, JSON.stringify(fork.body));
    const res = await r!.api<{ stdout: string; exit_code: number }>(
      'POST',
      `/v1/sandboxes/${fork.body.sandbox!.id}/exec`,
      { command: 'cat /workspace/public/index.html' },
    );
    assert.equal(res.body.exit_code, 0);
    assert.equal(res.body.stdout.trim(), '<h1>kept</h1>');
  });
});
