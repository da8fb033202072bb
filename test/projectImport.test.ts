/**
 * Bringing a project in (issue 24) through the API: an uploaded archive (tar.gz, zip) or a
 * snapshot becomes an app with no preset; detection proposes a sandbox.yaml, the import is the
 * first checkpoint, a lockfile equal to a preset's uses its shared cache, and with review the
 * processes wait for a confirmation. Unsafe archives are refused whole, leaving nothing behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import tar from 'tar-stream';
import yazl from 'yazl';
import { suiteDaemon } from './harness.js';
import { openPreview, waitFor } from './previewClient.js';

interface App {
  id: string;
  preset: string | null;
  import: {
    source: { kind: string; snapshot_id?: string };
    state: string;
    detection: {
      kind: string;
      package_manager: string | null;
      preset: string | null;
      manifest_source: string;
      manifest: string;
      notes: string[];
    } | null;
  } | null;
  sandbox: {
    id: string;
    preview: { url: string | null; status: string };
    processes: { name: string; kind: string; status: string; health: string | null }[];
  } | null;
}
interface Exec {
  exit_code: number;
  stdout: string;
  stderr: string;
}
interface ApiError {
  error: { code: string; message: string; details?: { errors?: unknown[] } };
}

const TEMPLATES = path.resolve(import.meta.dirname, '../packages/presets/templates');

type Entry =
  | { name: string; type?: 'file'; content: string; mode?: number }
  | {
      name: string;
      type: 'directory' | 'symlink' | 'link' | 'character-device';
      linkname?: string;
    };

/** A tar (gzipped when asked) of the given entries, exactly as listed. */
async function tarOf(entries: Entry[], gzip = true): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    if (e.type === undefined || e.type === 'file') {
      pack.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.content);
    } else if ('linkname' in e || e.type !== undefined) {
      const linkname = 'linkname' in e ? e.linkname : undefined;
      pack.entry({
        name: e.name,
        type: e.type,
        ...(linkname ? { linkname } : {}),
        ...(e.type === 'character-device' ? { devmajor: 1, devminor: 3 } : {}),
      });
    }
  }
  pack.finalize();
  await done;
  const raw = Buffer.concat(chunks);
  return gzip ? zlib.gzipSync(raw) : raw;
}

