/**
 * An app's own dependencies (ADR 0016), through the daemon's API: `npm install` in a react-vite
 * app and `pip install` in a fastapi app, by exec, with no registry (a tarball made with
 * `npm pack`, a wheel zipped here), kept across a restart and brought back by a fork and a
 * restore, while the shared cache and the other apps of the preset stay as they were.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { suiteDaemon } from './harness.js';
import { healthyApp as appHealthy } from './previewClient.js';

interface App {
  id: string;
  sandbox: { id: string; processes: { kind: string; status: string; health: string | null }[] };
}
interface Exec {
  exit_code: number;
  stdout: string;
  stderr: string;
}

const CACHE_DIR = '/var/cache/paddock';

/** Every file under the cache's react-vite entries, hashed, for "the shared cache is unchanged". */
function cacheDigest(): string {
  const hash = crypto.createHash('sha256');
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      hash.update(`${p} ${st.mode} ${st.uid} ${st.size} ${st.mtimeMs}\n`);
      if (st.isDirectory()) walk(p);
    }
  };
  for (const entry of fs.readdirSync(CACHE_DIR).filter((n) => n.startsWith('react-vite-'))) {
    walk(path.join(CACHE_DIR, entry));
  }
  return hash.digest('hex');
}

describe('app dependencies: installs of its own over the preset', () => {
  const d = suiteDaemon();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-deps-'));
  let tarball: Buffer;
  let wheel: Buffer;

  before(() => {
    const pkg = path.join(work, 'tiny');
    fs.mkdirSync(pkg);
    fs.writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: 'tiny', version: '1.0.0', main: 'index.js' }),
    );
    fs.writeFileSync(path.join(pkg, 'index.js'), "module.exports = 'tiny from npm';\n");
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: pkg });
    tarball = fs.readFileSync(path.join(work, 'tiny-1.0.0.tgz'));

    // A pure-Python wheel is a zip with the package and its dist-info.
    const whl = path.join(work, 'whl');
    fs.mkdirSync(path.join(whl, 'tiny'), { recursive: true });
    fs.mkdirSync(path.join(whl, 'tiny-0.1.dist-info'));
    fs.writeFileSync(path.join(whl, 'tiny', '__init__.py'), 'TEXT = "tiny from pip"\n');
    const info = path.join(whl, 'tiny-0.1.dist-info');
    fs.writeFileSync(
      path.join(info, 'METADATA'),
      'Metadata-Version: 2.1\nName: tiny\nVersion: 0.1\n',
    );
    fs.writeFileSync(
      path.join(info, 'WHEEL'),
      'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    );
    fs.writeFileSync(
      path.join(info, 'RECORD'),
      'tiny/__init__.py,,\ntiny-0.1.dist-info/METADATA,,\ntiny-0.1.dist-info/WHEEL,,\ntiny-0.1.dist-info/RECORD,,\n',
    );
    const out = path.join(work, 'tiny-0.1-py3-none-any.whl');
    execFileSync('python3', ['-m', 'zipfile', '-c', out, 'tiny', 'tiny-0.1.dist-info'], {
      cwd: whl,
    });
    wheel = fs.readFileSync(out);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const sh = async (sandbox: string, command: string): Promise<Exec> =>
    (
      await d.api<Exec>('POST', `/v1/sandboxes/${sandbox}/exec`, {
        command,
        timeout_ms: 300_000,
      })
    ).body;
  const put = async (sandbox: string, file: string, bytes: Buffer) => {
    const res = await fetch(
      `${d.url}/v1/sandboxes/${sandbox}/files?path=${encodeURIComponent(file)}`,
      { method: 'PUT', headers: { authorization: `Bearer ${d.token}` }, body: bytes },
    );
    assert.equal(res.status, 200, await res.text());
  };
  /** Created, and its web process healthy (so the boot's dependency work is over). */
  const healthyApp = async (body: object): Promise<App> => {
    const created = await d.api<App>('POST', '/v1/apps', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return healthy(created.body.id);
  };
  const healthy = (id: string): Promise<App> => appHealthy<App>(d, id);
  const snapshot = async (sandbox: string, name: string): Promise<string> => {
    const res = await d.api<{ id: string }>('POST', `/v1/sandboxes/${sandbox}/snapshots`, { name });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };
  const fork = async (appId: string, snapshotId: string, name: string): Promise<App> => {
    const res = await d.api<App>('POST', `/v1/apps/${appId}/fork`, {
      snapshot_id: snapshotId,
      name,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return healthy(res.body.id);
  };
  const requireTiny = `node -p "require('tiny')"`;

  it('npm install and uninstall in a react-vite app, kept across restarts, back after fork and restore', async () => {
    const app = await healthyApp({ name: 'shop', preset: 'react-vite' });
    const sb = app.sandbox.id;
    const cacheBefore = cacheDigest();

    await put(sb, 'tiny-1.0.0.tgz', tarball);
    const install = await sh(sb, 'npm install --offline --no-audit --no-fund ./tiny-1.0.0.tgz');
    assert.equal(install.exit_code, 0, install.stderr);
    assert.equal((await sh(sb, requireTiny)).stdout, 'tiny from npm\n');
    assert.match((await sh(sb, 'cat package.json')).stdout, /"tiny": "file:tiny-1.0.0.tgz"/);
    // The preset's own dependencies still work: the dev server's build check runs.
    const build = await sh(
      sb,
      'node_modules/.bin/tsc -b && node_modules/.bin/vite build --configLoader runner',
    );
    assert.equal(build.exit_code, 0, build.stderr);
    assert.equal(cacheDigest(), cacheBefore, 'the shared cache is unchanged');

    const other = await healthyApp({ name: 'other', preset: 'react-vite' });
    assert.notEqual((await sh(other.sandbox.id, requireTiny)).exit_code, 0, 'not in other apps');

    // Kept by the sandbox across a stop and a start (nothing installed again: same lockfile).
    assert.equal((await d.api('POST', `/v1/sandboxes/${sb}/stop`, {})).status, 200);
    assert.equal((await d.api('POST', `/v1/sandboxes/${sb}/start`, {})).status, 200);
    await healthy(app.id);
    assert.equal((await sh(sb, requireTiny)).stdout, 'tiny from npm\n');

    // A snapshot leaves node_modules out; its fork installs from the lockfile, in the sandbox.
    const withTiny = await snapshot(sb, 'with tiny');
    const forked = await fork(app.id, withTiny, 'shop copy');
    assert.equal((await sh(forked.sandbox.id, requireTiny)).stdout, 'tiny from npm\n');
    // So does a fork of the same snapshot exported as a tar and imported again.
    const exported = await fetch(`${d.url}/v1/snapshots/${withTiny}/export`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(exported.status, 200);
    const imported = await fetch(`${d.url}/v1/snapshots/import?name=tiny-tar`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/x-tar' },
      body: Buffer.from(await exported.arrayBuffer()),
    });
    assert.equal(imported.status, 201, await imported.clone().text());
    const { id: importedId } = (await imported.json()) as { id: string };
    const fromTar = await fork(app.id, importedId, 'shop from tar');
    assert.equal((await sh(fromTar.sandbox.id, requireTiny)).stdout, 'tiny from npm\n');

    const uninstall = await sh(sb, 'npm uninstall --offline --no-audit --no-fund tiny');
    assert.equal(uninstall.exit_code, 0, uninstall.stderr);
    assert.notEqual((await sh(sb, requireTiny)).exit_code, 0, 'uninstalled');
    assert.equal((await sh(sb, `node -p "require('react-dom/package.json').name"`)).exit_code, 0);

    // Restoring the snapshot brings the lockfile back, and the boot after it the package.
    const restored = await d.api('POST', `/v1/apps/${app.id}/restore`, {
      snapshot_id: withTiny,
      confirm: true,
    });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    await healthy(app.id);
    assert.equal((await sh(sb, requireTiny)).stdout, 'tiny from npm\n');
    assert.equal(cacheDigest(), cacheBefore, 'the shared cache is still unchanged');
  });

  it('pip install into a fastapi app’s own .venv, with Debian’s FastAPI still there', async () => {
    const app = await healthyApp({ name: 'api', preset: 'fastapi' });
    const sb = app.sandbox.id;
    const venv = await sh(
      sb,
      '.venv/bin/python -c "import sys; print(sys.prefix != sys.base_prefix)"',
    );
    assert.equal(venv.stdout, 'True\n', `the runtime made the venv: ${venv.stderr}`);

    await put(sb, 'tiny-0.1-py3-none-any.whl', wheel);
    const install = await sh(sb, 'pip install --no-index ./tiny-0.1-py3-none-any.whl');
    assert.equal(install.exit_code, 0, install.stderr);
    const imported = await sh(sb, '.venv/bin/python -c "import tiny, fastapi; print(tiny.TEXT)"');
    assert.equal(imported.stdout, 'tiny from pip\n', imported.stderr);
    assert.notEqual(
      (await sh(sb, '/usr/bin/python3 -c "import tiny"')).exit_code,
      0,
      'the system Python is left alone',
    );

    // Listed in requirements.txt, it comes back in a fork (whose .venv starts empty).
    const listed = await sh(sb, 'echo ./tiny-0.1-py3-none-any.whl >> requirements.txt');
    assert.equal(listed.exit_code, 0);
    const forked = await fork(app.id, await snapshot(sb, 'with tiny'), 'api copy');
    const again = await sh(
      forked.sandbox.id,
      '.venv/bin/python -c "import tiny; print(tiny.TEXT)"',
    );
    assert.equal(again.stdout, 'tiny from pip\n', again.stderr);
  });
});
