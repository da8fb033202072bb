import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifest, type RuntimeManifest } from '@paddock/manifest';
import type { ProjectDetection } from '@paddock/shared';
import { detectProject } from '../src/index.js';
import { memoryProject } from './memoryProject.js';

const NO_PRESETS = { presetLockfiles: new Map<string, string>() };
const VENV = 'VIRTUAL_ENV=$PWD/.venv PATH=$PWD/.venv/bin:$PATH';
const VITE_HOSTS = '__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS=.$PADDOCK_PREVIEW_DOMAIN';
const NPM = ['registry.npmjs.org'];
const PIP = ['pypi.org', 'files.pythonhosted.org'];

function pkg(json: object): string {
  return JSON.stringify(json, null, 2);
}

async function detect(files: Record<string, string>): Promise<ProjectDetection> {
  return detectProject(memoryProject(files), NO_PRESETS);
}

/** The proposal, parsed: every proposal must be a valid sandbox.yaml. */
function proposal(d: ProjectDetection): RuntimeManifest {
  const r = parseManifest(d.manifest);
  assert.ok(r.valid, `invalid proposal:\n${d.manifest}\n${JSON.stringify(r, null, 2)}`);
  return r.manifest;
}

interface Case {
  name: string;
  files: Record<string, string>;
  kind: ProjectDetection['kind'];
  manager: ProjectDetection['package_manager'];
  web: { command: string; port: number; restart_after_task?: boolean } | null;
  build: string;
  egress: string[];
  workers?: string[];
  note?: RegExp;
}

