/** Writing packages: a directory packed (and signed), read back by the package's own reader. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import yauzl from 'yauzl';
import type { AppPackageManifest } from '@paddock/shared';
import {
  contentDigest,
  extractPackage,
  generateAppKey,
  inspectPackage,
  packPackage,
  parsePackageManifest,
  signPackageFile,
  verifyPackage,
  type AppKeyPair,
} from '../src/index.js';
import { scratch, write } from './testPackages.js';
import { yazlZip } from './zipCorpus.js';

let counter = 0;
const fresh = (label: string) => path.join(scratch, `${label}-${counter++}`);

function manifestFor(key: AppKeyPair): AppPackageManifest {
  return {
    id: key.appId,
    name: 'Notes',
    version: 3,
    version_label: '1.2.0',
    min_upgradable_version: 1,
    app_type: 'web',
    entry: 'index.html',
    description: 'Notes.',
    permissions: ['app.kv', 'network:https://api.example.com'],
    optional_permissions: [],
  };
}

/** A directory of files, by relative path. */
function appDir(files: Record<string, string | Buffer>): string {
  const dir = fresh('app');
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const APP = {
  'index.html': '<h1>Notes</h1>',
  'src/app.js': 'console.log("notes")\n'.repeat(40),
  'src/lib/util.js': 'export const x = 1;\n',
  'README.md': 'notes',
  'paddock-app.json': '{"not": "copied"}',
  'paddock-app.sig': 'not copied either',
};

/** Each entry's name and unix mode, from the zip's central directory. */
async function modes(file: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await new Promise<void>((resolve, reject) => {
    yauzl.open(file, (err, zip) => {
      if (err) return reject(err);
      zip.on('entry', (e: yauzl.Entry) => (out[e.fileName] = e.externalFileAttributes >>> 16));
      zip.on('end', resolve);
      zip.on('error', reject);
    });
  });
  return out;
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));
}

