import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseManifest } from '@paddock/manifest';
import { PRESETS, PRESET_NAMES, getPreset, listTemplateFiles } from '../src/index.js';

const PORTS: Record<string, number | undefined> = {
  'react-vite': 5173,
  nextjs: 3000,
  'node-express': 3000,
  fastapi: 8000,
  worker: undefined,
  static: 8080,
};

function read(preset: string, file: string): string {
  return readFileSync(path.join(getPreset(preset)!.templateDir, file), 'utf8');
}

describe('catalog', () => {
  it('has one preset per template directory, in PRESET_NAMES order', () => {
    assert.deepEqual(
      PRESETS.map((p) => p.name),
      [...PRESET_NAMES],
    );
    const templatesDir = path.dirname(PRESETS[0]!.templateDir);
    assert.deepEqual(readdirSync(templatesDir).sort(), [...PRESET_NAMES].sort());
    for (const p of PRESETS) {
      assert.ok(path.isAbsolute(p.templateDir), p.name);
      assert.equal(path.basename(p.templateDir), p.name);
      assert.ok(p.title.length > 0 && p.description.length > 0, p.name);
      assert.equal(getPreset(p.name), p);
    }
    assert.equal(getPreset('rails'), undefined);
  });

  it('parses every sandbox.yaml, and the catalog carries exactly that manifest', () => {
    for (const p of PRESETS) {
      const r = parseManifest(read(p.name, 'sandbox.yaml'));
      assert.ok(r.valid, `${p.name}: ${JSON.stringify(!r.valid && r.errors)}`);
      assert.deepEqual(p.manifest, r.manifest);
      assert.ok(p.manifest.build, `${p.name}: the yaml sets the build default`);
    }
  });

  it("declares each preset's package registry as its egress baseline", () => {
    const registries: Record<string, string[]> = {
      'react-vite': ['registry.npmjs.org'],
      nextjs: ['registry.npmjs.org'],
      'node-express': ['registry.npmjs.org'],
      fastapi: ['pypi.org', 'files.pythonhosted.org'],
      worker: ['registry.npmjs.org'],
      static: [],
    };
    for (const p of PRESETS) assert.deepEqual(p.manifest.egress?.allow, registries[p.name], p.name);
  });

  it('serves each web preset on its port, on 127.0.0.1', () => {
    for (const p of PRESETS) {
      assert.equal(p.manifest.web?.port, PORTS[p.name], p.name);
      const web = p.manifest.web;
      if (!web) continue;
      // The servers read HOST and PORT with these defaults; the others take flags.
      const ownServer = p.name === 'node-express' || p.name === 'static';
      const source = ownServer ? read(p.name, 'server.js') : web.command;
      assert.match(source, /127\.0\.0\.1/, p.name);
      assert.match(source, new RegExp(String(web.port)), p.name);
    }
    assert.equal(getPreset('node-express')!.manifest.web!.health_path, '/healthz');
    assert.deepEqual(
      getPreset('worker')!.manifest.workers.map((w) => [w.name, w.command]),
      [['worker', 'node worker.js']],
    );
  });

  it('npm presets pin exact versions, ship a lockfile and run binaries from node_modules', () => {
    for (const p of PRESETS) {
      const hasPackageJson = existsSync(path.join(p.templateDir, 'package.json'));
      const pkg = JSON.parse(hasPackageJson ? read(p.name, 'package.json') : '{}') as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const deps = { ...pkg.dependencies, ...pkg.devDependencies };
      const hasLock = existsSync(path.join(p.templateDir, 'package-lock.json'));
      if (p.dependencies === 'none') {
        assert.deepEqual(deps, {}, `${p.name} has no npm dependencies`);
        assert.equal(hasLock, false, p.name);
        continue;
      }
      assert.ok(hasLock, `${p.name} has a package-lock.json`);
      for (const [name, version] of Object.entries(deps)) {
        assert.match(version, /^\d+\.\d+\.\d+$/, `${p.name}: ${name}@${version} is pinned`);
      }
      const lock = JSON.parse(read(p.name, 'package-lock.json')) as {
        packages: Record<string, { dependencies?: object; devDependencies?: object }>;
      };
      assert.deepEqual(lock.packages['']!.dependencies ?? {}, pkg.dependencies ?? {}, p.name);
      assert.deepEqual(lock.packages['']!.devDependencies ?? {}, pkg.devDependencies ?? {});
      for (const command of [p.manifest.web?.command, p.manifest.build?.command]) {
        assert.doesNotMatch(command ?? '', /\bnpm (install|i|ci)\b|\bnpx (?!--no-install)/);
      }
    }
  });

  it('keeps tool caches out of the read-only node_modules and accepts proxied hosts', () => {
    const vite = read('react-vite', 'vite.config.ts');
    assert.match(vite, /cacheDir: '\.vite'/);
    assert.match(vite, /allowedHosts: true/);
    assert.match(vite, /strictPort: true/);
    // A published bundle is served under /t/{token}/ on its app's origin: relative URLs.
    assert.match(vite, /base: '\.\/'/);
    assert.doesNotMatch(vite, /clientPort|hmr:/, 'HMR follows the page host');
    for (const tsconfig of ['tsconfig.app.json', 'tsconfig.node.json']) {
      assert.doesNotMatch(read('react-vite', tsconfig), /node_modules\//, tsconfig);
    }
    // Vite's default config loader writes a temp file to node_modules/.vite-temp.
    const viteManifest = getPreset('react-vite')!.manifest;
    assert.match(viteManifest.web!.command, /--configLoader runner/);
    assert.match(viteManifest.build!.command, /vite build --configLoader runner/);

    const next = read('nextjs', 'next.config.ts');
    assert.match(next, /allowedDevOrigins/);
    assert.match(next, /\*\.preview\.localhost/);
    assert.match(next, /PADDOCK_PREVIEW_DOMAIN/);
    assert.match(next, /distDir: process\.env\.NEXT_DIST_DIR/);
    const nextManifest = getPreset('nextjs')!.manifest;
    assert.match(nextManifest.web!.command, /^NEXT_TELEMETRY_DISABLED=1 /);
    assert.match(nextManifest.build!.command, /NEXT_DIST_DIR=\.next-build .*next build/);
    assert.match(read('nextjs', 'tsconfig.json'), /\.next-build\/types/);
  });
});

describe('listTemplateFiles', () => {
  it('lists a template with relative posix paths, contents and modes, sorted', async () => {
    const preset = getPreset('react-vite')!;
    const files = await listTemplateFiles(preset);
    const paths = files.map((f) => f.path);
    assert.deepEqual(paths, [...paths].sort());
    for (const expected of ['sandbox.yaml', 'package.json', '.gitignore', 'src/App.tsx']) {
      assert.ok(paths.includes(expected), expected);
    }
    const app = files.find((f) => f.path === 'src/App.tsx')!;
    assert.deepEqual(app.content, readFileSync(path.join(preset.templateDir, 'src/App.tsx')));
    assert.match(app.content.toString(), /<h1>/);
    for (const f of files) {
      assert.ok(!f.path.includes('\\') && !path.isAbsolute(f.path), f.path);
      assert.equal(f.mode & 0o444, 0o444, `${f.path} is readable`);
    }
  });

  it('skips node_modules and keeps nested files and modes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'presets-template-'));
    try {
      await mkdir(path.join(dir, 'node_modules/x'), { recursive: true });
      await writeFile(path.join(dir, 'node_modules/x/index.js'), '');
      await mkdir(path.join(dir, 'a/b'), { recursive: true });
      await writeFile(path.join(dir, 'a/b/run.sh'), '#!/bin/sh\n', { mode: 0o755 });
      await writeFile(path.join(dir, 'sandbox.yaml'), 'version: 1\n', { mode: 0o644 });
      const files = await listTemplateFiles({ ...getPreset('worker')!, templateDir: dir });
      assert.deepEqual(
        files.map((f) => [f.path, f.mode, f.content.toString()]),
        [
          ['a/b/run.sh', 0o755, '#!/bin/sh\n'],
          ['sandbox.yaml', 0o644, 'version: 1\n'],
        ],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
