/**
 * Userspace apps through the real daemon: web packages installed, updated, refused, consented,
 * rolled back, trashed, restored and purged; first-party keys and takeover attempts. Real
 * signed zips, a real SQLite store and the real files under the data dir.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openPackage } from '@paddock/app-package';
import type { InstallResult, PurgePlan, UserspaceApp, UserspacePermissions } from '@paddock/shared';
import { suiteDaemon } from './harness.js';
import { generateAppKey, makePackage, packageScratch, upload } from './userspacePackages.js';

after(() => fs.rmSync(packageScratch, { recursive: true, force: true }));

describe('userspace apps: install, update, refusals', () => {
  const d = suiteDaemon();
  const key = generateAppKey();
  const get = async (id = key.appId) =>
    (await d.api<UserspaceApp>('GET', `/v1/userspace-apps/${id}`)).body;
  const currentFile = (id: string, file: string) =>
    path.join(d.dataDir, 'userspace', 'code', id, 'current', file);

  it('installs a signed web package, with its scan report, and serves the package back', async () => {
    const pkg = await makePackage({ key, version: 1, optional_permissions: ['app.notify'] });
    const res = await upload(d.url, d.token, pkg.bytes);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const result = res.body as InstallResult;
    assert.equal(result.outcome, 'installed');
    assert.equal(result.app.id, key.appId);
    assert.equal(result.app.status, 'active');
    assert.equal(result.app.provenance, 'user-uploaded');
    assert.equal(result.app.source.kind, 'upload');
    assert.equal(result.app.scan.files, 3, 'the manifest, index.html and the signature');
    assert.deepEqual(result.app.scan.by_kind.markup, ['index.html']);
    assert.equal(fs.readFileSync(currentFile(key.appId, 'index.html'), 'utf8'), '<h1>v1</h1>');
    const list = await d.api<{ items: UserspaceApp[] }>('GET', '/v1/userspace-apps');
    assert.deepEqual(
      list.body.items.map((a) => a.id),
      [key.appId],
    );
    const download = await fetch(`${d.url}/v1/userspace-apps/${key.appId}/package`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(download.status, 200);
    const back = Buffer.from(await download.arrayBuffer());
    assert.deepEqual(back, pkg.bytes);
    const again = path.join(packageScratch, 'downloaded.paddockapp');
    fs.writeFileSync(again, back);
    assert.equal((await openPackage(again)).manifest.id, key.appId);
  });

  it('refuses a tampered byte, a wrong key, a downgrade and a version below min_upgradable, leaving the app as it was', async () => {
    const before = await get();
    const good = await makePackage({ key, version: 5 });
    const tampered = Buffer.from(good.bytes);
    const at = tampered.indexOf(Buffer.from('<h1>v5</h1>'));
    tampered[at + 4] = 'X'.charCodeAt(0);
    const cases: [string, Buffer, number, string][] = [
      ['tampered', tampered, 400, 'package_signature_invalid'],
      [
        'signed by another key',
        (await makePackage({ key, version: 6, signWith: generateAppKey() })).bytes,
        400,
        'package_id_mismatch',
      ],
      [
        'unsigned',
        (await makePackage({ key, version: 6, unsigned: true })).bytes,
        400,
        'package_unsigned',
      ],
      ['same version', (await makePackage({ key, version: 1 })).bytes, 409, 'package_downgrade'],
      [
        'below min_upgradable_version',
        (await makePackage({ key, version: 7, min_upgradable_version: 3 })).bytes,
        409,
        'package_not_upgradable',
      ],
      ['not a zip', Buffer.from('hello'), 400, 'package_invalid'],
    ];
    for (const [label, bytes, status, code] of cases) {
      const res = await upload(d.url, d.token, bytes);
      assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, label);
    }
    const after = await get();
    assert.equal(after.version, before.version);
    assert.equal(after.updated_at, before.updated_at);
    assert.equal(fs.readFileSync(currentFile(key.appId, 'index.html'), 'utf8'), '<h1>v1</h1>');
    // Nothing is left half-received.
    assert.deepEqual(fs.readdirSync(path.join(d.dataDir, 'userspace', 'incoming')), []);
  });

  it('updates to a higher version; a downgrade is refused after it', async () => {
    const res = await upload(d.url, d.token, (await makePackage({ key, version: 2 })).bytes);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'updated');
    assert.equal(res.body.app.version, 2);
    assert.equal(res.body.app.previous_version, 1);
    assert.equal(res.body.app.last_update?.from_version, 1);
    const down = await upload(d.url, d.token, (await makePackage({ key, version: 1 })).bytes);
    assert.equal(down.body.error.code, 'package_downgrade');
    assert.equal((await get()).version, 2);
  });

  it('holds an update that asks for more than the grant as pending_consent until the user consents', async () => {
    const v3 = await makePackage({ key, version: 3, permissions: ['app.kv', 'app.notify'] });
    const res = await upload(d.url, d.token, v3.bytes);
    assert.equal(res.status, 200);
    assert.equal(res.body.outcome, 'pending_consent');
    assert.equal(res.body.app.version, 2);
    assert.equal(res.body.app.status, 'pending_consent');
    const perms = await d.api<UserspacePermissions>(
      'GET',
      `/v1/userspace-apps/${key.appId}/permissions`,
    );
    assert.equal(perms.body.provenance, 'user-uploaded');
    assert.deepEqual(perms.body.ceiling, ['app.kv', 'app.table', 'app.files']);
    assert.deepEqual(perms.body.pending?.added, ['app.notify']);
    assert.deepEqual(perms.body.granted, []);
    assert.equal(fs.readFileSync(currentFile(key.appId, 'index.html'), 'utf8'), '<h1>v2</h1>');
    const versions = await d.api<{ items: { version: number; state: string }[] }>(
      'GET',
      `/v1/userspace-apps/${key.appId}/versions`,
    );
    assert.deepEqual(
      versions.body.items.map((v) => [v.version, v.state]),
      [
        [3, 'pending'],
        [2, 'current'],
        [1, 'previous'],
      ],
    );
    const wrong = await d.api('POST', `/v1/userspace-apps/${key.appId}/consent`, { version: 9 });
    assert.equal(wrong.status, 409);
    const ok = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${key.appId}/consent`, {
      version: 3,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.version, 3);
    assert.equal(ok.body.status, 'active');
    assert.deepEqual(ok.body.granted, ['app.notify']);
    assert.equal(fs.readFileSync(currentFile(key.appId, 'index.html'), 'utf8'), '<h1>v3</h1>');
  });

  it('revokes optional grants but not required ones; rolls back to the previous version once', async () => {
    const required = await d.api('POST', `/v1/userspace-apps/${key.appId}/revoke`, {
      permissions: ['app.notify'],
    });
    assert.equal(required.status, 409);
    const back = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${key.appId}/rollback`, {});
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.version, 2);
    assert.equal(back.body.last_update?.outcome, 'rolled_back');
    assert.equal(fs.readFileSync(currentFile(key.appId, 'index.html'), 'utf8'), '<h1>v2</h1>');
    const twice = await d.api<{ error: { code: string } }>(
      'POST',
      `/v1/userspace-apps/${key.appId}/rollback`,
      {},
    );
    assert.equal(twice.status, 409);
  });

  it('disables and enables', async () => {
    const off = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${key.appId}/disable`);
    assert.equal(off.body.status, 'disabled');
    const on = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${key.appId}/enable`);
    assert.equal(on.body.status, 'active');
  });

  it('refuses a package requiring what the admin forbids to its tier', async () => {
    const set = await d.api('PATCH', '/v1/settings', {
      userspace_forbidden_capabilities: { 'user-uploaded': ['app.llm'] },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const other = generateAppKey();
    const res = await upload(
      d.url,
      d.token,
      (await makePackage({ key: other, version: 1, permissions: ['app.llm'] })).bytes,
      '?consent=true',
    );
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'capability_forbidden');
    assert.equal((await d.api('GET', `/v1/userspace-apps/${other.appId}`)).status, 404);
    await d.api('PATCH', '/v1/settings', { userspace_forbidden_capabilities: {} });
  });

  it('takes a multipart upload', async () => {
    const other = generateAppKey();
    const form = new FormData();
    const pkg = await makePackage({ key: other, version: 1, name: 'Multi' });
    form.append('package', new Blob([pkg.bytes]), 'multi.paddockapp');
    const res = await fetch(`${d.url}/v1/userspace-apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.token}` },
      body: form,
    });
    const body = (await res.json()) as InstallResult;
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(body.app.name, 'Multi');
  });

  it('uninstalls to the trash with the data kept, restores, and purges only when confirmed', async () => {
    const data = path.join(d.dataDir, 'userspace', 'data', key.appId);
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'notes.json'), '["keep me"]');
    assert.equal((await d.api('DELETE', `/v1/userspace-apps/${key.appId}`)).status, 204);
    const trashed = await get();
    assert.equal(trashed.status, 'trashed');
    assert.ok(trashed.purge_after && Date.parse(trashed.purge_after) > Date.now() + 29 * 86400_000);
    const listed = await d.api<{ items: UserspaceApp[] }>('GET', '/v1/userspace-apps');
    assert.ok(!listed.body.items.some((a) => a.id === key.appId));
    const trash = await d.api<{ items: UserspaceApp[] }>('GET', '/v1/userspace-apps?trashed=true');
    assert.deepEqual(
      trash.body.items.map((a) => a.id),
      [key.appId],
    );
    const update = await upload(d.url, d.token, (await makePackage({ key, version: 9 })).bytes);
    assert.equal(update.status, 409);
    const restored = await d.api<UserspaceApp>('POST', `/v1/userspace-apps/${key.appId}/restore`);
    assert.equal(restored.body.status, 'active');
    assert.equal(fs.readFileSync(path.join(data, 'notes.json'), 'utf8'), '["keep me"]');

    const ask = await d.api<{ error: { code: string; details: PurgePlan } }>(
      'DELETE',
      `/v1/userspace-apps/${key.appId}?purge=true`,
    );
    assert.equal(ask.status, 400);
    assert.equal(ask.body.error.code, 'confirmation_required');
    assert.ok(ask.body.error.details.paths.includes(data));
    assert.ok(ask.body.error.details.bytes > 0);
    assert.equal(fs.existsSync(data), true);
    const purged = await d.api<PurgePlan>(
      'DELETE',
      `/v1/userspace-apps/${key.appId}?purge=true&confirm=true`,
    );
    assert.equal(purged.status, 200);
    assert.deepEqual(purged.body.paths, ask.body.error.details.paths);
    assert.equal(fs.existsSync(data), false);
    assert.equal((await d.api('GET', `/v1/userspace-apps/${key.appId}`)).status, 404);
    const audit = await d.api<{ items: { action: string; target: { id: string } | null }[] }>(
      'GET',
      `/v1/audit?limit=100&action=userspace.*`,
    );
    const actions = audit.body.items.filter((e) => e.target?.id === key.appId).map((e) => e.action);
    for (const a of [
      'installed',
      'updated',
      'pending_consent',
      'consented',
      'rolled_back',
      'uninstalled',
      'restored',
      'purged',
    ]) {
      assert.ok(
        actions.includes(`userspace.${a}`),
        `audit has userspace.${a}: ${actions.join(' ')}`,
      );
    }
  });
});

describe('userspace apps: first-party keys', () => {
  const d = suiteDaemon();
  const firstParty = generateAppKey();

  it('makes only a pinned key first-party, and keeps its app from being taken over', async () => {
    const pin = await d.api<{ app_id: string }>('POST', '/v1/admin/publisher-keys', {
      public_key: firstParty.publicKey.toString('base64'),
      note: 'our files app',
    });
    assert.equal(pin.status, 201, JSON.stringify(pin.body));
    assert.equal(pin.body.app_id, firstParty.appId);
    const installed = await upload(
      d.url,
      d.token,
      (await makePackage({ key: firstParty, version: 1, permissions: ['app.kv', 'app.notify'] }))
        .bytes,
    );
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    assert.equal(installed.body.app.provenance, 'first-party');
    assert.equal(installed.body.outcome, 'installed', 'app.notify is in the first-party ceiling');

    const user = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'mallory',
      owner: 'mallory',
    });
    const attempts: [string, Buffer, string, number][] = [
      [
        'its id, signed by another key',
        (await makePackage({ key: firstParty, version: 2, signWith: generateAppKey() })).bytes,
        d.token,
        400,
      ],
      [
        'by another owner, even with a good signature',
        (await makePackage({ key: firstParty, version: 3 })).bytes,
        user.body.token,
        403,
      ],
    ];
    for (const [label, bytes, token, status] of attempts) {
      const res = await upload(d.url, token, bytes);
      assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
    }
    const claimed = await upload(
      d.url,
      d.token,
      (await makePackage({ key: generateAppKey(), version: 1 })).bytes,
      '?provenance=first-party',
    );
    assert.equal(claimed.status, 400, 'the public endpoint has no way to claim a tier');
    const app = await d.api<UserspaceApp>('GET', `/v1/userspace-apps/${firstParty.appId}`);
    assert.equal(app.body.version, 1);
    assert.equal(app.body.provenance, 'first-party');
    assert.equal(
      (await d.api('GET', `/v1/userspace-apps/${firstParty.appId}`, undefined, user.body.token))
        .status,
      404,
    );

    const mine = await d.api<{ items: unknown[] }>(
      'GET',
      '/v1/admin/publisher-keys',
      undefined,
      user.body.token,
    );
    assert.equal(mine.status, 403);
    assert.equal(
      (await d.api('DELETE', `/v1/admin/publisher-keys/${firstParty.appId}`)).status,
      204,
    );
    const dropped = await d.api<UserspaceApp>('GET', `/v1/userspace-apps/${firstParty.appId}`);
    assert.equal(dropped.body.provenance, 'user-uploaded');
  });
});
