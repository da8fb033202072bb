import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';
import { ContentStore, importArchive, uploadAsTar, type ImportOptions } from '../src/index.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-upload-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const limits = { maxBytes: 8 * 1024 * 1024, maxEntries: 1000 };
let stores = 0;

type ZipItem = { name: string; body?: string | Buffer; mode?: number; dir?: boolean };

async function zipOf(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const item of items) {
    if (item.dir) zip.addEmptyDirectory(item.name, { mode: item.mode ?? 0o40755 });
    else zip.addBuffer(Buffer.from(item.body ?? ''), item.name, { mode: item.mode ?? 0o100644 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function tarOf(
  entries: { header: Partial<tar.Header> & { name: string }; body?: string }[],
): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry(e.header, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** An upload as the import of an app reads it: normalised to tar, then imported. */
async function importUpload(data: Buffer, options: ImportOptions = {}) {
  const store = new ContentStore(path.join(scratch, `store-${stores++}`));
  const lease = store.lease();
  const tarStream = await uploadAsTar(Readable.from([data]), limits);
  try {
    const result = await importArchive(tarStream, store, lease, limits, options);
    return { store, result };
  } finally {
    // As the daemon does: a refused import stops reading, and the zip's spool file goes only
    // with the stream.
    tarStream.destroy();
    lease.release();
  }
}

const rejectsInvalid = (p: Promise<unknown>, label: string) =>
  assert.rejects(p, (err: { code?: string }) => {
    assert.equal(err.code, 'invalid_archive', label);
    return true;
  });

describe('uploads: zip, tar and tar.gz as one tar stream', () => {
  it('takes a GitHub-style zip: the one root directory goes, modes and symlinks stay, excluded dirs are left out', async () => {
    const zip = await zipOf([
      { name: 'project-main/', dir: true },
      { name: 'project-main/package.json', body: '{"name":"p"}' },
      { name: 'project-main/bin/run.sh', body: '#!/bin/sh\necho hi\n', mode: 0o100755 },
      { name: 'project-main/link', body: 'package.json', mode: 0o120777 },
      { name: 'project-main/node_modules/x/index.js', body: 'module.exports = 1' },
      { name: 'project-main/.git/HEAD', body: 'ref: refs/heads/main\n' },
    ]);
    const { result } = await importUpload(zip, {
      stripSingleRoot: true,
      exclude: (p) => p.split('/').pop() === 'node_modules',
    });
    const byPath = new Map(result.manifest.entries.map((e) => [e.path, e]));
    assert.deepEqual(
      [...byPath.keys()],
      ['.git', '.git/HEAD', 'bin', 'bin/run.sh', 'link', 'package.json'],
    );
    const run = byPath.get('bin/run.sh');
    assert.ok(run?.type === 'file' && run.mode === 0o755);
    const link = byPath.get('link');
    assert.ok(link?.type === 'symlink' && link.target === 'package.json');
    assert.equal(result.files, 3);
  });

  it('keeps paths as they are when the archive has more than one top-level entry', async () => {
    const zip = await zipOf([
      { name: 'a/one.txt', body: '1' },
      { name: 'b.txt', body: '2' },
    ]);
    const { result } = await importUpload(zip, { stripSingleRoot: true });
    assert.deepEqual(
      result.manifest.entries.map((e) => e.path),
      ['a', 'a/one.txt', 'b.txt'],
    );
  });

  it('takes what git archive makes (as GitHub serves it): zip and tar.gz with a pax global header', async () => {
    const repo = path.join(scratch, 'repo');
    fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'src/app.js'), 'console.log(1)\n');
    fs.writeFileSync(path.join(repo, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.symlinkSync('src/app.js', path.join(repo, 'main.js'));
    const git = (...args: string[]) => {
      const r = spawnSync('git', ['-C', repo, ...args], {
        env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
      });
      assert.equal(r.status, 0, r.stderr?.toString());
      return r.stdout;
    };
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init');
    for (const format of ['zip', 'tar.gz']) {
      const data = git('archive', `--format=${format}`, '--prefix=repo-main/', 'HEAD');
      const { result } = await importUpload(data, { stripSingleRoot: true, linksOut: 'refuse' });
      const byPath = new Map(result.manifest.entries.map((e) => [e.path, e]));
      assert.deepEqual([...byPath.keys()], ['main.js', 'run.sh', 'src', 'src/app.js'], format);
      const run = byPath.get('run.sh');
      // git archive writes 0775 in a tar (its tar.umask) and 0755 in a zip: executable either way.
      assert.ok(run?.type === 'file' && (run.mode & 0o111) === 0o111, format);
      const main = byPath.get('main.js');
      assert.ok(main?.type === 'symlink' && main.target === 'src/app.js', format);
    }
  });

  it('decides exclusion on the stored path, and refuses when that depends on a root that was not one', async () => {
    const rooted = await zipOf([
      { name: 'p/node_modules/x.js', body: 'x' },
      { name: 'p/src/a.js', body: 'a' },
    ]);
    const atRoot = (p: string) => p === 'node_modules';
    const { result } = await importUpload(rooted, { stripSingleRoot: true, exclude: atRoot });
    assert.deepEqual(
      result.manifest.entries.map((e) => e.path),
      ['src', 'src/a.js'],
    );
    // node_modules looked like it sat at the root until b.txt showed there is no single root.
    const twoRoots = await zipOf([
      { name: 'p/node_modules/x.js', body: 'x' },
      { name: 'b.txt', body: 'b' },
    ]);
    await rejectsInvalid(
      importUpload(twoRoots, { stripSingleRoot: true, exclude: atRoot }),
      'root guess',
    );
    const anywhere = (p: string) => p.split('/').pop() === 'node_modules';
    const { result: kept } = await importUpload(twoRoots, {
      stripSingleRoot: true,
      exclude: anywhere,
    });
    assert.deepEqual(
      kept.manifest.entries.map((e) => e.path),
      ['b.txt', 'p'],
    );
  });

  it('refuses a zip bomb: a ratio past the limit, or more bytes than allowed', async () => {
    const dense = await zipOf([{ name: 'zeros', body: Buffer.alloc(4 * 1024 * 1024) }]);
    await rejectsInvalid(importUpload(dense), 'ratio');
    const store = new ContentStore(path.join(scratch, 'bomb-total'));
    const lease = store.lease();
    const big = await zipOf([{ name: 'random', body: Buffer.alloc(64 * 1024, 7) }]);
    await rejectsInvalid(
      (async () => {
        const t = await uploadAsTar(Readable.from([big]), { maxBytes: 1024, maxEntries: 10 });
        await importArchive(t, store, lease, { maxBytes: 1024, maxEntries: 10 }).finally(() =>
          t.destroy(),
        );
      })(),
      'total',
    );
    lease.release();
  });

  it('refuses a zip whose declared sizes lie', async () => {
    const honest = await zipOf([{ name: 'f.txt', body: 'x'.repeat(1000) }]);
    // Both headers declare 1000 bytes; say 10 instead, in the central directory and the local header.
    const lying = Buffer.from(honest);
    for (let i = 0; i + 4 <= lying.length; i++) {
      if (lying.readUInt32LE(i) === 1000 && lying.readUInt32LE(i - 4) !== 1000) {
        lying.writeUInt32LE(10, i);
      }
    }
    await rejectsInvalid(importUpload(lying), 'sizes');
  });

  it('refuses a zip with ../ names', async () => {
    const zip = await zipOf([{ name: 'xx/evil.txt', body: 'x' }]);
    const patched = Buffer.from(zip.toString('latin1').replaceAll('xx/evil', '../evil'), 'latin1');
    await rejectsInvalid(importUpload(patched), 'dot-dot');
  });

  it('refuses a zip symlink pointing out, when links out are refused', async () => {
    const zip = await zipOf([
      { name: 'p/etc', body: '/etc', mode: 0o120777 },
      { name: 'p/up', body: '../../x', mode: 0o120777 },
    ]);
    await rejectsInvalid(importUpload(zip, { linksOut: 'refuse' }), 'link out');
    const through = await zipOf([
      { name: 'l', body: 'somewhere', mode: 0o120777 },
      { name: 'l/passwd', body: 'x' },
    ]);
    await rejectsInvalid(importUpload(through), 'through a symlink');
  });

  it('refuses zip entries that are neither files, directories nor symlinks', async () => {
    const zip = await zipOf([{ name: 'fifo', body: '', mode: 0o010644 }]);
    await rejectsInvalid(importUpload(zip), 'fifo');
  });

  it('passes a tar.gz through untouched', async () => {
    const data = zlib.gzipSync(
      await tarOf([
        { header: { name: 'repo-1/', type: 'directory', mode: 0o755 } },
        { header: { name: 'repo-1/a.txt', type: 'file', mode: 0o644 }, body: 'hello' },
      ]),
    );
    const out = await uploadAsTar(Readable.from([data.subarray(0, 1), data.subarray(1)]), limits);
    const chunks: Buffer[] = [];
    for await (const c of out) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(data));
    const { result } = await importUpload(data, { stripSingleRoot: true });
    assert.deepEqual(
      result.manifest.entries.map((e) => e.path),
      ['a.txt'],
    );
  });
});
