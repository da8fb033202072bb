/**
 * Service apps call the broker from their sandbox: `POST http://paddock.internal/v1/broker/call`
 * with the per-boot token in PADDOCK_TOKEN_FILE, through the egress proxy. Another sandbox's
 * token, or none, is refused; two service apps see only their own data.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serviceClient } from '@paddock/app-sdk/service';
import { getPreset } from '@paddock/presets';
import type { ExecResult, UserspaceApp } from '@paddock/shared';
import { suiteDaemon } from './harness.js';
import { brokerCall } from './brokerClient.js';
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
 * An express backend whose POST /broker relays {method, params} to the broker as the app;
 * `boot` runs first (with `call` in scope), and /healthz answers `health`.
 */
const server = (boot = '', health = 200) => `import express from 'express';
import fs from 'node:fs';
const call = async (method, params) => {
  const token = fs.readFileSync(process.env.PADDOCK_TOKEN_FILE, 'utf8').trim();
  const res = await fetch(process.env.PADDOCK_API_URL + '/v1/broker/call', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    body: JSON.stringify({ method, params }),
  });
  return { status: res.status, body: await res.json() };
};
${boot}
const app = express();
app.use(express.json());
app.get('/healthz', (req, res) => res.status(${health}).send('ok'));
app.post('/broker', async (req, res) => {
  try {
    res.json(await call(req.body.method, req.body.params));
  } catch (err) {
    res.status(500).json({ error: String(err) });
  }
});
app.listen(3000, '127.0.0.1');
`;

function servicePackage(boot = '', health = 200) {
  const template = getPreset('node-express')!.templateDir;
  return {
    app_type: 'service' as const,
    permissions: ['app.kv'],
    files: {
      'package.json': fs.readFileSync(path.join(template, 'package.json'), 'utf8'),
      'package-lock.json': fs.readFileSync(path.join(template, 'package-lock.json'), 'utf8'),
      'sandbox.yaml': SANDBOX_YAML,
      'server.js': server(boot, health),
    },
  };
}

/** What the app's relay answers: the broker's status and body. */
interface Relayed {
  status: number;
  body: {
    result: { value?: unknown; items: { key: string }[] } & Record<string, unknown>;
    error: { code: string; details: { grantable?: boolean } };
  };
}