describe('packPackage', () => {
  it('writes a signed package the reader accepts, whose digest and signature check', async () => {
    const key = generateAppKey();
    const dir = appDir(APP);
    const outFile = path.join(fresh('out'), 'notes.paddockapp');
    fs.mkdirSync(path.dirname(outFile));
    const packed = await packPackage({
      dir,
      manifest: manifestFor(key),
      privateKeyPem: key.privateKeyPem,
      outFile,
    });
    assert.equal(packed.bytes, fs.statSync(outFile).size);
    assert.equal(packed.files, 6, 'four files, the manifest and the signature');
    assert.deepEqual(leftovers(path.dirname(outFile)), []);

    const listing = await inspectPackage(outFile);
    assert.deepEqual(
      listing.entries.map((e) => e.path),
      [
        'paddock-app.json',
        'README.md',
        'index.html',
        'src/app.js',
        'src/lib/util.js',
        'paddock-app.sig',
      ],
    );
    assert.equal(await contentDigest(listing, outFile), packed.digest);
    const parsed = parsePackageManifest(listing.manifest.toString('utf8'));
    assert.ok(parsed.valid, JSON.stringify(parsed));
    assert.deepEqual(parsed.manifest, manifestFor(key));
    assert.match(listing.manifest.toString('utf8'), /^\{\n {2}"id": /, 'pretty JSON');
    assert.equal(
      verifyPackage(listing.signature, packed.digest, parsed.manifest.id).appId,
      key.appId,
    );
    for (const [name, mode] of Object.entries(await modes(outFile))) {
      assert.equal(mode, 0o100644, name);
    }

    const staging = fresh('staging');
    await extractPackage(outFile, listing, staging);
    assert.equal(fs.readFileSync(path.join(staging, 'src/app.js'), 'utf8'), APP['src/app.js']);
  });

  it('writes an unsigned package without a key, the same files giving the same bytes', async () => {
    const key = generateAppKey();
    const dir = appDir(APP);
    const a = `${fresh('a')}.paddockapp`;
    const b = `${fresh('b')}.paddockapp`;
    const one = await packPackage({ dir, manifest: manifestFor(key), outFile: a });
    const two = await packPackage({ dir, manifest: manifestFor(key), outFile: b });
    assert.equal(one.digest, two.digest);
    assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
    const listing = await inspectPackage(a);
    assert.equal(listing.signature, null);
    assert.throws(() => verifyPackage(listing.signature, one.digest, key.appId), {
      code: 'package_unsigned',
    });
  });

  it('does not pack its own output when it is written inside the directory', async () => {
    const key = generateAppKey();
    const dir = appDir(APP);
    const outFile = path.join(dir, 'notes.paddockapp');
    const first = await packPackage({ dir, manifest: manifestFor(key), outFile });
    const second = await packPackage({ dir, manifest: manifestFor(key), outFile });
    assert.equal(second.digest, first.digest);
    assert.equal(second.files, 5);
  });

  it('refuses a symlink, and leaves nothing behind', async () => {
    const key = generateAppKey();
    const dir = appDir(APP);
    fs.symlinkSync('/etc/passwd', path.join(dir, 'src', 'passwd'));
    const out = fresh('out');
    fs.mkdirSync(out);
    await assert.rejects(
      packPackage({ dir, manifest: manifestFor(key), outFile: path.join(out, 'x.paddockapp') }),
      { code: 'package_special_entry', details: { entry: 'src/passwd' } },
    );
    assert.deepEqual(fs.readdirSync(out), []);
  });

  it('leaves out node_modules when excluded, and refuses it otherwise', async () => {
    const key = generateAppKey();
    const dir = appDir({
      ...APP,
      'node_modules/left/index.js': 'x',
      'web/node_modules/deep/index.js': 'x',
      '.git/HEAD': 'ref: refs/heads/main\n',
      'cache/tmp/a.txt': 'a',
      'cache/kept.txt': 'k',
      'key.pem': 'secret',
      'docs/key.pem': 'kept',
    });
    const outFile = `${fresh('nm')}.paddockapp`;
    await assert.rejects(packPackage({ dir, manifest: manifestFor(key), outFile }), {
      code: 'package_node_modules',
    });
    assert.equal(fs.existsSync(outFile), false);
    await packPackage({
      dir,
      manifest: manifestFor(key),
      outFile,
      exclude: ['node_modules', '.git', './cache/tmp/', '/key.pem'],
    });
    const paths = (await inspectPackage(outFile)).entries.map((e) => e.path);
    assert.ok(paths.includes('cache/kept.txt'));
    assert.ok(paths.includes('docs/key.pem'), 'a path from the top leaves out only that one');
    assert.ok(!paths.includes('key.pem'));
    assert.deepEqual(
      paths.filter((p) => /node_modules|\.git|cache\/tmp/.test(p)),
      [],
    );
  });

  it('refuses what the reader would: native code, case collisions, a bad manifest, a wrong key', async () => {
    const key = generateAppKey();
    const outFile = `${fresh('bad')}.paddockapp`;
    const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]);
    await assert.rejects(
      packPackage({
        dir: appDir({ ...APP, 'bin/tool': elf }),
        manifest: manifestFor(key),
        outFile,
      }),
      { code: 'package_native_code', details: { entry: 'bin/tool' } },
    );
    await assert.rejects(
      packPackage({
        dir: appDir({ ...APP, 'addon.node': 'x' }),
        manifest: manifestFor(key),
        outFile,
      }),
      { code: 'package_native_code' },
    );
    await assert.rejects(
      packPackage({
        dir: appDir({ ...APP, 'Index.HTML': 'x' }),
        manifest: manifestFor(key),
        outFile,
      }),
      { code: 'package_duplicate_entry' },
    );
    const latin1 = appDir(APP);
    fs.writeFileSync(Buffer.from(`${latin1}/caf\xe9.txt`, 'latin1'), 'x');
    await assert.rejects(packPackage({ dir: latin1, manifest: manifestFor(key), outFile }), {
      code: 'package_unsafe_path',
    });
    await assert.rejects(
      packPackage({ dir: appDir(APP), manifest: { ...manifestFor(key), version: 0 }, outFile }),
      { code: 'package_manifest_invalid' },
    );
    await assert.rejects(
      packPackage({
        dir: appDir(APP),
        manifest: manifestFor(key),
        privateKeyPem: generateAppKey().privateKeyPem,
        outFile,
      }),
      { code: 'package_id_mismatch' },
    );
    assert.equal(fs.existsSync(outFile), false);
  });

  it('stores content that would look like a zip bomb deflated', async () => {
    const key = generateAppKey();
    const dir = appDir({ ...APP, 'data/zeros.bin': Buffer.alloc(3 * 1024 * 1024) });
    const outFile = `${fresh('zeros')}.paddockapp`;
    const packed = await packPackage({ dir, manifest: manifestFor(key), outFile });
    const listing = await inspectPackage(outFile);
    assert.equal(await contentDigest(listing, outFile), packed.digest);
    assert.ok(packed.bytes > 3 * 1024 * 1024);
  });
});

