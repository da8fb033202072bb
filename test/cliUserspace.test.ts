/**
 * The CLI's userspace commands against a real daemon: a directory built and signed with
 * `paddock pkg build`, installed, listed, updated, rolled back and uninstalled with `paddock
 * userspace`, and the downloaded package verified with `paddock pkg verify`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { suiteDaemon } from './harness.js';
import { runCli } from './cliRunner.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('paddock userspace, against the daemon', () => {
  const d = suiteDaemon();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-cli-us-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const run = (args: string[]): Promise<Run> =>
    runCli(args, { HOME: tmp, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token }, { cwd: tmp });
  const writeApp = (version: number) => {
    const dir = path.join(tmp, 'notes');
    fs.mkdirSync(dir, { recursive: true });
    const manifestFile = path.join(dir, 'paddock-app.json');
    const id = fs.existsSync(manifestFile)
      ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { id?: string }).id
      : undefined;
    fs.writeFileSync(
      manifestFile,
      JSON.stringify({
        ...(id ? { id } : {}),
        name: 'Notes',
        version,
        version_label: `${version}.0`,
        min_upgradable_version: 1,
        app_type: 'web',
        entry: 'index.html',
        description: 'Notes.',
        permissions: ['app.kv'],
        optional_permissions: [],
      }),
    );
    fs.writeFileSync(path.join(dir, 'index.html'), `<h1>v${version}</h1>`);
    return dir;
  };
  const key = () => path.join(tmp, 'notes.key');
  let appId = '';

  it('builds, installs and lists', async () => {
    const built = await run(['pkg', 'build', writeApp(1), '--key', key(), '--set-id']);
    assert.equal(built.code, 0, built.stderr);
    const file = path.join(tmp, 'Notes-1.paddockapp');
    assert.ok(fs.existsSync(file), built.stdout + built.stderr);
    const installed = await run(['userspace', 'install', file, '--json']);
    assert.equal(installed.code, 0, installed.stderr);
    const result = JSON.parse(installed.stdout) as { outcome: string; app: { id: string } };
    assert.equal(result.outcome, 'installed');
    appId = result.app.id;
    const listed = await run(['userspace', 'ls']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(appId.slice(0, 12)));
  });

  it('updates, rolls back, and verifies the package the daemon serves', async () => {
    assert.equal((await run(['pkg', 'build', writeApp(2), '--key', key()])).code, 0);
    const updated = await run([
      'userspace',
      'update',
      path.join(tmp, 'Notes-2.paddockapp'),
      '--json',
    ]);
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal((JSON.parse(updated.stdout) as { outcome: string }).outcome, 'updated');
    const back = await run(['userspace', 'rollback', appId]);
    assert.equal(back.code, 0, back.stderr);
    const res = await fetch(`${d.url}/v1/userspace-apps/${appId}/package`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    const served = path.join(tmp, 'served.paddockapp');
    fs.writeFileSync(served, Buffer.from(await res.arrayBuffer()));
    const verified = await run(['pkg', 'verify', served]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(appId));
  });

  it('uninstalls to the trash, and purges only with --yes after showing what would go', async () => {
    const trashed = await run(['userspace', 'uninstall', appId]);
    assert.equal(trashed.code, 0, trashed.stderr);
    const preview = await run(['userspace', 'uninstall', appId, '--purge']);
    assert.equal(preview.code, 1);
    assert.match(preview.stdout + preview.stderr, /userspace\/code/);
    assert.equal((await d.api('GET', `/v1/userspace-apps/${appId}`)).status, 200);
    const purged = await run(['userspace', 'uninstall', appId, '--purge', '--yes']);
    assert.equal(purged.code, 0, purged.stderr);
    assert.equal((await d.api('GET', `/v1/userspace-apps/${appId}`)).status, 404);
  });
});
