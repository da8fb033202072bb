import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DependencyCache, getPreset, type PresetDefinition } from '../src/index.js';
import { missingNativePackages } from '../src/nativePackages.js';
import { lastErrorLines } from '../src/npmCi.js';

let scratch: string;

before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'presets-cache-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of node-express's template that a test may change without touching the real one. */
async function fakePreset(name: string): Promise<PresetDefinition> {
  const real = getPreset('node-express')!;
  const templateDir = path.join(scratch, `template-${name}`);
  await cp(real.templateDir, templateDir, { recursive: true });
  return { ...real, templateDir };
}

/** An executable standing in for npm: `body` runs in the install dir; calls are logged. */
async function fakeNpm(name: string, body: string): Promise<{ npmPath: string; calls: string }> {
  const npmPath = path.join(scratch, `${name}.sh`);
  const calls = path.join(scratch, `${name}.calls`);
  await writeFile(npmPath, `#!/bin/sh\necho "$*" >> '${calls}'\n${body}\n`, { mode: 0o755 });
  return { npmPath, calls };
}

function callCount(file: string): Promise<number> {
  return readFile(file, 'utf8').then(
    (text) => text.split('\n').filter(Boolean).length,
    () => 0,
  );
}

function tempDirsLeft(root: string): string[] {
  return readdirSync(root).filter((n) => n.startsWith('.tmp-'));
}

describe('DependencyCache', () => {
  it('installs node-express with real npm ci, world-readable, then reuses it', async () => {
    const root = path.join(scratch, 'real');
    const cache = new DependencyCache({ root });
    assert.equal(cache.has('node-express'), false);
    // A strict daemon umask must not leave files the sandbox uids cannot read.
    const umask = process.umask(0o077);
    let first;
    try {
      first = await cache.ensure('node-express');
    } finally {
      process.umask(umask);
    }
    assert.equal(first.built, true);
    assert.equal(first.nodeModules, cache.dirFor('node-express'));
    assert.match(first.nodeModules, /\/node-express-[0-9a-f]{16}\/node_modules$/);
    assert.ok(existsSync(path.join(first.nodeModules, 'express/package.json')));
    assert.equal(cache.has('node-express'), true);
    for (const dir of [root, path.dirname(first.nodeModules), first.nodeModules]) {
      assert.equal(statSync(dir).mode & 0o777, 0o755, dir);
    }
    const file = statSync(path.join(first.nodeModules, 'express/package.json'));
    assert.equal(file.mode & 0o777, 0o644);
    assert.deepEqual(tempDirsLeft(root), []);

    const again = await cache.ensure('node-express');
    assert.deepEqual({ ...again, ms: 0 }, { nodeModules: first.nodeModules, built: false, ms: 0 });
  });

  it('builds once for concurrent calls', async () => {
    const preset = await fakePreset('concurrent');
    const npm = await fakeNpm(
      'npm-slow',
      'sleep 0.5; mkdir -p node_modules/dep && echo {} > node_modules/dep/package.json',
    );
    const cache = new DependencyCache({
      root: path.join(scratch, 'concurrent'),
      npmPath: npm.npmPath,
    });
    const [a, b] = await Promise.all([cache.ensure(preset), cache.ensure(preset)]);
    assert.equal(await callCount(npm.calls), 1);
    assert.equal(a.nodeModules, b.nodeModules);
    assert.ok(a.built && b.built);
    assert.equal((await cache.ensure(preset)).built, false);
    assert.equal(await callCount(npm.calls), 1);
    assert.match(await readFile(npm.calls, 'utf8'), /^ci --ignore-scripts --no-audit --no-fund/);
  });

  it('keys on the lockfile: a changed lockfile is a new entry', async () => {
    const preset = await fakePreset('rekey');
    const cache = new DependencyCache({ root: path.join(scratch, 'rekey') });
    const before = cache.key(preset);
    assert.equal(before, cache.key(preset), 'stable');
    assert.equal(cache.key(getPreset('node-express')!), before, 'same files, same key');
    await appendFile(path.join(preset.templateDir, 'package-lock.json'), '\n');
    const after = cache.key(preset);
    assert.notEqual(after, before);
    assert.equal(path.basename(path.dirname(cache.dirFor(preset))), `node-express-${after}`);
    await appendFile(path.join(preset.templateDir, 'package.json'), '\n');
    assert.notEqual(cache.key(preset), after, 'package.json counts too');
  });

  it('keeps the install another daemon renamed into place first', async () => {
    const preset = await fakePreset('race');
    const root = path.join(scratch, 'race');
    const probe = new DependencyCache({ root });
    const theirs = probe.dirFor(preset);
    // While "our" npm runs, another daemon's finished install appears at the final path.
    const npm = await fakeNpm('npm-race', `mkdir -p '${theirs}/theirs' node_modules/ours`);
    const cache = new DependencyCache({ root, npmPath: npm.npmPath });
    const r = await cache.ensure(preset);
    assert.equal(r.built, false);
    assert.equal(r.nodeModules, theirs);
    assert.ok(existsSync(path.join(theirs, 'theirs')));
    assert.ok(!existsSync(path.join(theirs, 'ours')));
    assert.deepEqual(tempDirsLeft(root), []);
  });

  it("fails with npm's last error lines and leaves nothing behind", async () => {
    const preset = await fakePreset('fail');
    const root = path.join(scratch, 'fail');
    const npm = await fakeNpm(
      'npm-fail',
      'echo "npm error code E404" >&2; echo "npm error 404 Not Found - GET nope" >&2; exit 1',
    );
    const cache = new DependencyCache({ root, npmPath: npm.npmPath });
    await assert.rejects(cache.ensure(preset), (err: Error) => {
      assert.match(err.message, /preset node-express: npm ci exited with 1/);
      assert.match(err.message, /npm error 404 Not Found - GET nope/);
      return true;
    });
    assert.equal(cache.has(preset), false);
    assert.deepEqual(tempDirsLeft(root), []);
  });

  it('does not pass the daemon environment to npm', async () => {
    const preset = await fakePreset('env');
    const envFile = path.join(scratch, 'npm-env.txt');
    const npm = await fakeNpm('npm-env', `env > '${envFile}'; mkdir node_modules`);
    process.env.PADDOCK_TEST_SECRET = 'hunter2';
    try {
      await new DependencyCache({ root: path.join(scratch, 'env'), npmPath: npm.npmPath }).ensure(
        preset,
      );
    } finally {
      delete process.env.PADDOCK_TEST_SECRET;
    }
    const env = await readFile(envFile, 'utf8');
    assert.doesNotMatch(env, /PADDOCK_TEST_SECRET|hunter2/);
    assert.match(env, /^PATH=/m);
  });

  it('refuses presets without npm dependencies and unknown names', async () => {
    const cache = new DependencyCache({ root: path.join(scratch, 'none') });
    await assert.rejects(cache.ensure('static'), /preset static has no npm dependencies/);
    await assert.rejects(cache.ensure('rails'), /unknown preset: rails/);
    assert.throws(() => cache.dirFor('fastapi'), /no npm dependencies/);
  });
});

