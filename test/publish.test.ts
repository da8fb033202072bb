/**
 * Publishing a build app as a userspace app (issue 15), through the real daemon: the manifest's
 * build in the app's sandbox, a snapshot, the package made from it and signed with the app's
 * own key, installed by the userspace installer; its provenance derived from the record.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  contentDigest,
  extractPackage,
  inspectPackage,
  parsePackageManifest,
  verifyPackage,
} from '@paddock/app-package';
import type {
  InstallResult,
  LaunchResult,
  PublishSection,
  Task,
  UserspaceApp,
} from '@paddock/shared';
import type { SnapshotManifest } from '@paddock/snapshots';
import { packageFiles } from '../packages/daemon/src/publish/packageFiles.js';
import { rawRequest, splitLaunchUrl } from './appOriginClient.js';
import { suiteDaemon, tempDataDir } from './harness.js';
import { runCli, type CliRun } from './cliRunner.js';
import { waitFor } from './previewClient.js';

interface App {
  id: string;
  name: string;
  sandbox: { id: string };
}
interface Err {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const scratch = tempDataDir();
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('publish: a build app becomes a signed userspace app', () => {
  const d = suiteDaemon();

  const createApp = async (name: string, preset: string) => {
    const res = await d.api<App>('POST', '/v1/apps', { name, preset });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const publish = (id: string, token?: string) =>
    d.api<InstallResult & Err>('POST', `/v1/apps/${id}/publish`, {}, token);
  const put = (sandbox: string, file: string, body: string, token = d.token) =>
    fetch(`${d.url}/v1/sandboxes/${sandbox}/files?path=${file}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body,
    });
  const runTask = async (sandbox: string, script: string): Promise<Task> => {
    const started = await d.api<Task>('POST', `/v1/sandboxes/${sandbox}/tasks`, {
      provider: 'command',
      input: { script },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return waitFor(
      'the task to finish',
      async () => {
        const t = (await d.api<Task>('GET', `/v1/tasks/${started.body.id}`)).body;
        return ['queued', 'running'].includes(t.status) ? undefined : t;
      },
      300_000,
    );
  };
  /** The CLI (`paddock …`) against the suite's daemon. */
  const cli = (args: string[]): Promise<CliRun> =>
    runCli(args, { HOME: scratch, PADDOCK_URL: d.url, PADDOCK_TOKEN: d.token }, { cwd: scratch });
  /** The current package, downloaded and checked as any installer checks it, and by the CLI. */
  const download = async (app: UserspaceApp) => {
    const res = await fetch(`${d.url}/v1/userspace-apps/${app.id}/package`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(res.status, 200);
    const file = path.join(scratch, `${app.id}-${app.version}.paddockapp`);
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const listing = await inspectPackage(file);
    const parsed = parsePackageManifest(listing.manifest.toString('utf8'));
    assert.ok(parsed.valid, JSON.stringify(parsed));
    const signer = verifyPackage(listing.signature, await contentDigest(listing, file), app.id);
    assert.equal(signer.publicKey.toString('base64'), app.publisher_key);
    const verified = await cli(['pkg', 'verify', file]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /signature OK/);
    assert.match(verified.stdout, new RegExp(`app id\\s+${app.id}`));
    const dir = path.join(scratch, `${app.id}-${app.version}`);
    await extractPackage(file, listing, dir);
    return { manifest: parsed.manifest, listing, dir };
  };

  let changed: App;
  let taskId: string;
  let published: UserspaceApp;

  it('publishes a react-vite app a command task changed as ai-generated, with the task', async () => {
    changed = await createApp('shop', 'react-vite');
    const task = await runTask(
      changed.sandbox.id,
      "sed -i 's/Hello from React + Vite/Published by a task/' src/App.tsx",
    );
    assert.equal(task.status, 'succeeded', task.status_reason ?? '');
    taskId = task.id;

    const res = await publish(changed.id);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'installed');
    published = res.body.app;
    assert.equal(published.provenance, 'ai-generated');
    assert.equal(published.app_type, 'web');
    assert.equal(published.version, 1);
    assert.equal(published.name, 'shop');
    assert.equal(published.source.kind, 'publish');
    assert.equal(published.source.build_app_id, changed.id);
    assert.deepEqual(published.source.task_ids, [taskId]);
    const snapshot = await d.api<{ status: string; app_id: string; name: string }>(
      'GET',
      `/v1/snapshots/${published.source.snapshot_id}`,
    );
    assert.equal(snapshot.status, 200, 'the source snapshot is kept');
    assert.equal(snapshot.body.app_id, changed.id);
    assert.equal(snapshot.body.name, 'publish 1');
  });

  it('makes a package of the build output that verifies, signed by the app’s own key', async () => {
    const { manifest, listing, dir } = await download(published);
    assert.equal(manifest.id, published.id);
    assert.equal(manifest.entry, 'index.html');
    assert.equal(manifest.app_type, 'web');
    assert.equal(manifest.min_upgradable_version, 1);
    assert.deepEqual(manifest.permissions, []);
    const paths = listing.entries.filter((e) => e.type === 'file').map((e) => e.path);
    assert.ok(paths.includes('index.html'));
    assert.ok(
      paths.every((p) => !p.startsWith('src/') && !p.includes('node_modules')),
      `only dist/: ${paths.join(', ')}`,
    );
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    // Relative asset URLs (the template's base: './'): the bundle works under /t/{token}/.
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    assert.match(fs.readFileSync(path.join(dir, script), 'utf8'), /Published by a task/);
    // Never first-party: the admin cannot pin a key Paddock made.
    const pin = await d.api<Err>('POST', '/v1/admin/publisher-keys', {
      public_key: published.publisher_key,
    });
    assert.equal(pin.status, 409, JSON.stringify(pin.body));
    assert.equal(pin.body.error.code, 'publisher_key_not_pinnable');
  });

  it('serves the published bundle on its own origin: the entry and its assets under the token path', async () => {
    const launched = await d.api<LaunchResult>('POST', `/v1/userspace-apps/${published.id}/launch`);
    assert.equal(launched.status, 200, JSON.stringify(launched.body));
    const { host, path: entry } = splitLaunchUrl(launched.body.url);
    const page = await rawRequest(d.url, host, entry);
    assert.equal(page.status, 200);
    const assets = [...page.body.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(
      assets.some((a) => a.endsWith('.js')),
      page.body,
    );
    for (const asset of assets) {
      const res = await rawRequest(d.url, host, entry.replace(/index\.html$/, asset), {
        headers: { origin: 'null' },
      });
      assert.equal(res.status, 200, asset);
      assert.equal(res.headers['access-control-allow-origin'], '*');
    }
  });

  it('updates the same userspace app on the next publish, across a master key rotation', async () => {
    const rotated = await d.api('POST', '/v1/system/secrets/rotate', {});
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    // Through the CLI this time: `paddock app publish ID` prints `OUTCOME ID VERSION`.
    const again = await cli(['app', 'publish', changed.id]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), `updated\t${published.id}\t2 (2)`, 'the same key');
    const app = (await d.api<UserspaceApp>('GET', `/v1/userspace-apps/${published.id}`)).body;
    assert.equal(app.version, 2);
    assert.equal(app.provenance, 'ai-generated');
    assert.notEqual(app.source.snapshot_id, published.source.snapshot_id);
    await download(app);
  });

  it('publishes an untouched app as user-uploaded, and a fork of the changed one as ai-generated', async () => {
    const untouched = await createApp('plain', 'react-vite');
    const plain = await publish(untouched.id);
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    assert.equal(plain.body.app.provenance, 'user-uploaded');
    assert.deepEqual(plain.body.app.source.task_ids, []);
    assert.notEqual(plain.body.app.id, published.id, 'its own key');

    const fork = await d.api<App>('POST', `/v1/apps/${changed.id}/fork`, {
      snapshot_id: published.source.snapshot_id,
      name: 'shop fork',
    });
    assert.equal(fork.status, 201, JSON.stringify(fork.body));
    const forked = await publish(fork.body.id);
    assert.equal(forked.status, 201, JSON.stringify(forked.body));
    assert.equal(forked.body.app.provenance, 'ai-generated');
    assert.deepEqual(forked.body.app.source.task_ids, [taskId]);
    assert.notEqual(forked.body.app.id, published.id, 'a fork is another app, with its own key');
  });

  it('says why a publish cannot be made: no publish section, a failing build, a missing output', async () => {
    const site = await createApp('site', 'static');
    const manifest = (extra: string) =>
      ['version: 1', 'web:', '  command: node --watch server.js', '  port: 8080', extra].join('\n');
    const cases: [string, string, number, string, RegExp][] = [
      ['no publish section', manifest(''), 400, 'publish_manifest_invalid', /no publish section/],
      [
        'a failing build',
        manifest('build:\n  command: echo boom >&2; exit 3\npublish:\n  output: public\n'),
        409,
        'publish_build_failed',
        /exited with 3/,
      ],
      [
        'a missing output',
        manifest("build:\n  command: ''\npublish:\n  output: dist\n"),
        409,
        'publish_output_invalid',
        /no `dist` directory/,
      ],
      [
        'a missing entry',
        manifest("build:\n  command: ''\npublish:\n  output: public\n  entry: app.html\n"),
        409,
        'publish_output_invalid',
        /app\.html/,
      ],
    ];
    for (const [label, yaml, status, code, message] of cases) {
      assert.equal((await put(site.sandbox.id, 'sandbox.yaml', yaml)).status, 200);
      const res = await publish(site.id);
      assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, label);
      assert.match(res.body.error.message, message, label);
      if (code === 'publish_build_failed') {
        assert.equal(res.body.error.details?.exit_code, 3);
        assert.match(String(res.body.error.details?.output_tail), /boom/);
      }
    }
    const list = await d.api<{ items: UserspaceApp[] }>('GET', '/v1/userspace-apps');
    assert.ok(!list.body.items.some((a) => a.source.build_app_id === site.id), 'nothing installed');
    const audit = await d.api<{
      items: { action: string; outcome: string; target: { id: string } }[];
    }>('GET', '/v1/audit?action=app.publish&limit=100');
    assert.ok(
      audit.body.items.some((e) => e.target.id === site.id && e.outcome === 'failed'),
      JSON.stringify(audit.body).slice(0, 500),
    );
  });

  it('turns an app ai-generated once an agent key writes to it, however it is published', async () => {
    const site = await createApp('notes', 'static');
    const first = await publish(site.id);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.app.provenance, 'user-uploaded', 'the preset’s publish section');
    const agent = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'an agent',
      role: 'agent',
    });
    const wrote = await put(
      site.sandbox.id,
      'public/index.html',
      '<h1>by an agent</h1>',
      agent.body.token,
    );
    assert.equal(wrote.status, 200);
    // Published by its owner's own key: the record, not the caller, says who changed it.
    const second = await publish(site.id);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.app.provenance, 'ai-generated');
    assert.deepEqual(second.body.app.source.task_ids, []);
    const { dir } = await download(second.body.app);
    assert.equal(fs.readFileSync(path.join(dir, 'index.html'), 'utf8'), '<h1>by an agent</h1>');
  });

  it('refuses another owner’s app as not found', async () => {
    const bob = await d.api<{ token: string }>('POST', '/v1/api-keys', {
      name: 'bob',
      owner: 'bob',
    });
    const res = await publish(changed.id, bob.body.token);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
  });
});