const CASES: Case[] = [
  {
    name: 'React on Vite, npm',
    files: {
      'package.json': pkg({
        scripts: { dev: 'vite', build: 'tsc -b && vite build' },
        dependencies: { react: '^19.0.0', 'react-dom': '^19.0.0' },
        devDependencies: { vite: '^7.1.0', '@vitejs/plugin-react': '^5.0.0' },
      }),
      'package-lock.json': '{"lockfileVersion":3}',
      'index.html': '<!doctype html>',
    },
    kind: 'vite',
    manager: 'npm',
    web: {
      command: `${VITE_HOSTS} node_modules/.bin/vite --configLoader runner --host 127.0.0.1 --port 5173 --strictPort`,
      port: 5173,
      restart_after_task: false,
    },
    build: 'npm run build',
    egress: NPM,
    note: /package\.json depends on vite \(React on Vite\)/,
  },
  {
    name: 'Vue on an older Vite (no runner config loader), no lockfile',
    files: {
      'package.json': pkg({ dependencies: { vue: '^3.4.0' }, devDependencies: { vite: '^5.2.0' } }),
    },
    kind: 'vite',
    manager: 'npm',
    web: {
      command: `${VITE_HOSTS} node_modules/.bin/vite --host 127.0.0.1 --port 5173 --strictPort`,
      port: 5173,
    },
    build: '',
    egress: NPM,
    note: /no lockfile: npm/,
  },
  {
    name: 'Next.js, pnpm',
    files: {
      'package.json': pkg({
        scripts: { dev: 'next dev', build: 'next build' },
        dependencies: { next: '15.1.0', react: '19.0.0' },
      }),
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
    },
    kind: 'nextjs',
    manager: 'pnpm',
    web: {
      command:
        'NEXT_TELEMETRY_DISABLED=1 node_modules/.bin/next dev --hostname 127.0.0.1 --port 3000',
      port: 3000,
    },
    build: 'pnpm run build',
    egress: NPM,
    note: /pnpm-lock\.yaml: pnpm/,
  },
  {
    name: 'Remix on Vite, yarn',
    files: {
      'package.json': pkg({
        scripts: { dev: 'remix vite:dev', build: 'remix vite:build' },
        dependencies: { '@remix-run/react': '^2.15.0' },
        devDependencies: { '@remix-run/dev': '^2.15.0', vite: '^5.4.0' },
      }),
      'yarn.lock': '# yarn lockfile v1\n',
    },
    kind: 'remix',
    manager: 'yarn',
    web: {
      command: `${VITE_HOSTS} node_modules/.bin/remix vite:dev --host 127.0.0.1 --port 5173 --strictPort`,
      port: 5173,
    },
    build: 'yarn run build',
    egress: ['registry.npmjs.org', 'registry.yarnpkg.com'],
    note: /yarn\.lock: yarn/,
  },
  {
    name: "Remix's own compiler",
    files: {
      'package.json': pkg({ devDependencies: { '@remix-run/dev': '^2.0.0' } }),
      'package-lock.json': '{}',
    },
    kind: 'remix',
    manager: 'npm',
    web: { command: 'node_modules/.bin/remix dev', port: 3000 },
    build: '',
    egress: NPM,
  },
  {
    name: 'React Router 7 (framework mode)',
    files: {
      'package.json': pkg({ devDependencies: { '@react-router/dev': '^7.1.0', vite: '^6.0.0' } }),
    },
    kind: 'remix',
    manager: 'npm',
    web: {
      command: `${VITE_HOSTS} node_modules/.bin/react-router dev --host 127.0.0.1 --port 5173 --strictPort`,
      port: 5173,
    },
    build: '',
    egress: NPM,
  },
  {
    name: 'Astro',
    files: {
      'package.json': pkg({ scripts: { build: 'astro build' }, dependencies: { astro: '^5.0.0' } }),
      'package-lock.json': '{}',
    },
    kind: 'astro',
    manager: 'npm',
    web: {
      command: `${VITE_HOSTS} node_modules/.bin/astro dev --host 127.0.0.1 --port 4321`,
      port: 4321,
    },
    build: 'npm run build',
    egress: NPM,
  },
  {
    name: 'SvelteKit (Vite beside it does not make it plain Vite)',
    files: {
      'package.json': pkg({
        devDependencies: { '@sveltejs/kit': '^2.0.0', svelte: '^5.0.0', vite: '^6.0.0' },
      }),
    },
    kind: 'sveltekit',
    manager: 'npm',
    web: {
      command: `${VITE_HOSTS} node_modules/.bin/vite dev --host 127.0.0.1 --port 5173 --strictPort`,
      port: 5173,
    },
    build: '',
    egress: NPM,
  },
  {
    name: 'Express with node --watch, reading PORT',
    files: {
      'package.json': pkg({
        scripts: { dev: 'node --watch server.js', start: 'node server.js' },
        dependencies: { express: '^5.0.0' },
      }),
      'package-lock.json': '{}',
      'server.js': 'const port = Number(process.env.PORT ?? 3000);\napp.listen(port);\n',
    },
    kind: 'express',
    manager: 'npm',
    web: { command: 'node --watch server.js', port: 3000, restart_after_task: false },
    build: '',
    egress: NPM,
    note: /server\.js reads PORT/,
  },
  {
    name: 'Express on a fixed port, started without a watcher',
    files: {
      'package.json': pkg({ scripts: { start: 'node index.js' }, dependencies: { express: '4' } }),
      'index.js': "const app = require('express')();\napp.listen(8080);\n",
    },
    kind: 'express',
    manager: 'npm',
    web: { command: 'node index.js', port: 8080, restart_after_task: true },
    build: '',
    egress: NPM,
    note: /index\.js listens on port 8080 \(it does not read PORT\)/,
  },
  {
    name: 'Fastify under nodemon',
    files: {
      'package.json': pkg({
        scripts: { dev: 'nodemon src/app.js' },
        dependencies: { fastify: '^5.0.0' },
        devDependencies: { nodemon: '^3.0.0' },
      }),
      'src/app.js': 'await fastify.listen({ port: 4000, host: "127.0.0.1" });\n',
    },
    kind: 'fastify',
    manager: 'npm',
    web: { command: 'node_modules/.bin/nodemon src/app.js', port: 4000, restart_after_task: false },
    build: '',
    egress: NPM,
  },
  {
    name: 'Express serving Vite as middleware, under tsx watch',
    files: {
      'package.json': pkg({
        scripts: { dev: 'tsx watch server.ts', build: 'vite build' },
        dependencies: { express: '^4.21.0' },
        devDependencies: { vite: '^6.0.0', tsx: '^4.0.0' },
      }),
      'server.ts': 'const port = process.env.PORT || 5000;\n',
    },
    kind: 'express',
    manager: 'npm',
    web: {
      command: 'node_modules/.bin/tsx watch server.ts',
      port: 3000,
      restart_after_task: false,
    },
    build: 'npm run build',
    egress: NPM,
  },
  {
    name: "plain Node from package.json's main",
    files: {
      'package.json': pkg({ main: './lib/main.js' }),
      'lib/main.js': 'require("http").createServer().listen(process.env.PORT);\n',
    },
    kind: 'node',
    manager: 'npm',
    web: { command: 'node lib/main.js', port: 3000, restart_after_task: true },
    build: '',
    egress: NPM,
  },
  {
    name: 'plain Node whose dev script needs a shell runs it through the package manager',
    files: {
      'package.json': pkg({ scripts: { dev: 'tsc && node dist/index.js' } }),
      'yarn.lock': '',
    },
    kind: 'node',
    manager: 'yarn',
    web: { command: 'yarn run dev', port: 3000, restart_after_task: true },
    build: '',
    egress: ['registry.npmjs.org', 'registry.yarnpkg.com'],
  },
  {
    name: "a package manager from package.json's packageManager when there is no lockfile",
    files: {
      'package.json': pkg({ packageManager: 'pnpm@9.12.0', scripts: { start: 'node app.js' } }),
    },
    kind: 'node',
    manager: 'pnpm',
    web: { command: 'node app.js', port: 3000 },
    build: '',
    egress: NPM,
    note: /packageManager names pnpm/,
  },
  {
    name: 'FastAPI in app/main.py',
    files: {
      'requirements.txt': '# web\nfastapi[standard]>=0.110\nuvicorn==0.30.0\n',
      'app/__init__.py': '',
      'app/main.py': 'from fastapi import FastAPI\n\napi = FastAPI(title="x")\n',
    },
    kind: 'fastapi',
    manager: 'pip',
    web: {
      command: `${VENV} python3 -m uvicorn app.main:api --host 127.0.0.1 --port 8000`,
      port: 8000,
      restart_after_task: true,
    },
    build: `${VENV} python3 -m py_compile app/main.py`,
    egress: PIP,
    note: /app\/main\.py creates the app as `api`/,
  },
  {
    name: 'FastAPI from pyproject.toml, in src/',
    files: {
      'pyproject.toml': [
        '[project]',
        'name = "svc"',
        'dependencies = [',
        '  "FastAPI>=0.110",  # the web framework',
        "  'uvicorn',",
        ']',
        '',
        '[tool.ruff]',
        'line-length = 100',
      ].join('\n'),
      'uv.lock': '',
      'src/main.py': 'import fastapi\napp: fastapi.FastAPI = fastapi.FastAPI()\n',
    },
    kind: 'fastapi',
    manager: 'pip',
    web: {
      command: `${VENV} python3 -m uvicorn main:app --app-dir src --host 127.0.0.1 --port 8000`,
      port: 8000,
    },
    build: `${VENV} python3 -m py_compile src/main.py`,
    egress: PIP,
    note: /no requirements\.txt/,
  },
  {
    name: 'Flask',
    files: {
      'requirements.txt': 'Flask==3.0.3\n',
      'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
    },
    kind: 'flask',
    manager: 'pip',
    web: {
      command: `${VENV} FLASK_APP=app.py:app python3 -m flask run --host 127.0.0.1 --port 5000`,
      port: 5000,
    },
    build: `${VENV} python3 -m py_compile app.py`,
    egress: PIP,
  },
  {
    name: 'Flask with an app factory (Poetry)',
    files: {
      'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.11"\nflask = "^3.0"\n',
      'poetry.lock': '',
      'app/__init__.py':
        'from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n',
    },
    kind: 'flask',
    manager: 'pip',
    web: {
      command: `${VENV} FLASK_APP=app/__init__.py python3 -m flask run --host 127.0.0.1 --port 5000`,
      port: 5000,
    },
    build: `${VENV} python3 -m py_compile app/__init__.py`,
    egress: PIP,
    note: /poetry\.lock: Poetry; pip installs instead/,
  },
  {
    name: 'Django',
    files: { 'requirements.txt': 'Django>=5.0\n', 'manage.py': '#!/usr/bin/env python\n' },
    kind: 'django',
    manager: 'pip',
    web: {
      command: `${VENV} python3 manage.py runserver 127.0.0.1:8000 --noreload`,
      port: 8000,
      restart_after_task: true,
    },
    build: '',
    egress: PIP,
    note: /ALLOWED_HOSTS/,
  },
  {
    name: 'Django one level down, beside a package.json for its CSS',
    files: {
      'requirements.txt': 'django\npsycopg[binary]\n',
      'backend/manage.py': '',
      'package.json': pkg({
        scripts: { dev: 'tailwindcss -w -o static/app.css' },
        devDependencies: { tailwindcss: '^3.0.0' },
      }),
    },
    kind: 'django',
    manager: 'pip',
    web: {
      command: `${VENV} python3 backend/manage.py runserver 127.0.0.1:8000 --noreload`,
      port: 8000,
    },
    build: '',
    egress: PIP,
    note: /also a node project \(node\): not what runs/,
  },
  {
    name: 'other Python: its main.py as a worker',
    files: { 'requirements.txt': 'requests\n', 'main.py': 'print("hi")\n' },
    kind: 'python',
    manager: 'pip',
    web: null,
    workers: [`${VENV} python3 main.py`],
    build: '',
    egress: PIP,
  },
  {
    name: 'a static site at the root',
    files: { 'index.html': '<!doctype html>', 'style.css': '' },
    kind: 'static',
    manager: null,
    web: {
      command: 'python3 -m http.server 8080 --bind 127.0.0.1 --directory .',
      port: 8080,
      restart_after_task: false,
    },
    build: '',
    egress: [],
  },
  {
    name: 'a static site in public/',
    files: { 'public/index.html': '<!doctype html>', 'README.md': '# site' },
    kind: 'static',
    manager: null,
    web: {
      command: 'python3 -m http.server 8080 --bind 127.0.0.1 --directory public',
      port: 8080,
    },
    build: '',
    egress: [],
  },
  {
    name: 'nothing recognised',
    files: { 'README.md': '# notes', Makefile: 'all:\n' },
    kind: 'unknown',
    manager: null,
    web: null,
    workers: [],
    build: '',
    egress: [],
    note: /nothing recognised: write the command that serves the app in sandbox\.yaml/,
  },
  {
    name: 'a package.json with nothing to run',
    files: {
      'package.json': pkg({ devDependencies: { prettier: '^3.0.0' } }),
      'package-lock.json': '{}',
    },
    kind: 'unknown',
    manager: 'npm',
    web: null,
    workers: [],
    build: '',
    egress: NPM,
    note: /no known framework, no dev or start script and no main/,
  },
];

