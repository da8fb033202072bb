/**
 * Integration: a writable mount is a layer of the sandbox's own over a shared, read-only
 * node_modules (ADR 0016). Real bubblewrap, overlayfs, loop mounts and a real `npm install` of
 * a tarball made here with `npm pack`, inside the sandbox, with no network.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentClient } from '@paddock/guest-agent';
import { DEFAULT_LIMITS, type WorkspaceMount } from '@paddock/shared';
import type { LocalDriver } from '../src/index.js';
import {
  destroyAll,
  exec,
  hostTraces,
  openTestDriver,
  readState,
  SMALL,
  waitFor,
  killIfThere,
} from './helpers.js';

/** A package dir with an entry point and a bin, packed into `<dir>/<name>-1.0.0.tgz`. */
function pack(dir: string, name: string): string {
  const src = path.join(dir, `${name}-src`);
  fs.mkdirSync(src);
  fs.writeFileSync(
    path.join(src, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', main: 'index.js', bin: { [name]: 'cli.js' } }),
  );
  fs.writeFileSync(path.join(src, 'index.js'), `module.exports = '${name} loaded';\n`);
  fs.writeFileSync(path.join(src, 'cli.js'), `#!/usr/bin/env node\nconsole.log('${name} cli');\n`);
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: src });
  return path.join(dir, `${name}-1.0.0.tgz`);
}

/** Every file under a dir with its content hash, for "the shared tree is unchanged". */
function treeDigest(dir: string): string {
  const hash = crypto.createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      hash.update(`${path.relative(dir, p)} ${st.mode} ${st.uid} ${st.size}\n`);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) hash.update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

async function put(driver: LocalDriver, id: string, file: string, content: Buffer | string) {
  const client = new AgentClient(driver.agentEndpoint(id));
  try {
    await client.writeFile(file, typeof content === 'string' ? Buffer.from(content) : content);
  } finally {
    client.close();
  }
}

/** Live processes running as a sandbox's uid. */
function processesOf(uid: number): number[] {
  return fs.readdirSync('/proc').flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    try {
      const status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
      const mine = new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status);
      return mine && !/^State:\s+Z/m.test(status) ? [Number(name)] : [];
    } catch {
      return []; // gone
    }
  });
}

const NPM = 'npm --offline --no-audit --no-fund --loglevel=error';

