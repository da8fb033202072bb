import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseManifest } from '@paddock/manifest';
import { detectProject } from '../src/index.js';
import { memoryProject } from './memoryProject.js';

const NO_PRESETS = { presetLockfiles: new Map<string, string>() };

const VITE_PROJECT = {
  'package.json': JSON.stringify({
    scripts: { dev: 'vite', build: 'vite build' },
    devDependencies: { vite: '^6.2.0' },
  }),
  'package-lock.json': '{\n  "name": "app",\n  "lockfileVersion": 3\n}\n',
  'index.html': '<!doctype html>',
};

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('detectProject: the project has its own sandbox.yaml', () => {
  it('returns it unchanged and still names the kind and package manager', async () => {
    const own = '# ours\nversion: 1\nweb:\n  command: npm run dev\n  port: 5173\n';
    const d = await detectProject(
      memoryProject({ ...VITE_PROJECT, 'sandbox.yaml': own }),
      NO_PRESETS,
    );
    assert.equal(d.manifest_source, 'workspace');
    assert.equal(d.manifest, own);
    assert.equal(d.kind, 'vite');
    assert.equal(d.package_manager, 'npm');
    assert.equal(d.notes[0], "sandbox.yaml found: the project's own is used as it is");
  });

  it('says when it is not valid, and still returns it as it is', async () => {
    const own = 'version: 1\nweb:\n  command: npm run dev\n  prot: 5173\n';
    const d = await detectProject(memoryProject({ 'sandbox.yaml': own }), NO_PRESETS);
    assert.equal(d.manifest, own);
    assert.equal(d.kind, 'unknown');
    assert.match(d.notes[1] ?? '', /^sandbox\.yaml is not valid \(line \d+: .*prot/);
  });
});

describe("detectProject: a preset's shared dependency cache", () => {
  it('is used when package-lock.json equals the preset’s byte for byte', async () => {
    const presets = new Map([
      [sha256('{"other":1}'), 'nextjs'],
      [sha256(VITE_PROJECT['package-lock.json']), 'react-vite'],
    ]);
    const d = await detectProject(memoryProject(VITE_PROJECT), { presetLockfiles: presets });
    assert.equal(d.preset, 'react-vite');
    assert.ok(
      d.notes.includes(
        "package-lock.json equals the react-vite preset's: its shared dependency cache is used",
      ),
    );
  });

  it('is not used when the lockfile differs by a byte', async () => {
    const presets = new Map([[sha256(VITE_PROJECT['package-lock.json'].trimEnd()), 'react-vite']]);
    const d = await detectProject(memoryProject(VITE_PROJECT), { presetLockfiles: presets });
    assert.equal(d.preset, null);
    assert.ok(d.notes.some((n) => /matches no preset's/.test(n)));
  });

  it('is npm only: a pnpm project with a stray package-lock.json gets none', async () => {
    const presets = new Map([[sha256(VITE_PROJECT['package-lock.json']), 'react-vite']]);
    const d = await detectProject(memoryProject({ ...VITE_PROJECT, 'pnpm-lock.yaml': '' }), {
      presetLockfiles: presets,
    });
    assert.equal(d.package_manager, 'pnpm');
    assert.equal(d.preset, null);
    assert.ok(d.notes.includes('also found package-lock.json: ignored'));
  });

  it('applies with a sandbox.yaml of the project’s own too', async () => {
    const presets = new Map([[sha256(VITE_PROJECT['package-lock.json']), 'react-vite']]);
    const own = 'version: 1\nworkers:\n  - name: w\n    command: node w.js\n';
    const d = await detectProject(memoryProject({ ...VITE_PROJECT, 'sandbox.yaml': own }), {
      presetLockfiles: presets,
    });
    assert.equal(d.preset, 'react-vite');
    assert.equal(d.manifest_source, 'workspace');
  });
});

describe('detectProject: files it cannot read', () => {
  it('a malformed package.json is noted and read as empty', async () => {
    const d = await detectProject(
      memoryProject({ 'package.json': '{"dependencies": {"next": "15"', 'yarn.lock': '' }),
      NO_PRESETS,
    );
    assert.equal(d.kind, 'unknown');
    assert.equal(d.package_manager, 'yarn');
    assert.ok(
      d.notes.some((n) =>
        /^package\.json is not valid JSON \(.*\): read as if it were empty$/.test(n),
      ),
    );
    assert.ok(parseManifest(d.manifest).valid);
  });

  it('a package.json that is not an object, beside an index.html, is a static site', async () => {
    const d = await detectProject(
      memoryProject({ 'package.json': '["not", "an", "object"]', 'dist/index.html': '' }),
      NO_PRESETS,
    );
    assert.equal(d.kind, 'static');
    assert.equal(d.package_manager, null);
    assert.ok(d.notes.includes('package.json is not a JSON object: read as if it were empty'));
  });

  it('fields of the wrong type count as missing', async () => {
    const d = await detectProject(
      memoryProject({
        'package.json': JSON.stringify({ dependencies: ['vite'], scripts: 'node x.js', main: 7 }),
      }),
      NO_PRESETS,
    );
    assert.equal(d.kind, 'unknown');
  });

  it('a pyproject.toml it cannot follow is noted; requirements.txt still counts', async () => {
    const d = await detectProject(
      memoryProject({
        'pyproject.toml': '[project]\ndependencies = [\n  "fastapi",\n',
        'requirements.txt': 'flask\n',
        'app.py': 'import flask\napp = flask.Flask(__name__)\n',
      }),
      NO_PRESETS,
    );
    assert.equal(d.kind, 'flask');
    assert.ok(
      d.notes.some((n) =>
        /^pyproject\.toml could not be read \(the `dependencies` list is not closed\)/.test(n),
      ),
    );
  });

  it('a FastAPI project whose app it cannot find gets main:app and a note saying so', async () => {
    const d = await detectProject(memoryProject({ 'requirements.txt': 'fastapi\n' }), NO_PRESETS);
    assert.equal(d.kind, 'fastapi');
    assert.match(parseManifestWeb(d.manifest), / -m uvicorn main:app /);
    assert.ok(d.notes.some((n) => /main\.py and `app` are assumed/.test(n)));
  });
});

describe('detectProject: a framework the requirements leave out', () => {
  it('is found in the code that creates the app, and said so', async () => {
    const d = await detectProject(
      memoryProject({
        'requirements.txt': 'paddock-greeting==1.0.0\n',
        'main.py': 'from fastapi import FastAPI\napi = FastAPI()\n',
      }),
      NO_PRESETS,
    );
    assert.equal(d.kind, 'fastapi');
    assert.equal(d.package_manager, 'pip');
    assert.match(d.manifest, /uvicorn main:api /);
    assert.ok(
      d.notes.some((n) => n.includes('though no requirement names it')),
      d.notes.join('; '),
    );
    assert.equal(parseManifest(d.manifest).valid, true);
  });

  it('a plain script with no app object stays a worker', async () => {
    const d = await detectProject(
      memoryProject({ 'requirements.txt': 'requests\n', 'main.py': 'print("hi")\n' }),
      NO_PRESETS,
    );
    assert.equal(d.kind, 'python');
  });
});

describe('detectProject: what it reads', () => {
  it('reads only what decides: never a lockfile it only needs to see, nor node_modules', async () => {
    const reader = memoryProject({
      ...VITE_PROJECT,
      'yarn.lock': 'x'.repeat(1000),
      'node_modules/vite/package.json': '{}',
      'src/main.tsx': '',
    });
    await detectProject(reader, NO_PRESETS);
    assert.deepEqual([...new Set(reader.reads)], ['package.json']);
  });

  it('reads package-lock.json only to compare it with the presets’', async () => {
    const presets = new Map([[sha256('x'), 'react-vite']]);
    const reader = memoryProject(VITE_PROJECT);
    await detectProject(reader, { presetLockfiles: presets });
    assert.deepEqual([...new Set(reader.reads)].sort(), ['package-lock.json', 'package.json']);
  });

  it('quotes the project only as one bounded line in its notes, and the proposal stays valid', async () => {
    const hostile = `node server.js\n# injected\r\nweb:\u2028${'x'.repeat(500)}`;
    const d = await detectProject(
      memoryProject({
        'package.json': JSON.stringify({
          scripts: { dev: hostile },
          dependencies: { express: '4', 'evil\nname': '1' },
        }),
      }),
      NO_PRESETS,
    );
    assert.equal(d.kind, 'express');
    for (const note of d.notes) {
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(note, /[\u0000-\u001f\u2028]/);
      assert.ok(note.length <= 300);
    }
    const r = parseManifest(d.manifest);
    assert.ok(r.valid);
    // A script that is more than `<runner> <file>` runs through the package manager, as written.
    assert.equal(r.manifest.web?.command, 'npm run dev');
  });
});

describe('detectProject: the proposal as a whole', () => {
  it('is laid out like a preset’s sandbox.yaml', async () => {
    const d = await detectProject(memoryProject(VITE_PROJECT), NO_PRESETS);
    assert.equal(
      d.manifest,
      [
        '# Proposed by Paddock from what it found in the project; edit it as you need.',
        '',
        'version: 1',
        'web:',
        '  command: __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS=.$PADDOCK_PREVIEW_DOMAIN node_modules/.bin/vite --configLoader runner --host 127.0.0.1 --port 5173 --strictPort',
        '  port: 5173',
        '  health_path: /',
        '  restart_after_task: false',
        'build:',
        '  command: npm run build',
        '  timeout_seconds: 600',
        'workers: []',
        'egress:',
        '  allow:',
        '    - registry.npmjs.org',
        '',
      ].join('\n'),
    );
  });
});

function parseManifestWeb(text: string): string {
  const r = parseManifest(text);
  assert.ok(r.valid);
  return r.manifest.web?.command ?? '';
}