describe('missingNativePackages', () => {
  it("reports this host's optional platform packages that are absent", () => {
    const entry = (os: string, cpu: string) => ({ os: [os], cpu: [cpu], optional: true });
    const lock = JSON.stringify({
      packages: {
        '': {},
        'node_modules/@x/binding-here': entry(process.platform, process.arch),
        'node_modules/@x/binding-elsewhere': entry('sunos', 'mips'),
        'node_modules/@x/binding-not-here': {
          ...entry(process.platform, process.arch),
          cpu: ['!' + process.arch],
        },
        'node_modules/plain': {},
      },
    });
    assert.deepEqual(missingNativePackages(scratch, lock), ['node_modules/@x/binding-here']);
  });
});

describe('lastErrorLines', () => {
  it("keeps npm's message and drops the usage text after it", () => {
    const stderr = [
      'npm error code EUSAGE',
      'npm error',
      'npm error `npm ci` can only install packages when your package.json and lock are in sync.',
      'npm error Missing: foo@ from lock file',
      'npm error',
      'npm error Clean install a project',
      'npm error',
      'npm error Usage:',
      'npm error npm ci',
      'npm error A complete log of this run can be found in: /x.log',
      '',
    ].join('\n');
    assert.deepEqual(lastErrorLines(stderr), [
      'npm error code EUSAGE',
      'npm error `npm ci` can only install packages when your package.json and lock are in sync.',
      'npm error Missing: foo@ from lock file',
      'npm error A complete log of this run can be found in: /x.log',
    ]);
  });
});
