import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { contentDigest, extractPackage, inspectPackage } from '../src/index.js';
import { MANIFEST, manifest, scratch, text, write } from './testPackages.js';
import { rawZip, yazlZip, type YazlFile } from './zipCorpus.js';

const goodFiles: YazlFile[] = [
  { name: 'paddock-app.json', content: MANIFEST },
  { name: 'src/', content: '', mode: 0o40700 },
  { name: 'src/server.js', content: 'console.log("hi")\n'.repeat(50), mode: 0o100755 },
  { name: 'src/util.ts', content: 'export const x = 1;\n' },
  { name: 'public/index.html', content: '<h1>shop</h1>' },
  { name: 'public/logo.png', content: crypto.randomBytes(300), compress: false },
  { name: 'scripts/run.sh', content: '#!/bin/sh\necho hi\n', mode: 0o104777 },
  { name: 'README', content: 'notes' },
];

describe('inspectPackage: a good package', () => {
  it('lists entries, the manifest bytes and a scan report', async () => {
    const listing = await inspectPackage(write(await yazlZip(goodFiles)));
    assert.equal(listing.manifest.toString(), MANIFEST);
    assert.equal(listing.signature, null);
    assert.deepEqual(
      listing.entries.map((e) => [e.path, e.type]),
      goodFiles.map((f) => [f.name.replace(/\/$/, ''), f.name.endsWith('/') ? 'dir' : 'file']),
    );
    const server = listing.entries.find((e) => e.path === 'src/server.js')!;
    assert.equal(server.size, 'console.log("hi")\n'.length * 50);
    assert.ok(server.compressedSize < server.size);
    assert.equal(listing.report.files, 7);
    assert.equal(listing.report.scripts, 3);
    assert.deepEqual(listing.report.byKind.script, [
      'src/server.js',
      'src/util.ts',
      'scripts/run.sh',
    ]);
    assert.deepEqual(listing.report.byKind.image, ['public/logo.png']);
    assert.deepEqual(listing.report.byKind.other, ['README']);
    const total = listing.entries.reduce((n, e) => n + e.size, 0);
    assert.equal(listing.report.totalBytes, total);
  });

  it('exposes the signature bytes', async () => {
    const sig = crypto.randomBytes(64);
    const listing = await inspectPackage(
      write(await yazlZip([...goodFiles, { name: 'paddock-app.sig', content: sig }])),
    );
    assert.deepEqual(listing.signature, sig);
  });
});

describe('contentDigest', () => {
  it('is the same whatever the order, compression and directory records', async () => {
    const a = write(await yazlZip(goodFiles));
    const shuffled = [...goodFiles]
      .filter((f) => !f.name.endsWith('/'))
      .reverse()
      .map((f) => ({ ...f, compress: !(f.compress ?? true) }));
    const b = write(await yazlZip(shuffled));
    const withSig = write(
      await yazlZip([...shuffled, { name: 'paddock-app.sig', content: 'signature' }]),
    );
    const da = await contentDigest(await inspectPackage(a), a);
    const db = await contentDigest(await inspectPackage(b), b);
    const ds = await contentDigest(await inspectPackage(withSig), withSig);
    assert.match(da, /^[0-9a-f]{64}$/);
    assert.equal(da, db);
    assert.equal(da, ds, 'the signature is not part of the signed content');
  });

  it('changes with one byte, and is the documented lines hashed', async () => {
    const files = goodFiles.map((f) =>
      f.name === 'src/util.ts' ? { ...f, content: 'export const x = 2;\n' } : f,
    );
    const a = write(await yazlZip(goodFiles));
    const b = write(await yazlZip(files));
    const la = await inspectPackage(a);
    const da = await contentDigest(la, a);
    assert.notEqual(da, await contentDigest(await inspectPackage(b), b));
    const lines = la.entries
      .filter((e) => e.type === 'file')
      .sort((x, y) => Buffer.compare(Buffer.from(x.path), Buffer.from(y.path)))
      .map((e) => `${e.path}\0${e.size}\0${e.sha256}\n`)
      .join('');
    assert.equal(da, crypto.createHash('sha256').update(lines).digest('hex'));
  });

  it('refuses a file that changed since it was inspected', async () => {
    const a = write(await yazlZip(goodFiles));
    const listing = await inspectPackage(a);
    fs.writeFileSync(a, rawZip([manifest]));
    const err = await contentDigest(listing, a).catch((e: unknown) => e);
    assert.ok(err instanceof PaddockError);
    assert.equal(err.code, 'package_invalid');
  });
});

describe('extractPackage', () => {
  it('writes the files 0644 and the directories 0755 into a fresh 0700 dir', async () => {
    const file = write(await yazlZip(goodFiles));
    const listing = await inspectPackage(file);
    const dir = path.join(scratch, 'staging-good');
    await extractPackage(file, listing, dir);
    assert.equal(fs.statSync(dir).mode & 0o7777, 0o700);
    for (const f of goodFiles) {
      const p = path.join(dir, f.name);
      const st = fs.lstatSync(p);
      if (f.name.endsWith('/')) {
        assert.ok(st.isDirectory(), f.name);
        assert.equal(st.mode & 0o7777, 0o755, f.name);
      } else {
        assert.ok(st.isFile(), f.name);
        assert.equal(st.mode & 0o7777, 0o644, f.name);
        assert.deepEqual(fs.readFileSync(p), Buffer.from(f.content), f.name);
      }
    }
    for (const d of ['public', 'scripts']) {
      assert.equal(fs.statSync(path.join(dir, d)).mode & 0o7777, 0o755, d);
    }
  });

  it('refuses a staging dir that exists, and leaves it alone', async () => {
    const file = write(await yazlZip(goodFiles));
    const listing = await inspectPackage(file);
    const dir = fs.mkdtempSync(path.join(scratch, 'exists-'));
    fs.writeFileSync(path.join(dir, 'keep'), 'mine');
    const err = await extractPackage(file, listing, dir).catch((e: unknown) => e);
    assert.ok(err instanceof PaddockError);
    assert.equal(err.code, 'already_exists');
    assert.equal(fs.readFileSync(path.join(dir, 'keep'), 'utf8'), 'mine');
  });

  it('removes the staging dir when the package is not what was inspected', async () => {
    const file = write(await yazlZip(goodFiles));
    const listing = await inspectPackage(file);
    // Same names and sizes, one byte changed late in the zip, native bytes in another.
    const swapped = goodFiles.map((f) => (f.name === 'README' ? { ...f, content: 'notez' } : f));
    fs.writeFileSync(file, await yazlZip(swapped));
    const dir = path.join(scratch, 'staging-changed');
    const err = await extractPackage(file, listing, dir).catch((e: unknown) => e);
    assert.ok(err instanceof PaddockError);
    assert.equal(err.code, 'package_invalid');
    assert.equal(fs.existsSync(dir), false);

    fs.writeFileSync(file, rawZip([manifest, text('app.bin', '\x7fELF....')]));
    const err2 = await extractPackage(file, listing, dir).catch((e: unknown) => e);
    assert.ok(err2 instanceof PaddockError);
    assert.equal(err2.code, 'package_native_code');
    assert.equal(fs.existsSync(dir), false);
  });
});
