import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNpmRegistry, type NpmRegistry } from './fixtures/npm-registry/npmRegistry.js';
import { buildWheel, startPypiIndex, type PypiIndex } from './fixtures/pypi-index/pypiIndex.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { openPreview, previewGet, waitFor } from './previewClient.js';
import { selfSignedCertificate } from './testCertificate.js';

interface Rule {
  host: string;
  action: 'allow' | 'deny';
  source: string;
}
interface Policy {
  allow: string[];
  deny: string[];
  rules: Rule[];
}
interface App {
  id: string;
  sandbox: {
    id: string;
    preview: { url: string } | null;
    processes: { kind: string; status: string; health: string | null }[];
  };
}

const PRESETS = path.resolve(import.meta.dirname, '../packages/presets/templates');

/**
 * Package installs from inside sandboxes, through the egress proxy, allowed by the preset's
 * egress baseline: a real npm registry (verdaccio) and a PEP 503 index on loopback under the
 * real registries' names, their certificate trusted through PADDOCK_SANDBOX_EXTRA_CA.
 */
describe('registry egress: the preset baseline lets npm and pip reach their registries', () => {
  const dataDir = tempDataDir();
  const npmCert = selfSignedCertificate('registry.npmjs.org');
  const pypiCert = selfSignedCertificate('pypi.org', ['files.pythonhosted.org']);
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-extra-ca-'));
  const caFile = path.join(caDir, 'registries.pem');
  let npm: NpmRegistry | undefined;
  let pypi: PypiIndex | undefined;
  let d: TestDaemon;

  const sh = async (sb: string, command: string) => {
    const r = await d.api<{ stdout: string; stderr: string; exit_code: number }>(
      'POST',
      `/v1/sandboxes/${sb}/exec`,
      { command, timeout_ms: 180_000 },
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const policy = async (appId: string) =>
    (await d.api<Policy>('GET', `/v1/apps/${appId}/egress`)).body;
  const createApp = async (name: string, preset: string) => {
    const r = await d.api<App>('POST', '/v1/apps', { name, preset });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const putManifest = async (sb: string, body: string) => {
    const r = await fetch(`${d.url}/v1/sandboxes/${sb}/files?path=sandbox.yaml`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body,
    });
    assert.equal(r.status, 200);
  };

  before(async () => {
    npm = await startNpmRegistry({ host: 'registry.npmjs.org', ...npmCert });
    await npm.publish({
      name: 'paddock-probe',
      version: '1.0.0',
      files: { 'index.js': 'module.exports = "probe from the loopback registry";\n' },
    });
    const wheel = buildWheel(
      'paddock-probe',
      '1.0.0',
      'ANSWER = "probe from the loopback index"\n',
    );
    pypi = await startPypiIndex({
      indexHost: 'pypi.org',
      filesHost: 'files.pythonhosted.org',
      ...pypiCert,
      wheels: [wheel],
    });
    fs.writeFileSync(caFile, Buffer.concat([npmCert.cert, pypiCert.cert]));
    d = await startDaemon({
      dataDir,
      env: {
        PADDOCK_EGRESS_RESOLVE: [
          `registry.npmjs.org=127.0.0.1:${npm.port}`,
          `pypi.org=127.0.0.1:${pypi.port}`,
          `files.pythonhosted.org=127.0.0.1:${pypi.port}`,
        ].join(','),
        PADDOCK_SANDBOX_EXTRA_CA: caFile,
      },
    });
  });
  after(async () => {
    await d?.stop();
    await destroyEverything(dataDir);
    await npm?.close();
    await pypi?.close();
    npmCert.remove();
    pypiCert.remove();
    fs.rmSync(caDir, { recursive: true, force: true });
  });

  it('warns at start that sandboxes trust the extra CAs', () => {
    const line = d
      .output()
      .split('\n')
      .find((l) => l.includes('PADDOCK_SANDBOX_EXTRA_CA is set'));
    assert.ok(line, 'a warning names the variable');
    const entry = JSON.parse(line) as { level: number; file: string; subjects: string[] };
    assert.equal(entry.level, 40, 'logged as a warning');
    assert.equal(entry.file, caFile);
    assert.deepEqual(entry.subjects, ['CN=registry.npmjs.org', 'CN=pypi.org']);
  });

  it('installs from npm in a react-vite sandbox until the app denies the registry', async () => {
    const app = await createApp('npm-probe', 'react-vite');
    const sb = app.sandbox.id;
    const before = await policy(app.id);
    assert.deepEqual(before.allow, [], "the app's own lists are empty");
    assert.deepEqual(before.rules, [
      { host: 'registry.npmjs.org', action: 'allow', source: 'manifest' },
    ]);

    // curl and node trust the registry's certificate through the sandbox's bundle.
    const meta = await sh(sb, 'curl -sS https://registry.npmjs.org/paddock-probe');
    assert.equal(meta.exit_code, 0, meta.stderr);
    assert.equal((JSON.parse(meta.stdout) as { name: string }).name, 'paddock-probe');
    const install = await sh(
      sb,
      'npm install --prefix /tmp/probe --cache /tmp/npm-cache --no-audit --no-fund paddock-probe ' +
        '&& node -p "require(\'/tmp/probe/node_modules/paddock-probe\')"',
    );
    assert.equal(install.exit_code, 0, install.stderr);
    assert.match(install.stdout, /probe from the loopback registry/);

    // The app denies what the manifest allows: the deny wins, and both rules are listed.
    const put = await d.api<Policy>('PUT', `/v1/apps/${app.id}/egress`, {
      allow: [],
      deny: ['registry.npmjs.org'],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.rules, [
      { host: 'registry.npmjs.org', action: 'allow', source: 'manifest' },
      { host: 'registry.npmjs.org', action: 'deny', source: 'app' },
    ]);
    const denied = await sh(
      sb,
      'npm install --prefix /tmp/probe2 --cache /tmp/npm-cache2 --no-audit --no-fund ' +
        '--fetch-retries 0 paddock-probe',
    );
    assert.notEqual(denied.exit_code, 0, 'npm install fails');
    assert.match(denied.stderr, /403/);
    const header = await sh(sb, 'curl -s -D - -o /dev/null https://registry.npmjs.org/');
    assert.match(header.stdout, /x-paddock-egress-denied: denied by rule/i);
  });

  it("follows the sandbox's current manifest, which can drop the baseline but never widen it", async () => {
    const app = await createApp('manifest-probe', 'react-vite');
    const sb = app.sandbox.id;
    const original = fs.readFileSync(path.join(PRESETS, 'react-vite/sandbox.yaml'), 'utf8');
    const withoutEgress = original.replace(/^egress:[\s\S]*$/m, 'egress:\n  allow: []\n');
    assert.notEqual(withoutEgress, original);
    await putManifest(sb, withoutEgress);
    await waitFor('the baseline gone', async () => (await policy(app.id)).rules.length === 0);
    const header = await sh(sb, 'curl -s -D - -o /dev/null https://registry.npmjs.org/');
    assert.match(header.stdout, /x-paddock-egress-denied: not allowed/i);
    // An invalid manifest changes nothing: the last valid one stays in force.
    await putManifest(sb, original.replace('registry.npmjs.org', 'https://registry.npmjs.org/'));
    await waitFor('the manifest refused', async () => {
      const a = await d.api<{ sandbox: { manifest: { errors: { path: string }[] } } }>(
        'GET',
        `/v1/apps/${app.id}`,
      );
      return a.body.sandbox.manifest.errors.some((e) => e.path === 'egress.allow[0]');
    });
    assert.deepEqual((await policy(app.id)).rules, []);
    // Code in the sandbox can write sandbox.yaml: a host the preset does not list is ignored.
    await putManifest(
      sb,
      original.replace('registry.npmjs.org', 'registry.npmjs.org\n    - pypi.org'),
    );
    await waitFor('the widened manifest applied', async () => {
      const a = await d.api<{ sandbox: { manifest: { errors: unknown[] } } }>(
        'GET',
        `/v1/apps/${app.id}`,
      );
      return a.body.sandbox.manifest.errors.length === 0;
    });
    assert.deepEqual((await policy(app.id)).rules, [
      { host: 'registry.npmjs.org', action: 'allow', source: 'manifest' },
    ]);
    const widened = await sh(sb, 'curl -s -D - -o /dev/null https://pypi.org/simple/');
    assert.match(widened.stdout, /x-paddock-egress-denied: not allowed/i);
    await putManifest(sb, original);
    await waitFor('the baseline back', async () => (await policy(app.id)).rules.length === 1);
    const meta = await sh(
      sb,
      'curl -sS -o /dev/null -w "%{http_code}" https://registry.npmjs.org/paddock-probe',
    );
    assert.equal(meta.stdout, '200', meta.stderr);
  });

  it('lets an app add a package from the registry that its preview serves, and its fork too', async () => {
    const healthy = (id: string) =>
      waitFor(
        `app ${id} healthy`,
        async () => {
          const a = (await d.api<App>('GET', `/v1/apps/${id}`)).body;
          const web = a.sandbox.processes.find((p) => p.kind === 'web');
          return web?.status === 'running' && web.health === 'ready' ? a : undefined;
        },
        180_000,
      );
    /** The module Vite serves for `src/probe.js`, then the package it imports, via the preview. */
    const servedProbe = async (app: App): Promise<string> => {
      const { cookie } = await openPreview(d.url, app.sandbox.preview!.url);
      const url = app.sandbox.preview!.url;
      return waitFor(
        'the preview to serve the package',
        async () => {
          const mod = await previewGet(d.url, url, { cookie, path: '/src/probe.js' });
          const dep = /from\s+"([^"]*paddock-probe[^"]*)"/.exec(mod.body)?.[1];
          if (mod.status !== 200 || dep === undefined) return undefined;
          const pkg = await previewGet(d.url, url, { cookie, path: dep });
          return pkg.status === 200 ? pkg.body : undefined;
        },
        120_000,
      );
    };
    const app = await healthy((await createApp('probe-shop', 'react-vite')).id);
    const sb = app.sandbox.id;
    // As an agent would: npm install from the registry, through the egress proxy.
    const install = await sh(sb, 'npm install --no-audit --no-fund paddock-probe');
    assert.equal(install.exit_code, 0, `${install.stdout}\n${install.stderr}`);
    assert.match((await sh(sb, 'cat package.json')).stdout, /"paddock-probe": "\^1\.0\.0"/);
    const write = await fetch(`${d.url}/v1/sandboxes/${sb}/files?path=src/probe.js`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' },
      body: "import probe from 'paddock-probe';\nexport default probe;\n",
    });
    assert.equal(write.status, 200);
    assert.match(await servedProbe(app), /probe from the loopback registry/);

    // A snapshot leaves node_modules out: the fork installs from its lockfile, in its sandbox,
    // through the registry again.
    const snap = await d.api<{ id: string }>('POST', `/v1/sandboxes/${sb}/snapshots`, {
      name: 'with the probe',
    });
    assert.equal(snap.status, 201, JSON.stringify(snap.body));
    const requestsBefore = npm!.requests.length;
    const fork = await d.api<App>('POST', `/v1/apps/${app.id}/fork`, {
      snapshot_id: snap.body.id,
      name: 'probe-shop copy',
    });
    assert.equal(fork.status, 201, JSON.stringify(fork.body));
    const forked = await healthy(fork.body.id);
    assert.match(await servedProbe(forked), /probe from the loopback registry/);
    assert.ok(
      npm!.requests.slice(requestsBefore).some((r) => r.includes('paddock-probe')),
      'the fork fetched the package from the registry',
    );
  });

  it("installs from the Python index into a fastapi app's .venv", async () => {
    const app = await createApp('pip-probe', 'fastapi');
    const sb = app.sandbox.id;
    assert.deepEqual((await policy(app.id)).rules, [
      { host: 'pypi.org', action: 'allow', source: 'manifest' },
      { host: 'files.pythonhosted.org', action: 'allow', source: 'manifest' },
    ]);
    const install = await sh(
      sb,
      // A plain `pip install`, as an agent would type it: into the app's own .venv.
      'pip install --disable-pip-version-check --no-cache-dir paddock-probe ' +
        '&& .venv/bin/python -c "import paddock_probe; print(paddock_probe.ANSWER)"',
    );
    assert.equal(install.exit_code, 0, `${install.stdout}\n${install.stderr}`);
    assert.match(install.stdout, /probe from the loopback index/);
    assert.ok(pypi!.requests.includes('pypi.org /simple/paddock-probe/'), 'the index was asked');
    assert.ok(
      pypi!.requests.some((r) => r.startsWith('files.pythonhosted.org /packages/')),
      'the wheel came from the files host',
    );
  });

  it('gives a standalone sandbox without a preset no baseline', async () => {
    const sb = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
    const own = await d.api<Policy>('GET', `/v1/sandboxes/${sb}/egress`);
    assert.deepEqual(own.body.rules, []);
    const header = await sh(sb, 'curl -s -D - -o /dev/null https://pypi.org/simple/');
    assert.match(header.stdout, /x-paddock-egress-denied: not allowed/i);
  });
});