describe('signPackageFile', () => {
  it('signs an unsigned package, re-signs in place, and refuses a key that is not the id', async () => {
    const key = generateAppKey();
    const unsigned = `${fresh('unsigned')}.paddockapp`;
    const packed = await packPackage({
      dir: appDir(APP),
      manifest: manifestFor(key),
      outFile: unsigned,
    });
    const signed = `${fresh('signed')}.paddockapp`;
    const result = await signPackageFile(unsigned, key.privateKeyPem, signed);
    assert.equal(result.digest, packed.digest);
    assert.equal(result.files, packed.files + 1);
    const listing = await inspectPackage(signed);
    assert.equal(await contentDigest(listing, signed), packed.digest);
    assert.equal(verifyPackage(listing.signature, packed.digest, key.appId).appId, key.appId);

    const again = await signPackageFile(signed, key.privateKeyPem, signed);
    assert.equal(again.files, result.files, 'the signature is replaced, not added');
    const relisted = await inspectPackage(signed);
    verifyPackage(relisted.signature, await contentDigest(relisted, signed), key.appId);
    assert.deepEqual(leftovers(scratch), []);

    await assert.rejects(signPackageFile(signed, generateAppKey().privateKeyPem, signed), {
      code: 'package_id_mismatch',
    });
    await assert.rejects(signPackageFile(signed, 'not a key', signed), { code: 'bad_request' });
  });

  it('keeps directory records, and a tampered package fails verification', async () => {
    const key = generateAppKey();
    const manifest = JSON.stringify(manifestFor(key));
    const files = [
      { name: 'paddock-app.json', content: manifest },
      { name: 'public/', content: '' },
      { name: 'index.html', content: '<h1>Notes</h1>' },
      { name: 'public/logo.png', content: crypto.randomBytes(200), compress: false },
    ];
    const unsigned = write(await yazlZip(files));
    const signed = `${fresh('dirs')}.paddockapp`;
    await signPackageFile(unsigned, key.privateKeyPem, signed);
    const listing = await inspectPackage(signed);
    assert.deepEqual(
      listing.entries.map((e) => [e.path, e.type]),
      [
        ['paddock-app.json', 'file'],
        ['public', 'dir'],
        ['index.html', 'file'],
        ['public/logo.png', 'file'],
        ['paddock-app.sig', 'file'],
      ],
    );
    verifyPackage(listing.signature, await contentDigest(listing, signed), key.appId);

    const tampered = write(
      await yazlZip([
        ...files.map((f) => (f.name === 'index.html' ? { ...f, content: '<h1>Notez</h1>' } : f)),
        { name: 'paddock-app.sig', content: listing.signature! },
      ]),
    );
    const bad = await inspectPackage(tampered);
    const digest = await contentDigest(bad, tampered);
    assert.throws(() => verifyPackage(bad.signature, digest, key.appId), {
      code: 'package_signature_invalid',
    });
  });
});
