import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { SandboxDriver } from '@paddock/shared';
import { ApiKeyStore } from '../packages/daemon/src/auth/apiKeyStore.js';
import {
  SANDBOX_TOKEN_TTL_SECONDS,
  SandboxTokens,
} from '../packages/daemon/src/auth/sandboxTokens.js';
import { SandboxCredentials } from '../packages/daemon/src/sandboxes/sandboxCredentials.js';
import { SandboxStore } from '../packages/daemon/src/sandboxes/sandboxStore.js';
import { openDatabase, type Db } from '../packages/daemon/src/store/database.js';
import { call, destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

describe('sandbox tokens', () => {
  const dataDir = tempDataDir();
  let d: TestDaemon;
  let a: string;
  let b: string;
  const tokenOf = async (id: string): Promise<string> => {
    const res = await d.api<{ stdout: string; exit_code: number }>(
      'POST',
      `/v1/sandboxes/${id}/exec`,
      { command: 'stat -c "%a %u" /run/paddock/token && id -u && cat /run/paddock/token' },
    );
    assert.equal(res.body.exit_code, 0);
    const [perms, uid, token] = res.body.stdout.trim().split('\n');
    assert.equal(perms, `400 ${uid}`, 'readable by the sandbox user only');
    return token!;
  };

  before(async () => {
    d = await startDaemon({ dataDir });
    a = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    b = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
  });

  it('gives each sandbox a short-lived EdDSA token naming it, its owner and its scopes', async () => {
    const token = await tokenOf(a);
    const claims = decodeJwt(token);
    assert.equal(claims.sub, a);
    assert.equal(claims.owner, 'admin');
    assert.equal(claims.scope, 'sandbox:read');
    assert.ok(claims.exp! - claims.iat! <= 15 * 60);
    assert.notEqual(token, await tokenOf(b));
  });

  it("reads its own sandbox and nothing else: not another sandbox's, not other routes", async () => {
    const token = await tokenOf(a);
    const own = await call<{ id: string }>(d.url, token, 'GET', `/v1/sandboxes/${a}`);
    assert.equal(own.status, 200);
    assert.equal(own.body.id, a);
    for (const [method, p, body] of [
      ['GET', `/v1/sandboxes/${b}`, undefined],
      ['GET', '/v1/sandboxes', undefined],
      ['GET', '/v1/apps', undefined],
      ['POST', `/v1/sandboxes/${a}/exec`, { command: 'true' }],
      ['POST', '/v1/api-keys', { name: 'x' }],
    ] as const) {
      const res = await call<{ error: { code: string } }>(d.url, token, method, p, body);
      assert.equal(res.status, 403, `${method} ${p}`);
    }
    const forged = `${token.slice(0, -4)}AAAA`;
    assert.equal((await call(d.url, forged, 'GET', `/v1/sandboxes/${a}`)).status, 401);
  });

  it('reaches the control plane from inside through the egress proxy, whatever the egress policy', async () => {
    const inside = async (target: string, auth: boolean): Promise<string> => {
      const header = auth ? '-H "authorization: Bearer $(cat "$PADDOCK_TOKEN_FILE")"' : '';
      const res = await d.api<{ stdout: string; exit_code: number }>(
        'POST',
        `/v1/sandboxes/${a}/exec`,
        {
          command: `curl -s -w ' %{http_code}' ${header} "$PADDOCK_API_URL/v1/sandboxes/${target}"`,
        },
      );
      assert.equal(res.body.exit_code, 0);
      return res.body.stdout;
    };
    const own = await inside(a, true);
    assert.match(own, / 200$/);
    assert.equal((JSON.parse(own.slice(0, -4)) as { id: string }).id, a);
    assert.match(await inside(b, true), / 403$/, "not another sandbox's");
    assert.match(await inside(a, false), / 401$/, 'not without the token');
    // Node's fetch goes through the preload's proxy agent, which tunnels plain HTTP too.
    const viaFetch = await d.api<{ stdout: string }>('POST', `/v1/sandboxes/${a}/exec`, {
      command: `node -e "const t = require('fs').readFileSync(process.env.PADDOCK_TOKEN_FILE, 'utf8').trim(); fetch(process.env.PADDOCK_API_URL + '/v1/sandboxes/${a}', { headers: { authorization: 'Bearer ' + t } }).then(r => console.log(r.status))"`,
    });
    assert.equal(viaFetch.body.stdout.trim(), '200');
  });

  it('is revoked by a stop and replaced at the next start', async () => {
    const old = await tokenOf(a);
    await d.api('POST', `/v1/sandboxes/${a}/stop`);
    assert.equal((await call(d.url, old, 'GET', `/v1/sandboxes/${a}`)).status, 401);
    await d.api('POST', `/v1/sandboxes/${a}/start`);
    const fresh = await tokenOf(a);
    assert.notEqual(fresh, old);
    assert.equal((await call(d.url, old, 'GET', `/v1/sandboxes/${a}`)).status, 401);
    assert.equal((await call(d.url, fresh, 'GET', `/v1/sandboxes/${a}`)).status, 200);
  });
});

describe('sandbox token renewal (with a stand-in driver that records written files)', () => {
  let db: Db;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-tok-'));
    db = await openDatabase(dir);
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces tokens of running sandboxes before they expire, and only those', async () => {
    await new ApiKeyStore(db).ensureOwner('o');
    const store = new SandboxStore(db);
    const limits = { memory_mb: 256, pids: 64, cpus: 1, disk_mb: 64 };
    const running = await store.insert({
      id: 'sb00000000000000000000000001',
      owner: 'o',
      status: 'running',
      limits,
      env: {},
      metadata: {},
    });
    await store.insert({
      id: 'sb00000000000000000000000002',
      owner: 'o',
      status: 'stopped',
      limits,
      env: {},
      metadata: {},
    });
    const written: string[] = [];
    const driver = {
      writeRunFile: async (id: string, name: string, content: string) => {
        written.push(`${id}:${name}:${content.trim().length > 0}`);
      },
    } as unknown as SandboxDriver;
    const tokens = await SandboxTokens.open(dir);
    const credentials = new SandboxCredentials({
      ...{ tokens, driver, store, log: quiet },
      dataScopes: async () => [],
    });
    await credentials.deliver(running);
    assert.equal(await credentials.renewDue(), 0, 'a fresh token is left alone');
    const nearExpiry = Date.now() + (SANDBOX_TOKEN_TTL_SECONDS - 5 * 60) * 1000;
    assert.equal(await credentials.renewDue(nearExpiry), 1);
    assert.deepEqual(written, [`${running.id}:token:true`, `${running.id}:token:true`]);
    const found = await credentials.check(
      (
        await tokens.issue({
          sandboxId: running.id,
          appId: null,
          owner: 'o',
          scopes: ['sandbox:read'],
          boot: running.started_at!,
          data: [],
        })
      ).token,
    );
    assert.equal(found?.row.id, running.id);
  });
});
