/**
 * The rule that decides whether an app's lockfile allows moving it to its preset's current one
 * (docs/upgrading.md), on the node-express template's own files.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { getPreset } from '@paddock/presets';
import {
  compareVersions,
  judgeMove,
} from '../packages/daemon/src/dependencyUpdates/lockfileMove.js';

const preset = getPreset('node-express')!;
const current = {
  packageJson: fs.readFileSync(path.join(preset.templateDir, 'package.json')),
  lockfile: fs.readFileSync(path.join(preset.templateDir, 'package-lock.json')),
};
interface Pkg {
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
  [field: string]: unknown;
}
type Lock = { packages: Record<string, { version: string }> };
const pkgOf = (b: Buffer) => JSON.parse(b.toString('utf8')) as Pkg;
const bytes = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2) + '\n');
/** The template's lockfile with one package's version changed. */
function lockWith(pkg: string, version: string): Buffer {
  const lock = JSON.parse(current.lockfile.toString('utf8')) as Lock;
  lock.packages[`node_modules/${pkg}`]!.version = version;
  return bytes(lock);
}

describe('whether a lockfile allows the move', () => {
  it('up to date, moved over an older transitive version, never downgraded', () => {
    assert.deepEqual(judgeMove(current, current, []), { outcome: 'up_to_date' });
    const older = judgeMove({ ...current, lockfile: lockWith('ms', '2.1.2') }, current, []);
    assert.deepEqual(older, { outcome: 'move', files: { lockfile: current.lockfile } });
    const newer = judgeMove({ ...current, lockfile: lockWith('ms', '2.1.4') }, current, []);
    assert.equal(newer.outcome, 'not_moved');
    assert.match(
      (newer as { reason: string }).reason,
      /ms 2\.1\.4, newer than the preset's 2\.1\.3/,
    );
  });

  it('an added, changed or removed dependency, or a missing file, is not moved', () => {
    const pkg = pkgOf(current.packageJson);
    pkg.dependencies['left-pad'] = '1.3.0';
    const added = judgeMove({ ...current, packageJson: bytes(pkg) }, current, []);
    assert.match((added as { reason: string }).reason, /adds left-pad to dependencies/);
    const pinned = pkgOf(current.packageJson);
    pinned.dependencies.express = '5.2.1';
    const other = judgeMove(
      { packageJson: bytes(pinned), lockfile: lockWith('express', '5.2.1') },
      current,
      [],
    );
    assert.match(
      (other as { reason: string }).reason,
      /asks for express 5\.2\.1 where the preset has 5\.3\.0/,
    );
    const overrides = { ...pkgOf(current.packageJson), overrides: { ms: '2.1.2' } };
    assert.match(
      (judgeMove({ ...current, packageJson: bytes(overrides) }, current, []) as { reason: string })
        .reason,
      /sets overrides/,
    );
    assert.equal(judgeMove({ ...current, lockfile: null }, current, []).outcome, 'not_moved');
    assert.equal(
      judgeMove({ ...current, packageJson: Buffer.from('not json') }, current, []).outcome,
      'not_moved',
    );
  });

  it("an earlier version of the preset's files is moved, package.json's own fields kept", () => {
    const pkg = pkgOf(current.packageJson);
    pkg.dependencies.express = '5.2.1';
    const earlier = {
      entry: 'node-express-0000',
      packageJson: bytes(pkg),
      lockfile: lockWith('express', '5.2.1'),
    };
    const mine = { ...pkg, scripts: { ...pkg.scripts, hello: 'echo hello' } };
    const moved = judgeMove({ packageJson: bytes(mine), lockfile: earlier.lockfile }, current, [
      earlier,
    ]);
    assert.equal(moved.outcome, 'move');
    const files = (moved as { files: { lockfile: Buffer; packageJson: Buffer } }).files;
    assert.ok(files.lockfile.equals(current.lockfile));
    const written = pkgOf(files.packageJson);
    assert.deepEqual(written.dependencies, pkgOf(current.packageJson).dependencies);
    assert.equal(written.scripts.hello, 'echo hello');
    // Another lockfile than that version's: the app installed something of its own.
    const changed = judgeMove(
      { packageJson: bytes(mine), lockfile: lockWith('express', '5.2.0') },
      current,
      [earlier],
    );
    assert.equal(changed.outcome, 'not_moved');
  });

  it('compares versions as semver does', () => {
    assert.equal(compareVersions('1.2.3', '1.2.3'), 0);
    assert.equal(compareVersions('1.10.0', '1.9.9'), 1);
    assert.equal(compareVersions('1.0.0-rc.1', '1.0.0'), -1);
    assert.equal(compareVersions('1.0.0-alpha.2', '1.0.0-alpha.10'), -1);
    assert.equal(compareVersions('1.0.0-alpha', '1.0.0-alpha.1'), -1);
    assert.equal(compareVersions('1.0.0+build', '1.0.0'), 0);
    assert.equal(compareVersions('latest', '1.0.0'), null);
  });
});