/** A zip of files under one top-level directory, as GitHub's "Download ZIP" makes them. */
async function zipOf(root: string, files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) {
    zip.addBuffer(Buffer.from(content), `${root}/${name}`);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** An Express API whose lockfile is the node-express preset's: it runs on that preset's cache. */
function expressProject(): Entry[] {
  const read = (f: string) => fs.readFileSync(path.join(TEMPLATES, 'node-express', f), 'utf8');
  return [
    { name: 'package.json', content: read('package.json') },
    { name: 'package-lock.json', content: read('package-lock.json') },
    {
      name: 'server.js',
      content: `import express from 'express';
const app = express();
app.get('/', (_req, res) => res.type('html').send('<h1>Imported Express</h1>'));
app.get('/healthz', (_req, res) => res.send('ok'));
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
`,
    },
  ];
}

describe('project import: archives and snapshots become apps that run as they are', () => {
  const d = suiteDaemon();

  const upload = async (query: string, body: Buffer, type = 'application/octet-stream') => {
    const res = await fetch(`${d.url}/v1/apps/import?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': type },
      body,
    });
    return { status: res.status, body: (await res.json()) as App & ApiError };
  };
  const sh = async (sandbox: string, command: string): Promise<Exec> =>
    (await d.api<Exec>('POST', `/v1/sandboxes/${sandbox}/exec`, { command, timeout_ms: 60_000 }))
      .body;
  const web = (a: App) => a.sandbox?.processes.find((p) => p.kind === 'web');
  const ready = (id: string): Promise<App> =>
    waitFor(
      `app ${id} preview ready`,
      async () => {
        const a = (await d.api<App>('GET', `/v1/apps/${id}`)).body;
        return a.sandbox?.preview.status === 'ready' && web(a)?.health === 'ready' ? a : undefined;
      },
      180_000,
    );
  const appCount = async () =>
    (await d.api<{ items: App[] }>('GET', '/v1/apps?limit=500')).body.items.length;

  it('imports a tar.gz: detected, proposed sandbox.yaml written and committed, the preset cache used, previewed', async () => {
    const created = await upload('name=express-api', await tarOf(expressProject()));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const app = created.body;
    assert.equal(app.import?.source.kind, 'archive');
    assert.match(app.import?.source.snapshot_id ?? '', /^snp/);
    assert.equal(app.import?.state, 'started');
    const detection = app.import!.detection!;
    assert.equal(detection.kind, 'express');
    assert.equal(detection.package_manager, 'npm');
    assert.equal(detection.manifest_source, 'proposed');
    // Its lockfile is the node-express preset's: that preset's shared node_modules serve it.
    assert.equal(detection.preset, 'node-express');
    assert.equal(app.preset, 'node-express');

    const running = await ready(app.id);
    const written = await sh(running.sandbox!.id, 'cat sandbox.yaml');
    assert.equal(written.stdout, detection.manifest);
    const log = await sh(
      running.sandbox!.id,
      'git log --format=%s%n%b -1 && git status --porcelain',
    );
    assert.match(log.stdout, /^Imported from an archive/);
    assert.match(log.stdout, /sandbox\.yaml proposed by Paddock/);
    assert.doesNotMatch(log.stdout, /\?\?/, 'nothing is left uncommitted');
    const { page } = await openPreview(d.url, running.sandbox!.preview.url!);
    assert.match(page.body, /Imported Express/);
  });

  it('imports a GitHub-style zip under review: nothing runs until confirmed with an edited sandbox.yaml', async () => {
    const zip = await zipOf('site-main', {
      'index.html': '<!doctype html><title>t</title><h1>Zipped site</h1>',
      'about/index.html': '<h1>About</h1>',
    });
    const created = await upload('name=zipped&review=true', zip, 'application/zip');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const app = created.body;
    assert.equal(app.import?.state, 'review');
    assert.equal(app.import?.detection?.kind, 'static');
    assert.equal(app.preset, null);
    // The zip's one top-level directory became the root.
    const listing = await sh(app.sandbox!.id, 'ls -a');
    assert.match(listing.stdout, /^index\.html$/m);
    assert.doesNotMatch(listing.stdout, /site-main/);
    const held = (await d.api<App>('GET', `/v1/apps/${app.id}`)).body;
    assert.equal(held.sandbox?.processes.length, 0, 'no process runs while the import is reviewed');

    const wrong = await d.api<ApiError>('POST', `/v1/apps/${app.id}/import/confirm`, {
      manifest: 'version: 1\nweb:\n  port: not-a-port\n',
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error.code, 'manifest_invalid');
    assert.ok((wrong.body.error.details?.errors ?? []).length > 0);
    assert.equal(
      (await d.api<App>('GET', `/v1/apps/${app.id}`)).body.import?.state,
      'review',
      'a refused confirmation changes nothing',
    );

    // The person serves it on another port than proposed.
    const proposed = app.import!.detection!.manifest;
    const port = /port: (\d+)/.exec(proposed)?.[1];
    assert.ok(port, proposed);
    const edited = proposed.replaceAll(port, '8181');
    const confirmed = await d.api<App>('POST', `/v1/apps/${app.id}/import/confirm`, {
      manifest: edited,
    });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.import?.state, 'started');
    assert.equal(confirmed.body.import?.detection?.manifest, edited);
    const running = await ready(app.id);
    assert.equal((await sh(running.sandbox!.id, 'cat sandbox.yaml')).stdout, edited);
    const { page } = await openPreview(d.url, running.sandbox!.preview.url!);
    assert.match(page.body, /Zipped site/);

    const again = await d.api<ApiError>('POST', `/v1/apps/${app.id}/import/confirm`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'import_not_held');
  });

  it('imports a snapshot with its own sandbox.yaml as it is', async () => {
    const manifest =
      'version: 1\nweb:\n  command: python3 -m http.server 8099 --bind 127.0.0.1\n  port: 8099\n  health_path: /\n';
    const snap = await fetch(`${d.url}/v1/snapshots/import?name=own-manifest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/x-tar' },
      body: await tarOf(
        [
          { name: 'sandbox.yaml', content: manifest },
          { name: 'index.html', content: '<h1>Own manifest</h1>' },
        ],
        false,
      ),
    });
    assert.equal(snap.status, 201);
    const { id: snapshotId } = (await snap.json()) as { id: string };
    const created = await d.api<App>('POST', '/v1/apps', {
      name: 'from-snapshot',
      from_snapshot: snapshotId,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.import?.source, { kind: 'snapshot', snapshot_id: snapshotId });
    assert.equal(created.body.import?.detection?.manifest_source, 'workspace');
    assert.equal(created.body.import?.detection?.manifest, manifest);
    const running = await ready(created.body.id);
    const { page } = await openPreview(d.url, running.sandbox!.preview.url!);
    assert.match(page.body, /Own manifest/);
  });

  it('refuses unsafe archives whole, with invalid_archive, leaving no app behind', async () => {
    const before = await appCount();
    const bad: [string, Buffer][] = [
      ['an absolute path', await tarOf([{ name: '/etc/evil', content: 'x' }])],
      ['a .. segment', await tarOf([{ name: 'a/../../evil', content: 'x' }])],
      ['a symlink out', await tarOf([{ name: 'out', type: 'symlink', linkname: '/etc' }])],
      ['a hard link', await tarOf([{ name: 'h', type: 'link', linkname: 'etc/passwd' }])],
      ['a device', await tarOf([{ name: 'null', type: 'character-device' }])],
      ['not an archive', Buffer.from('this is not a tar file at all, just text')],
    ];
    for (const [what, body] of bad) {
      const res = await upload(`name=${encodeURIComponent(what)}`, body);
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'invalid_archive', what);
    }
    assert.equal(await appCount(), before);
  });

  it('answers bad requests with their codes', async () => {
    const none = await d.api<ApiError>('POST', '/v1/apps', { name: 'nothing' });
    assert.equal(none.status, 400);
    assert.equal(none.body.error.code, 'bad_request');
    const both = await d.api<ApiError>('POST', '/v1/apps', {
      name: 'both',
      preset: 'static',
      source: { git: { url: 'https://git.example.test/a.git' } },
    });
    assert.equal(both.status, 400);
    assert.equal(both.body.error.code, 'bad_request');
    const url = await d.api<ApiError>('POST', '/v1/apps', {
      name: 'creds',
      source: { git: { url: 'https://user:pw@git.example.test/a.git' } },
    });
    assert.equal(url.status, 400, 'credentials never ride in the URL');
    const notHeld = await d.api<ApiError>(
      'POST',
      '/v1/apps/app00000000000000000000000000/import/confirm',
      {},
    );
    assert.equal(notHeld.status, 404);
    const noName = await upload('', await tarOf(expressProject()));
    assert.equal(noName.status, 400);
  });
});
