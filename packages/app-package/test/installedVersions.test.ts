/**
 * Installed versions on disk, and what a crash at each step of an install leaves: the test
 * kills a child process with SIGKILL at each failpoint (PADDOCK_FAILPOINTS), then recovers.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { InstalledVersions } from '../src/index.js';

const MODULE = new URL('../src/install/installedVersions.ts', import.meta.url).pathname;
const APP = 'a'.repeat(52);

/** A version's files: a marker naming it, and enough files that a partial copy would show. */
async function fillWith(version: number, dir: string): Promise<void> {
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), `<h1>v${version}</h1>`);
  for (let i = 0; i < 20; i++)
    fs.writeFileSync(path.join(dir, 'assets', `${i}.js`), `// v${version}`);
}

function whole(dir: string, version: number): boolean {
  return (
    fs.readFileSync(path.join(dir, 'index.html'), 'utf8') === `<h1>v${version}</h1>` &&
    fs.readdirSync(path.join(dir, 'assets')).length === 20 &&
    fs
      .readdirSync(path.join(dir, 'assets'))
      .every((f) => fs.readFileSync(path.join(dir, 'assets', f), 'utf8') === `// v${version}`)
  );
}

describe('installed versions', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-installed-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('installs, updates, keeps one version back for a rollback, and prunes older ones', async () => {
    const store = new InstalledVersions(root);
    assert.equal(store.current(APP), null);
    for (const v of [1, 2, 3]) await store.install(APP, v, (dir) => fillWith(v, dir));
    assert.equal(store.current(APP), 3);
    assert.equal(store.previous(APP), 2);
    assert.ok(whole(store.dirOf(APP, 3), 3));
    assert.equal(fs.existsSync(store.dirOf(APP, 1)), false, 'older versions pruned');
    assert.equal(store.rollback(APP), true);
    assert.equal(store.current(APP), 2);
    assert.ok(whole(store.dirOf(APP, 2), 2));
    await assert.rejects(
      store.install(APP, 2, (dir) => fillWith(2, dir)),
      { code: 'conflict' },
    );
  });

  it('leaves the installed version as it was when filling fails', async () => {
    const store = new InstalledVersions(root);
    await store.install(APP, 1, (dir) => fillWith(1, dir));
    await assert.rejects(
      store.install(APP, 2, async (dir) => {
        await fillWith(2, dir);
        throw new Error('the package was refused');
      }),
      /refused/,
    );
    assert.equal(store.current(APP), 1);
    assert.deepEqual(fs.readdirSync(path.join(root, '.staging')), [], 'no staging left');
    assert.equal(fs.existsSync(store.dirOf(APP, 2)), false);
  });

  for (const [point, expected] of [
    ['install.staged', 1],
    ['install.placed', 1],
    ['install.swapped', 2],
  ] as const) {
    it(`is at exactly one whole version after a kill -9 at ${point}`, async () => {
      await new InstalledVersions(root).install(APP, 1, (dir) => fillWith(1, dir));
      const script =
        `const { InstalledVersions } = await import(${JSON.stringify(MODULE)});` +
        `const fs = await import('node:fs'); const path = await import('node:path');` +
        `await new InstalledVersions(${JSON.stringify(root)}).install(${JSON.stringify(APP)}, 2, async (dir) => {` +
        `fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });` +
        `fs.writeFileSync(path.join(dir, 'index.html'), '<h1>v2</h1>');` +
        `for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, 'assets', i + '.js'), '// v2');` +
        `}); console.log('installed');`;
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { env: { ...process.env, PADDOCK_FAILPOINTS: `${point}=kill` }, encoding: 'utf8' },
      );
      assert.equal(r.signal, 'SIGKILL', `${r.stdout}${r.stderr}`);

      const store = new InstalledVersions(root);
      store.recover();
      assert.equal(store.current(APP), expected);
      assert.ok(whole(store.dirOf(APP, expected), expected), 'the version in use is whole');
      assert.deepEqual(fs.readdirSync(path.join(root, '.staging')), [], 'no staging debris');
      const versions = fs.readdirSync(path.join(root, APP)).filter((n) => n.startsWith('v'));
      assert.deepEqual(
        versions.sort(),
        expected === 2 ? ['v1', 'v2'] : ['v1'],
        'only the current version and the one before it',
      );
    });
  }
});