describe('publish: which files a package holds', () => {
  const file = (p: string, size = 3) => ({
    path: p,
    type: 'file' as const,
    mode: 0o644,
    mtime_ms: 0,
    size,
    sha256: 'a'.repeat(64),
  });
  const dir = (p: string) => ({ path: p, type: 'dir' as const, mode: 0o755, mtime_ms: 0 });
  const snapshot = (entries: SnapshotManifest['entries']): SnapshotManifest => ({
    version: 1,
    entries,
  });
  const web: PublishSection = {
    type: 'web',
    output: 'dist',
    entry: 'index.html',
    permissions: [],
    optional_permissions: [],
  };
  const service: PublishSection = { type: 'service', permissions: [], optional_permissions: [] };
  const refused = (fn: () => unknown, message: RegExp) =>
    assert.throws(fn, (err: { code?: string; message: string }) => {
      assert.equal(err.code, 'publish_output_invalid');
      assert.match(err.message, message);
      return true;
    });

  it('takes a web app’s output directory, re-rooted, and nothing else', () => {
    const files = packageFiles(
      snapshot([
        dir('dist'),
        dir('dist/assets'),
        file('dist/assets/app.js'),
        file('dist/index.html'),
        file('index.html'),
        dir('src'),
        file('src/main.tsx'),
      ]),
      web,
      new Set(),
    );
    assert.deepEqual(
      files.map((f) => f.path),
      ['assets/app.js', 'index.html'],
    );
  });

  it('takes a service app’s workspace less history, installs and caches', () => {
    const files = packageFiles(
      snapshot([
        dir('.git'),
        file('.git/HEAD'),
        file('sandbox.yaml'),
        file('server.js'),
        dir('lib'),
        dir('lib/__pycache__'),
        file('lib/__pycache__/x.pyc'),
        file('lib/util.js'),
        dir('.build-cache'),
        file('.build-cache/x'),
      ]),
      service,
      new Set(['.build-cache']),
    );
    assert.deepEqual(
      files.map((f) => f.path),
      ['sandbox.yaml', 'server.js', 'lib/util.js'],
    );
  });

  it('refuses what a package may not hold, naming it', () => {
    refused(() => packageFiles(snapshot([file('index.html')]), web, new Set()), /no `dist`/);
    refused(
      () =>
        packageFiles(
          snapshot([
            dir('dist'),
            file('dist/index.html'),
            { path: 'dist/l', type: 'symlink', target: '/etc', mtime_ms: 0 },
          ]),
          web,
          new Set(),
        ),
      /dist\/l is a link/,
    );
    refused(
      () => packageFiles(snapshot([dir('dist'), file('dist/main.html')]), web, new Set()),
      /entry index\.html/,
    );
    refused(
      () =>
        packageFiles(
          snapshot([dir('dist'), file('dist/index.html'), file('dist/paddock-app.json')]),
          web,
          new Set(),
        ),
      /paddock-app\.json/,
    );
    refused(
      () =>
        packageFiles(
          snapshot([dir('dist'), file('dist/index.html'), file('dist/node_modules/x.js')]),
          web,
          new Set(),
        ),
      /node_modules/,
    );
    refused(
      () =>
        packageFiles(snapshot([file('server.js')]), { ...service, icon: 'icon.png' }, new Set()),
      /icon icon\.png/,
    );
    refused(
      () => packageFiles(snapshot([file('big.bin', 300 * 1024 * 1024)]), service, new Set()),
      /over 67108864 bytes/,
    );
  });
});