describe('the broker, for service apps', () => {
  const d = suiteDaemon();
  const a = generateAppKey();
  const b = generateAppKey();
  const sandboxes: Record<string, string> = {};
  const exec = async (sandboxId: string, command: string) => {
    const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${sandboxId}/exec`, { command });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  /** Asks the app's own server to make the call, from inside its sandbox. */
  const viaApp = async (key: typeof a, method: string, params: unknown) => {
    const body = JSON.stringify({ method, params }).replace(/'/g, "\\'");
    const out = await exec(
      sandboxes[key.appId]!,
      `node -e 'fetch("http://127.0.0.1:3000/broker", { method: "POST", headers: { "content-type": "application/json" }, body: process.argv[1] }).then(r => r.text()).then(t => console.log(t))' '${body}'`,
    );
    return JSON.parse(out.stdout) as Relayed;
  };
  const tokenOf = async (sandboxId: string) =>
    (await exec(sandboxId, 'cat "$PADDOCK_TOKEN_FILE"')).stdout.trim();

  before(async () => {
    await d.api('PATCH', '/v1/settings', { userspace_health_seconds: 60 });
    for (const key of [a, b]) {
      const res = await upload(
        d.url,
        d.token,
        (await makePackage({ key, version: 1, ...servicePackage() })).bytes,
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.app.last_update?.reason, null, 'healthy');
      sandboxes[key.appId] = res.body.app.sandbox_id!;
    }
  });

  it('sets and gets a key from inside its sandbox with its own token', async () => {
    const set = await viaApp(a, 'app.kv.set', { key: 'counter', value: 41 });
    assert.equal(set.status, 200, JSON.stringify(set));
    const get = await viaApp(a, 'app.kv.get', { key: 'counter' });
    assert.deepEqual(get, { status: 200, body: { result: { found: true, value: 41 } } });
  });

  it("keeps two service apps' data apart", async () => {
    const other = await viaApp(b, 'app.kv.get', { key: 'counter' });
    assert.deepEqual(other.body.result, { found: false, value: null });
    assert.equal((await viaApp(b, 'app.kv.set', { key: 'counter', value: 'b' })).status, 200);
    assert.equal((await viaApp(a, 'app.kv.get', { key: 'counter' })).body.result.value, 41);
    const listed = await viaApp(b, 'app.kv.list', {});
    assert.deepEqual(
      listed.body.result.items.map((i) => i.key),
      ['counter'],
    );
  });

  it('streams a file larger than one call from its sandbox, and through the service client', async () => {
    // In the sandbox, through its egress proxy: 20 MiB up as a stream, then back, hashed.
    const script = `import { createHash } from 'node:crypto';
import fs from 'node:fs';
const size = 20 * 1024 * 1024;
const token = fs.readFileSync(process.env.PADDOCK_TOKEN_FILE, 'utf8').trim();
const url = process.env.PADDOCK_API_URL + '/v1/broker/files?path=' + encodeURIComponent('big/blob.bin');
const sent = createHash('sha256');
let at = 0;
const body = new ReadableStream({
  pull(c) {
    if (at >= size) return c.close();
    const chunk = new Uint8Array(Math.min(65536, size - at)).map((_, i) => (at + i) * 13);
    sent.update(chunk);
    at += chunk.length;
    c.enqueue(chunk);
  },
});
const auth = { authorization: 'Bearer ' + token };
const put = await fetch(url, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body, duplex: 'half' });
const stored = await put.json();
const got = createHash('sha256');
const back = await fetch(url, { headers: auth });
for await (const chunk of back.body) got.update(chunk);
console.log(JSON.stringify({ put: put.status, size: stored.size, same: sent.digest('hex') === got.digest('hex') }));
`;
    const id = sandboxes[a.appId]!;
    const wrote = await fetch(`${d.url}/v1/sandboxes/${id}/files?path=stream-check.mjs`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: script,
    });
    assert.equal(wrote.status, 200, await wrote.text());
    const out = await exec(id, 'node stream-check.mjs && rm stream-check.mjs');
    assert.deepEqual(JSON.parse(out.stdout), { put: 200, size: 20 * 1024 * 1024, same: true });

    // The SDK's service client, with the same sandbox token (a file it rereads per call).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-svc-'));
    try {
      const tokenFile = path.join(dir, 'token');
      fs.writeFileSync(tokenFile, await tokenOf(id));
      const client = serviceClient({ apiUrl: d.url, tokenFile });
      const whole = await client.files.download('big/blob.bin');
      assert.equal(whole.headers.get('content-length'), String(20 * 1024 * 1024));
      let n = 0;
      for await (const chunk of whole.body!) n += (chunk as Uint8Array).length;
      assert.equal(n, 20 * 1024 * 1024);
      const stream = new Blob(['from ', 'the SDK']).stream();
      const stored = await client.files.upload('notes/sdk.txt', stream);
      assert.equal(stored.size, 12);
      assert.equal(await (await client.files.download('notes/sdk.txt')).text(), 'from the SDK');
      // B's token speaks for B: A's files are not there.
      fs.writeFileSync(tokenFile, await tokenOf(sandboxes[b.appId]!));
      await assert.rejects(client.files.download('notes/sdk.txt'), { code: 'file_not_found' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses capabilities the service does not hold', async () => {
    const res = await viaApp(a, 'app.files.list', {});
    assert.equal(res.status, 200, 'user-uploaded ceiling holds app.files');
    const notify = await viaApp(a, 'app.notify', { title: 'x' });
    assert.equal(notify.status, 403);
    assert.equal(notify.body.error.code, 'capability_required');
    assert.equal(notify.body.error.details.grantable, false, 'not declared by the app');
  });

  it("refuses the call with no token, or with another sandbox's token", async () => {
    const none = await brokerCall(d.url, {}, 'app.kv.get', { key: 'counter' });
    assert.equal(none.status, 401);
    assert.equal(none.body.error?.code, 'unauthorized');

    const plain = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    const foreign = await tokenOf(plain.body.id);
    assert.match(foreign, /^ey/);
    const refused = await brokerCall(d.url, { token: foreign }, 'app.kv.get', { key: 'counter' });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error?.code, 'forbidden');
    // The same call from inside that sandbox, through its egress proxy, is refused too.
    const inside = await exec(
      plain.body.id,
      `node -e 'const t = require("fs").readFileSync(process.env.PADDOCK_TOKEN_FILE, "utf8").trim(); fetch(process.env.PADDOCK_API_URL + "/v1/broker/call", { method: "POST", headers: { authorization: "Bearer " + t, "content-type": "application/json" }, body: JSON.stringify({ method: "app.kv.get", params: { key: "counter" } }) }).then(r => console.log(r.status))'`,
    );
    assert.equal(inside.stdout.trim(), '403');
    const audit = await d.api<{ items: { actor: { key_id: string | null }; outcome: string }[] }>(
      'GET',
      '/v1/audit?action=broker.call&limit=1000',
    );
    assert.ok(
      audit.body.items.some(
        (e) => e.actor.key_id === `sandbox:${plain.body.id}` && e.outcome === 'denied',
      ),
      'the refusal is audited',
    );

    // B's token speaks for B, whoever holds it: never for A.
    const bToken = await tokenOf(sandboxes[b.appId]!);
    const asB = await brokerCall(d.url, { token: bToken }, 'app.kv.get', { key: 'counter' });
    assert.deepEqual(asB.body.result, { found: true, value: 'b' });
    await d.api('DELETE', `/v1/sandboxes/${plain.body.id}`);
  });

  it('refuses a service token together with an app session', async () => {
    const token = await tokenOf(sandboxes[a.appId]!);
    const res = await brokerCall(d.url, { token, session: 'anything' }, 'app.kv.get', {
      key: 'counter',
    });
    assert.equal(res.status, 403);
  });

  it("a failed health gate puts the app's kv back as it was before the update", async () => {
    await d.api('PATCH', '/v1/settings', { userspace_health_seconds: 10 });
    const boot = `await call('app.kv.set', { key: 'counter', value: 'migrated by v2' });`;
    const res = await upload(
      d.url,
      d.token,
      (await makePackage({ key: a, version: 2, ...servicePackage(boot, 500) })).bytes,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'rolled_back');
    const audit = await d.api<{
      items: { target: { id: string } | null; details: { method?: string; version?: number } }[];
    }>('GET', '/v1/audit?action=broker.call&limit=1000');
    assert.ok(
      audit.body.items.some(
        (e) =>
          e.target?.id === a.appId && e.details.method === 'app.kv.set' && e.details.version === 2,
      ),
      'version 2 wrote through the broker before it failed',
    );
    // Version 1 is back; its server answers once it listens again.
    let answer: Relayed | undefined;
    for (let i = 0; i < 100 && !answer; i++) {
      answer = await viaApp(a, 'app.kv.get', { key: 'counter' }).catch(() => undefined);
      if (!answer) await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(answer?.body.result, { found: true, value: 41 });
  });

  it('rolls back with restore_data while version 2 writes from its sandbox: none of it survives', async () => {
    await d.api('PATCH', '/v1/settings', {
      userspace_health_seconds: 60,
      userspace_broker_calls_per_minute: 1_000_000,
    });
    try {
      const boot = `void (async () => {
  for (let i = 0; ; i++) {
    await call('app.kv.set', { key: 'tick', value: i }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 5));
  }
})();`;
      const res = await upload(
        d.url,
        d.token,
        (await makePackage({ key: b, version: 2, ...servicePackage(boot) })).bytes,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.outcome, 'updated');
      const asB = async (token: string, method: string, params: unknown) =>
        (await brokerCall(d.url, { token }, method, params)).body
          .result as Relayed['body']['result'];
      const v2 = await tokenOf(sandboxes[b.appId]!);
      let ticking = false;
      for (let i = 0; i < 300 && !ticking; i++) {
        ticking = (await asB(v2, 'app.kv.get', { key: 'tick' })).found === true;
        if (!ticking) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(ticking, 'version 2 writes in a loop');
      const back = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${b.appId}/rollback`, {
        restore_data: true,
      });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.equal(back.body.version, 1);
      const v1 = await tokenOf(sandboxes[b.appId]!);
      assert.deepEqual(
        (await asB(v1, 'app.kv.list', {})).items,
        [{ key: 'counter', value: 'b' }],
        'exactly the data copied before the update',
      );
    } finally {
      await d.api('PATCH', '/v1/settings', { userspace_broker_calls_per_minute: 1200 });
    }
  });

  it('refuses a disabled service app at once', async () => {
    const token = await tokenOf(sandboxes[b.appId]!);
    assert.equal((await d.api('POST', `/v1/userspace-apps/${b.appId}/disable`)).status, 200);
    const res = await brokerCall(d.url, { token }, 'app.kv.get', { key: 'counter' });
    assert.ok(res.status === 401 || res.status === 409, JSON.stringify(res.body));
  });
});
