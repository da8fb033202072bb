/**
 * `app.llm` end to end: an app's window asks the broker for a completion; the daemon calls the
 * model API with the install's sealed key, which the app never sees. The model API is the
 * scripted model server (a test stand-in, as in test/agentCli.test.ts: no model API is
 * reachable here), on loopback through the egress test resolver.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { brokerCall, TestWindows, type BrokerAnswer } from './brokerClient.js';
import { ScriptedModelServer } from './scriptedModel/server.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

const KEY = 'sk-ant-app-llm-planted-key-0123456789';
const ASK = { messages: [{ role: 'user', content: 'Say something.' }], max_tokens: 64 };

describe('app.llm with a scripted model server (stand-in for the model API)', () => {
  const dataDir = tempDataDir();
  let model: ScriptedModelServer;
  let d: TestDaemon;
  let call: (method: string, params?: unknown) => Promise<BrokerAnswer>;
  let appId = '';

  before(async () => {
    model = await ScriptedModelServer.start({ anthropicKey: KEY, openaiKey: 'unused-key' });
    d = await startDaemon({
      dataDir,
      env: { PADDOCK_EGRESS_RESOLVE: model.resolve, PADDOCK_EGRESS_UPSTREAM_CA: model.caFile },
    });
    const key = generateAppKey();
    const pkg = await makePackage({ key, version: 1, optional_permissions: ['app.llm'] });
    const installed = await upload(d.url, d.token, pkg.bytes);
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    appId = installed.body.app.id;
    const session = await new TestWindows(d).open(appId, 1);
    call = (method, params) => brokerCall(d.url, { token: d.token, session }, method, params);
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
    await model?.close();
  });

  it('is refused until the user grants app.llm, and until an admin sets a model API', async () => {
    const ungranted = await call('app.llm.complete', ASK);
    assert.equal(ungranted.status, 403);
    assert.equal(ungranted.body.error?.code, 'capability_required');
    const grant = await d.api('POST', `/v1/userspace-apps/${appId}/permissions`, {
      grant: ['app.llm'],
    });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    const unset = await call('app.llm.complete', ASK);
    assert.equal(unset.status, 409);
    assert.equal(unset.body.error?.code, 'conflict');
    assert.equal(model.requests.length, 0, 'nothing reached the model API');
  });

  it("answers with the model's text; the key went to the model API and nowhere else", async () => {
    const set = await d.api('PUT', '/v1/admin/model-access', {
      provider: 'anthropic',
      model: 'claude-scripted',
      api_key: KEY,
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const res = await call('app.llm.complete', { ...ASK, system: 'Be brief.' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const result = res.body.result as { text: string; usage: { output_tokens: number } };
    assert.equal(result.text, 'Scripted answer.');
    assert.ok(result.usage.output_tokens > 0);
    assert.ok(!JSON.stringify(res.body).includes(KEY), 'the app never sees the key');
    const sent = model.requests.at(-1)!;
    assert.equal(sent.path, '/v1/messages');
    assert.equal(sent.headers['x-api-key'], KEY);
    const body = sent.body as { model: string; system: string; messages: unknown[] };
    assert.equal(body.model, 'claude-scripted');
    assert.equal(body.system, 'Be brief.');
    assert.deepEqual(body.messages, ASK.messages);
    const audit = await d.api<{ items: unknown[] }>('GET', '/v1/audit?limit=200');
    assert.ok(!JSON.stringify(audit.body).includes(KEY), 'the key is in no audit entry');
  });

  it("says the model API's refusal as model_error, with its status", async () => {
    model.script(undefined, { kind: 'status', status: 429 });
    const limited = await call('app.llm.complete', ASK);
    assert.equal(limited.status, 502, JSON.stringify(limited.body));
    assert.equal(limited.body.error?.code, 'model_error');
    assert.equal((limited.body.error?.details as { status: number }).status, 429);
    model.script(undefined);
    await d.api('PUT', '/v1/admin/model-access', {
      provider: 'anthropic',
      model: 'claude-scripted',
      api_key: 'sk-ant-not-the-planted-key',
    });
    const wrongKey = await call('app.llm.complete', ASK);
    assert.equal(wrongKey.body.error?.code, 'model_error');
    assert.equal((wrongKey.body.error?.details as { status: number }).status, 401);
  });

  it('refuses bad params before anything is sent', async () => {
    const before = model.requests.length;
    for (const params of [
      { messages: [] },
      { messages: [{ role: 'system', content: 'x' }] },
      { messages: [{ role: 'user', content: 'x' }], max_tokens: 100_000 },
    ]) {
      const res = await call('app.llm.complete', params);
      assert.equal(res.status, 400, JSON.stringify(params));
      assert.equal(res.body.error?.code, 'bad_request');
    }
    assert.equal(model.requests.length, before);
  });
});
