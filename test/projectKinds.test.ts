/**
 * One project of each kind detection knows, built here as a person would bring it (issue 24):
 * uploaded as an archive, detected, started and previewed. The Vite and Next.js projects have
 * their presets' lockfiles, so they run on the shared caches; the FastAPI project's own
 * requirement comes from a PEP 503 index on loopback (no public index is reachable here), with
 * a wheel built in the test, installed through the egress proxy into the app's virtualenv.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { buildWheel, startPypiIndex, type PypiIndex } from './fixtures/pypi-index/pypiIndex.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';
import { openPreview, waitFor } from './previewClient.js';
import { selfSignedCertificate } from './testCertificate.js';

interface App {
  id: string;
  preset: string | null;
  import: {
    detection: { kind: string; package_manager: string | null; preset: string | null };
  } | null;
  sandbox: {
    id: string;
    preview: { url: string | null; status: string };
    processes: { kind: string; status: string; health: string | null }[];
  };
}

const TEMPLATES = path.resolve(import.meta.dirname, '../packages/presets/templates');

/** A preset template's files as a project of someone's own: `edits` replace some of them. */
function templateProject(preset: string, edits: Record<string, string>): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir)) {
      if (name === 'node_modules' || name === 'sandbox.yaml' || name === '.paddock') continue;
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (fs.statSync(p).isDirectory()) walk(p, r);
      else files.set(r, fs.readFileSync(p));
    }
  };
  walk(path.join(TEMPLATES, preset), '');
  for (const [name, content] of Object.entries(edits)) files.set(name, Buffer.from(content));
  return files;
}

async function tarGz(files: Map<string, Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => pack.on('end', resolve));
  pack.on('data', (c) => chunks.push(c as Buffer));
  for (const [name, content] of files) pack.entry({ name: `project/${name}` }, content);
  pack.finalize();
  await done;
  return zlib.gzipSync(Buffer.concat(chunks));
}

describe('project kinds: each detected kind imports, starts and previews', () => {
  const dataDir = tempDataDir();
  const pypiCert = selfSignedCertificate('pypi.org', ['files.pythonhosted.org']);
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-kinds-ca-'));
  const caFile = path.join(caDir, 'index.pem');
  let pypi: PypiIndex;
  let d: TestDaemon;

  before(async () => {
    pypi = await startPypiIndex({
      indexHost: 'pypi.org',
      filesHost: 'files.pythonhosted.org',
      ...pypiCert,
      wheels: [buildWheel('paddock-greeting', '1.0.0', 'GREETING = "Hello from a wheel"\n')],
    });
    fs.writeFileSync(caFile, pypiCert.cert);
    d = await startDaemon({
      dataDir,
      env: {
        PADDOCK_EGRESS_RESOLVE: [
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
    await pypi?.close();
    pypiCert.remove();
    fs.rmSync(caDir, { recursive: true, force: true });
  });

  /** Uploads the project, checks what detection said, waits for its preview, returns the page. */
  const importAndPreview = async (
    name: string,
    files: Map<string, Buffer>,
    expected: { kind: string; package_manager: string | null; preset: string | null },
    pagePath = '/',
  ): Promise<string> => {
    const res = await fetch(`${d.url}/v1/apps/import?name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/gzip' },
      body: await tarGz(files),
    });
    const app = (await res.json()) as App;
    assert.equal(res.status, 201, JSON.stringify(app));
    const { kind, package_manager, preset } = app.import!.detection;
    assert.deepEqual({ kind, package_manager, preset }, expected);
    assert.equal(app.preset, expected.preset);
    const ready = await waitFor(
      `${name} serves`,
      async () => {
        const a = (await d.api<App>('GET', `/v1/apps/${app.id}`)).body;
        const web = a.sandbox.processes.find((p) => p.kind === 'web');
        return a.sandbox.preview.status === 'ready' && web?.health === 'ready' ? a : undefined;
      },
      300_000,
    );
    const url = new URL(ready.sandbox.preview.url!);
    url.pathname = pagePath;
    const { page } = await openPreview(d.url, url.toString());
    return page.body;
  };

  it('a Vite + React app, on the react-vite cache', async () => {
    const files = templateProject('react-vite', {
      'src/App.tsx': 'export default function App() {\n  return <h1>My own Vite app</h1>;\n}\n',
    });
    const html = await importAndPreview('vite', files, {
      kind: 'vite',
      package_manager: 'npm',
      preset: 'react-vite',
    });
    // Vite's dev server answers with its module graph; the page's entry is served.
    assert.match(html, /src\/main\.tsx/);
  });

  it('a Next.js app, on the nextjs cache', async () => {
    const files = templateProject('nextjs', {
      'app/page.tsx': 'export default function Page() {\n  return <h1>My own Next app</h1>;\n}\n',
    });
    const html = await importAndPreview('next', files, {
      kind: 'nextjs',
      package_manager: 'npm',
      preset: 'nextjs',
    });
    assert.match(html, /My own Next app/);
  });

  it('a FastAPI service whose requirement is installed from the index into its own venv', async () => {
    const files = new Map<string, Buffer>([
      // The loopback index holds only the test's wheel: fastapi and uvicorn are Debian's,
      // which the app's venv sees (its system site packages), as the fastapi preset's does.
      ['requirements.txt', Buffer.from('paddock-greeting==1.0.0\n')],
      [
        'main.py',
        Buffer.from(
          'from fastapi import FastAPI\nfrom paddock_greeting import GREETING\n\napi = FastAPI()\n\n' +
            '@api.get("/")\ndef root():\n    return {"greeting": GREETING}\n',
        ),
      ],
    ]);
    const body = await importAndPreview('fastapi', files, {
      kind: 'fastapi',
      package_manager: 'pip',
      preset: null,
    });
    assert.equal((JSON.parse(body) as { greeting: string }).greeting, 'Hello from a wheel');
    assert.ok(pypi.requests.some((r) => r.includes('paddock-greeting')));
  });
});