describe('writable mounts: a layer of the sandbox over a shared node_modules', () => {
  let fixture: string;
  let shared: string;
  let tiny: Buffer;
  let project: { manifest: string; lock: string; base: Buffer };
  let mounts: WorkspaceMount[];
  let driver: LocalDriver;
  let cleanup: () => Promise<void>;

  before(async () => {
    // The "preset": a project depending on `base`, installed once on the host like the
    // dependency cache does, world-readable and owned by root.
    fixture = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-layer-fixture-'));
    fs.chmodSync(fixture, 0o755);
    const base = pack(fixture, 'base');
    tiny = fs.readFileSync(pack(fixture, 'tiny'));
    const presetDir = path.join(fixture, 'preset');
    fs.mkdirSync(presetDir);
    fs.copyFileSync(base, path.join(presetDir, 'base-1.0.0.tgz'));
    fs.writeFileSync(
      path.join(presetDir, 'package.json'),
      JSON.stringify({
        name: 'app',
        version: '1.0.0',
        dependencies: { base: 'file:base-1.0.0.tgz' },
      }),
    );
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent'], {
      cwd: presetDir,
    });
    execFileSync('chmod', ['-R', 'a+rX', fixture]);
    shared = path.join(presetDir, 'node_modules');
    project = {
      manifest: fs.readFileSync(path.join(presetDir, 'package.json'), 'utf8'),
      lock: fs.readFileSync(path.join(presetDir, 'package-lock.json'), 'utf8'),
      base: fs.readFileSync(base),
    };
    mounts = [{ source: shared, name: 'node_modules', writable: true }];
    ({ driver, cleanup } = await openTestDriver());
  });

  after(async () => {
    await cleanup();
    fs.rmSync(fixture, { recursive: true, force: true });
  });

  /** A sandbox with the project's files, as a preset's app has them. */
  async function app(limits = DEFAULT_LIMITS): Promise<string> {
    const { id } = await driver.create({ limits, mounts });
    await put(driver, id, 'package.json', project.manifest);
    await put(driver, id, 'package-lock.json', project.lock);
    await put(driver, id, 'base-1.0.0.tgz', project.base);
    return id;
  }

  it('installs and uninstalls a package in the sandbox without touching the shared tree', async () => {
    const before = treeDigest(shared);
    const id = await app();
    const other = await app();
    assert.equal(
      (await exec(driver, id, `node -p "require('base')"`)).stdout,
      'base loaded\n',
      'the shared dependencies are there',
    );
    await put(driver, id, 'tiny-1.0.0.tgz', tiny);

    const install = await exec(driver, id, `${NPM} install ./tiny-1.0.0.tgz`, 120_000);
    assert.equal(install.exit_code, 0, install.stderr);
    assert.equal((await exec(driver, id, `node -p "require('tiny')"`)).stdout, 'tiny loaded\n');
    assert.equal((await exec(driver, id, 'node_modules/.bin/tiny')).stdout, 'tiny cli\n');
    assert.equal((await exec(driver, id, `node -p "require('base')"`)).stdout, 'base loaded\n');
    const listing = await exec(driver, id, 'ls -A node_modules');
    assert.doesNotMatch(listing.stdout, /paddock-layer/, "the layer's internals are hidden");
    // Tools that keep a cache in node_modules (Vite's .vite) can.
    const cache = await exec(
      driver,
      id,
      'mkdir -p node_modules/.vite && echo x > node_modules/.vite/dep',
    );
    assert.equal(cache.exit_code, 0, cache.stderr);

    const elsewhere = await exec(driver, other, `node -p "require('tiny')"`);
    assert.notEqual(elsewhere.exit_code, 0, 'another sandbox of the same set does not see it');
    assert.equal(treeDigest(shared), before, 'the shared tree is unchanged');

    const uninstall = await exec(driver, id, `${NPM} uninstall tiny base`, 120_000);
    assert.equal(uninstall.exit_code, 0, uninstall.stderr);
    const gone = await exec(driver, id, 'ls -A node_modules');
    assert.doesNotMatch(gone.stdout, /\btiny\b|\bbase\b/, 'both gone, the shared one included');
    assert.equal((await exec(driver, other, `node -p "require('base')"`)).exit_code, 0);
    assert.equal(treeDigest(shared), before, 'the shared tree is unchanged');
  });

  it('keeps what was installed across a restart and a driver restart, and cleans up', async () => {
    const id = await app(SMALL);
    await put(driver, id, 'tiny-1.0.0.tgz', tiny);
    const install = await exec(driver, id, `${NPM} install ./tiny-1.0.0.tgz`, 120_000);
    assert.equal(install.exit_code, 0, install.stderr);

    await driver.stop(id);
    const mountinfo = () => fs.readFileSync('/proc/self/mountinfo', 'utf8');
    assert.ok(!mountinfo().includes(id), 'nothing stays mounted at stop');
    await driver.start(id, { limits: SMALL, mounts });
    assert.equal((await exec(driver, id, `node -p "require('tiny')"`)).stdout, 'tiny loaded\n');

    // The layer is in the workspace image: it counts against the sandbox's disk.
    const big = await exec(driver, id, 'head -c 100M /dev/zero > node_modules/big');
    assert.notEqual(big.exit_code, 0, 'a 64 MiB workspace cannot hold 100 MiB in node_modules');
    assert.match(big.stderr, /No space left/);
    await exec(driver, id, 'rm -f node_modules/big');

    // A "daemon" that dies while the sandbox dies too: the next open unmounts its layer.
    const dataDir = String(driver.describe().details.data_dir);
    const uid = readState(dataDir, id).uid;
    for (const pid of processesOf(uid)) killIfThere(pid);
    await waitFor(async () => (await driver.inspect(id)).state === 'stopped', 10_000, 'death');
    const reopened = await openTestDriver({ dataDir });
    try {
      assert.ok(!mountinfo().includes(id), 'the reconcile unmounted the dead layer');
      await reopened.driver.start(id, { limits: SMALL, mounts });
      assert.equal(
        (await exec(reopened.driver, id, `node -p "require('tiny')"`)).stdout,
        'tiny loaded\n',
      );
      await reopened.driver.destroy(id);
      assert.deepEqual(hostTraces(reopened.driver, id), []);
    } finally {
      await reopened.driver.close();
    }
  });

  it('keeps a warm member per writable mount set', async (t) => {
    const pooled = await openTestDriver({ warmPoolSize: 1 });
    t.after(async () => {
      await destroyAll(pooled.driver);
      await pooled.cleanup();
    });
    const first = await pooled.driver.create({ limits: DEFAULT_LIMITS, mounts });
    assert.equal(first.pooled, false);
    const readOnly = [{ source: shared, name: 'node_modules' }];
    await waitFor(
      () => Number(pooled.driver.describe().details.warm_pool_ready) === 2,
      60_000,
      'the writable set pool',
    );
    const second = await pooled.driver.create({ limits: DEFAULT_LIMITS, mounts });
    assert.equal(second.pooled, true, 'the second create of the writable set is a claim');
    const write = await exec(
      pooled.driver,
      second.id,
      'echo x > node_modules/mine && cat node_modules/mine',
    );
    assert.equal(write.stdout, 'x\n', write.stderr);
    const ro = await pooled.driver.create({ limits: DEFAULT_LIMITS, mounts: readOnly });
    assert.equal(ro.pooled, false, 'a read-only set is another set');
    const refused = await exec(pooled.driver, ro.id, 'echo x > node_modules/mine');
    assert.notEqual(refused.exit_code, 0, 'read-only stays read-only');
  });
});
