/**
 * Consent after install: an app asks for an optional permission at first use, and the user
 * grants it or declines it (remembered). A service app's `network:` grants are the whole of
 * its sandbox's egress: exact host and port, revoked for the next connection, never widened by
 * hand.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { EgressPolicy, ExecResult, UserspacePermissions } from '@paddock/shared';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { selfSignedCertificate } from './testCertificate.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

// Test names, mapped to the loopback server below by the egress proxy's resolver override.
const GRANTED = 'https://data.paddock-test.example:8443';
const OTHER_PORT = 'https://data.paddock-test.example:9443';

const SANDBOX_YAML = `version: 1
web:
  command: node server.js
  port: 3000
  health_path: /healthz
workers: []
`;
const SERVER = `require('node:http').createServer((req, res) => res.end('up')).listen(3000, '127.0.0.1');`;

describe('userspace consent: answering permission requests, and network grants as egress', () => {
  const dataDir = tempDataDir();
  const certificate = selfSignedCertificate('data.paddock-test.example');
  const upstream = https.createServer({ key: certificate.key, cert: certificate.cert }, (_q, r) =>
    r.end('upstream ok'),
  );
  let d: TestDaemon;
  let webId = '';
  let serviceId = '';
  let sandboxId = '';

  before(async () => {
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as net.AddressInfo).port;
    d = await startDaemon({
      dataDir,
      env: { PADDOCK_EGRESS_RESOLVE: `data.paddock-test.example=127.0.0.1:${port}` },
    });
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
    upstream.close();
    certificate.remove();
  });

  const answer = (id: string, body: object) =>
    d.api<UserspacePermissions & { error: { code: string } }>(
      'POST',
      `/v1/userspace-apps/${id}/permissions`,
      body,
    );

  it('grants and declines optional permissions, and remembers a decline', async () => {
    const key = generateAppKey();
    const pkg = await makePackage({
      key,
      version: 1,
      optional_permissions: ['app.notify', `network:${GRANTED}`],
    });
    const installed = await upload(d.url, d.token, pkg.bytes);
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    webId = installed.body.app.id;

    const declined = await answer(webId, { decline: ['app.notify'] });
    assert.equal(declined.status, 200, JSON.stringify(declined.body));
    assert.deepEqual(declined.body.declined, ['app.notify']);
    assert.ok(!declined.body.granted.includes('app.notify'));
    const read = await d.api<UserspacePermissions>(
      'GET',
      `/v1/userspace-apps/${webId}/permissions`,
    );
    assert.deepEqual(read.body.declined, ['app.notify'], 'the decline is remembered');

    // Asked again later and granted: off the declined list, onto the granted one.
    const granted = await answer(webId, { grant: ['app.notify'] });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.ok(granted.body.granted.includes('app.notify'));
    assert.deepEqual(granted.body.declined, []);
  });

  it('refuses to grant or decline what the app never declared, or both at once', async () => {
    const undeclared = await answer(webId, { grant: ['app.llm'] });
    assert.equal(undeclared.status, 400);
    assert.equal(undeclared.body.error.code, 'bad_request');
    const undeclaredDecline = await answer(webId, { decline: ['app.agent'] });
    assert.equal(undeclaredDecline.status, 400);
    const both = await answer(webId, { grant: ['app.notify'], decline: ['app.notify'] });
    assert.equal(both.status, 400);
    const notACapability = await answer(webId, { grant: ['network:http://plain.example'] });
    assert.equal(notACapability.status, 400);
    assert.equal(notACapability.body.error.code, 'bad_request');
  });

  it("makes a service app's network grants its sandbox's only way out, port included", async () => {
    const key = generateAppKey();
    const pkg = await makePackage({
      key,
      version: 1,
      app_type: 'service',
      optional_permissions: [`network:${GRANTED}`, `network:${OTHER_PORT}`],
      files: { 'sandbox.yaml': SANDBOX_YAML, 'server.js': SERVER },
    });
    const installed = await upload(d.url, d.token, pkg.bytes);
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    serviceId = installed.body.app.id;
    sandboxId = installed.body.app.sandbox_id!;
    const curl = async (origin: string): Promise<string> => {
      const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${sandboxId}/exec`, {
        command: `curl -sk -o /dev/null -w '%{http_code}' ${origin}/`,
        timeout_ms: 20_000,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.stdout;
    };

    assert.notEqual(await curl(GRANTED), '200', 'nothing is allowed before a grant');
    assert.equal((await answer(serviceId, { grant: [`network:${GRANTED}`] })).status, 200);
    assert.equal(await curl(GRANTED), '200', 'the granted origin is reachable');
    assert.notEqual(await curl(OTHER_PORT), '200', 'the same host on another port is not');

    const policy = await d.api<EgressPolicy>('GET', `/v1/sandboxes/${sandboxId}/egress`);
    assert.deepEqual(policy.body.allow, ['data.paddock-test.example:8443']);
    const widen = await d.api<{ error: { code: string } }>(
      'PUT',
      `/v1/sandboxes/${sandboxId}/egress`,
      { allow: ['*.paddock-test.example'] },
    );
    assert.equal(widen.status, 409, 'its owner cannot widen it by hand');
    assert.equal(widen.body.error.code, 'conflict');

    const revoked = await d.api('POST', `/v1/userspace-apps/${serviceId}/revoke`, {
      permissions: [`network:${GRANTED}`],
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.notEqual(await curl(GRANTED), '200', 'a revoke holds for the next connection');
  });

  it('lets the admin forbid a granted origin to the tier, over the grant', async () => {
    assert.equal((await answer(serviceId, { grant: [`network:${OTHER_PORT}`] })).status, 200);
    const policy = await d.api<EgressPolicy>('GET', `/v1/sandboxes/${sandboxId}/egress`);
    assert.deepEqual(policy.body.allow, ['data.paddock-test.example:9443']);
    const forbid = await d.api('PATCH', '/v1/settings', {
      userspace_forbidden_capabilities: { 'user-uploaded': [`network:${OTHER_PORT}`] },
    });
    assert.equal(forbid.status, 200, JSON.stringify(forbid.body));
    const after = await d.api<EgressPolicy>('GET', `/v1/sandboxes/${sandboxId}/egress`);
    assert.deepEqual(after.body.allow, []);
  });
});