describe('detectProject: one project per kind and package manager', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const d = await detect(c.files);
      assert.equal(d.kind, c.kind);
      assert.equal(d.package_manager, c.manager);
      assert.equal(d.manifest_source, 'proposed');
      assert.equal(d.preset, null);
      assert.match(d.manifest, /^# Proposed by Paddock from what it found in the project/);
      const m = proposal(d);
      if (c.web === null) assert.equal(m.web, undefined);
      else {
        assert.equal(m.web?.command, c.web.command);
        assert.equal(m.web?.port, c.web.port);
        assert.equal(m.web?.health_path, '/');
        if (c.web.restart_after_task !== undefined) {
          assert.equal(m.web?.restart_after_task, c.web.restart_after_task);
        }
      }
      assert.equal(m.build?.command, c.build);
      assert.deepEqual(m.egress?.allow, c.egress);
      if (c.workers) {
        const commands = m.workers.map((w) => w.command);
        if (c.workers.length > 0) assert.deepEqual(commands, c.workers);
        // Nothing to run: a placeholder that says so keeps the manifest valid.
        else assert.match(commands[0] ?? '', /could not tell how this project runs/);
      }
      if (c.note)
        assert.ok(
          d.notes.some((n) => c.note!.test(n)),
          d.notes.join('\n'),
        );
    });
  }
});
