import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import {
  ContentStore,
  DEFAULT_EXCLUDED_NAMES,
  HashCache,
  captureWorkspace,
  exportArchive,
  importArchive,
  readPackIndex,
  restoreWorkspace,
  type SnapshotManifest,
} from '../src/index.js';
import { inParallel } from '../src/inParallel.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-snap-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const excludedNames = new Set(DEFAULT_EXCLUDED_NAMES);
const limits = { maxBytes: 64 * 1024 * 1024, maxEntries: 10_000 };

/** Each text stored and committed by a lease of its own (so each in a pack of its own). */
async function commitEach(store: ContentStore, texts: string[]): Promise<string[]> {
  const stored: string[] = [];
  for (const text of texts) {
    const lease = store.lease();
    stored.push((await store.putBuffer(lease, Buffer.from(text))).sha256);
    await store.commit(lease);
    lease.release();
  }
  return stored;
}

const packFiles = (root: string) =>
  fs.readdirSync(path.join(root, 'packs')).filter((n) => n.endsWith('.pack'));

function dir(name: string): string {
  const d = path.join(scratch, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** A small project: nested files, an empty dir, an executable, symlinks in and out, excluded dirs. */
function makeTree(root: string): void {
  fs.mkdirSync(path.join(root, 'src/components'), { recursive: true });
  fs.mkdirSync(path.join(root, 'empty'));
  fs.mkdirSync(path.join(root, 'dist'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"demo"}\n');
  fs.writeFileSync(path.join(root, 'src/main.ts'), 'console.log(1)\n');
  fs.writeFileSync(path.join(root, 'src/components/App.tsx'), 'export const App = 1;\n');
  fs.writeFileSync(path.join(root, 'dist/index.html'), '<p>built</p>');
  fs.writeFileSync(path.join(root, 'big.bin'), crypto.randomBytes(5 * 1024 * 1024));
  fs.writeFileSync(path.join(root, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  fs.writeFileSync(path.join(root, 'copy.txt'), 'console.log(1)\n');
  fs.symlinkSync('../../../etc/passwd', path.join(root, 'outside'));
  fs.symlinkSync('src/main.ts', path.join(root, 'inside'));
  for (const ex of [
    'node_modules/react',
    '.next/cache',
    'src/__pycache__',
    '.venv/bin',
    '.cache',
  ]) {
    fs.mkdirSync(path.join(root, ex), { recursive: true });
    fs.writeFileSync(path.join(root, ex, 'junk'), 'regenerable');
  }
  fs.chmodSync(path.join(root, 'empty'), 0o750);
}

/** Every path with its type, permission bits, bytes or link target (excluded dirs left out). */
function describeTree(root: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
    if (excludedNames.has(name)) continue;
    const p = rel === '' ? name : `${rel}/${name}`;
    const st = fs.lstatSync(path.join(root, p));
    if (st.isSymbolicLink()) out[p] = `link ${fs.readlinkSync(path.join(root, p))}`;
    else if (st.isDirectory()) {
      out[p] = `dir ${(st.mode & 0o777).toString(8)}`;
      Object.assign(out, describeTree(root, p));
    } else {
      const sum = crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(root, p)))
        .digest('hex');
      out[p] = `file ${(st.mode & 0o777).toString(8)} ${sum} ${Math.round(st.mtimeMs)}`;
    }
  }
  return out;
}

async function capture(store: ContentStore, root: string) {
  const lease = store.lease();
  try {
    const result = await captureWorkspace({ root, store, lease, excludedNames, ...limits });
    await store.commit(lease);
    return result;
  } finally {
    lease.release();
  }
}

async function tarOf(
  entries: { header: Partial<tar.Header> & { name: string }; body?: string }[],
  gzip = false,
): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry(e.header, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  const raw = Buffer.concat(chunks);
  return gzip ? zlib.gzipSync(raw) : raw;
}

async function importBuffer(store: ContentStore, data: Buffer) {
  const lease = store.lease();
  try {
    const result = await importArchive(Readable.from([data]), store, lease, limits);
    await store.commit(lease);
    return result;
  } finally {
    lease.release();
  }
}

describe('content-addressed snapshots', () => {
  it('captures a tree once per content, leaves regenerable dirs out, keeps symlinks as links', async () => {
    const store = new ContentStore(dir('s1'));
    const root = dir('w1');
    makeTree(root);
    const first = await capture(store, root);
    const paths = first.manifest.entries.map((e) => e.path);
    assert.ok(paths.includes('dist/index.html'), 'dist is kept');
    for (const p of paths) {
      assert.ok(!p.split('/').some((s) => excludedNames.has(s)), `${p} should be excluded`);
    }
    const outside = first.manifest.entries.find((e) => e.path === 'outside');
    assert.deepEqual(
      outside && outside.type === 'symlink' && outside.target,
      '../../../etc/passwd',
    );
    // copy.txt and src/main.ts share bytes: stored once.
    assert.equal(first.written, first.bytes - Buffer.byteLength('console.log(1)\n'));
    assert.equal((await store.usage()).objects, first.files - 1);

    const second = await capture(store, root);
    assert.equal(second.written, 0, 'an unchanged tree stores nothing new');
    assert.deepEqual(second.manifest, first.manifest);
  });

  it('trusts a remembered hash only while the file is unchanged, even with a forged mtime', async () => {
    const store = new ContentStore(dir('s6'));
    const root = dir('w6');
    const file = path.join(root, 'a.txt');
    fs.writeFileSync(file, 'first');
    const old = fs.statSync(file);
    // Older than the racy margin, so the first capture remembers its hash.
    await new Promise((r) => setTimeout(r, 300));
    const cache = new HashCache();
    const run = async () => {
      const lease = store.lease();
      try {
        return await captureWorkspace({ root, store, lease, excludedNames, ...limits, cache });
      } finally {
        lease.release();
      }
    };
    const first = await run();
    // Same size, same mtime, other bytes: only the ctime tells, and it must.
    fs.writeFileSync(file, 'other');
    fs.utimesSync(file, old.atime, old.mtime);
    const second = await run();
    const hashOf = (r: typeof first) =>
      r.manifest.entries.find((e) => e.path === 'a.txt' && e.type === 'file') as
        { sha256: string } | undefined;
    assert.notEqual(hashOf(second)?.sha256, hashOf(first)?.sha256);
    assert.equal(second.written, 5);
  });

  it('restores byte for byte over a changed tree, owned by the target uid, without following links', async () => {
    const store = new ContentStore(dir('s2'));
    const root = dir('w2');
    makeTree(root);
    const before = describeTree(root);
    const { manifest } = await capture(store, root);

    // Change everything a restore must undo, including a symlink planted where a dir belongs.
    fs.writeFileSync(path.join(root, 'src/main.ts'), 'changed');
    fs.writeFileSync(path.join(root, 'new-file'), 'new');
    fs.rmSync(path.join(root, 'dist'), { recursive: true });
    const victim = dir('victim');
    fs.symlinkSync(victim, path.join(root, 'dist'));
    fs.chmodSync(path.join(root, 'run.sh'), 0o600);
    fs.rmSync(path.join(root, 'empty'), { recursive: true });
    fs.writeFileSync(path.join(root, 'node_modules/react/kept'), 'kept');

    await restoreWorkspace({ root, manifest, store, uid: 12345, gid: 12346, excludedNames });
    assert.deepEqual(describeTree(root), before);
    assert.deepEqual(fs.readdirSync(victim), [], 'nothing was written through the planted link');
    assert.equal(fs.readFileSync(path.join(root, 'node_modules/react/kept'), 'utf8'), 'kept');
    for (const p of ['src/main.ts', 'empty', 'outside', 'src']) {
      const st = fs.lstatSync(path.join(root, p));
      assert.equal(st.uid, 12345, p);
      assert.equal(st.gid, 12346, p);
    }
  });

  it('exports a tar and imports it back to the same manifest, also gzipped', async () => {
    const store = new ContentStore(dir('s3'));
    const root = dir('w3');
    makeTree(root);
    const { manifest } = await capture(store, root);
    const chunks: Buffer[] = [];
    for await (const c of exportArchive(manifest, store)) chunks.push(c as Buffer);
    const archive = Buffer.concat(chunks);
    const other = new ContentStore(dir('s3b'));
    // A tar header keeps mtimes to the second.
    const toSeconds = (m: SnapshotManifest) =>
      m.entries.map((e) => ({ ...e, mtime_ms: Math.floor(e.mtime_ms / 1000) * 1000 }));
    const plain = await importBuffer(other, archive);
    assert.deepEqual(plain.manifest.entries, toSeconds(manifest));
    const gz = await importBuffer(other, zlib.gzipSync(archive));
    assert.deepEqual(gz.manifest.entries, toSeconds(manifest));
    assert.equal(gz.written, 0);
    assert.equal(plain.metadata, null, 'an archive without metadata');
  });

  it('carries metadata on the root entry, which tar tools and older importers skip', async () => {
    const store = new ContentStore(dir('s3m'));
    const root = dir('w3m');
    makeTree(root);
    // Files from long ago: the archive's root entry must take its time from them.
    spawnSync('find', [root, '-exec', 'touch', '-h', '-d', '@1000000000', '{}', '+']);
    const { manifest } = await capture(store, root);
    const metadata = { history: [{ kind: 'task', task_id: 'task01' }], note: 'ünïcode ✓' };
    const chunks: Buffer[] = [];
    for await (const c of exportArchive(manifest, store, metadata)) chunks.push(c as Buffer);
    const archive = Buffer.concat(chunks);
    const back = await importBuffer(new ContentStore(dir('s3n')), archive);
    assert.deepEqual(back.metadata, metadata);
    // The root entry's time is the newest file's, not the clock's: an export is reproducible.
    const extract = tar.extract();
    Readable.from([archive]).pipe(extract);
    for await (const entry of extract) {
      assert.equal(entry.header.name, './');
      assert.equal(entry.header.mtime?.getTime(), 1_000_000_000_000);
      entry.resume();
      break;
    }
    assert.equal(back.manifest.entries.length, manifest.entries.length, 'no extra entry');
    // GNU tar (or bsdtar) lists and extracts it as the same files, without a warning.
    const file = path.join(dir('t3m'), 'a.tar');
    fs.writeFileSync(file, archive);
    const out = dir('x3m');
    const extracted = spawnSync('tar', ['-xf', file, '-C', out], { encoding: 'utf8' });
    assert.equal(extracted.status, 0, extracted.stderr);
    assert.equal(extracted.stderr, '');
    assert.equal(
      fs.readFileSync(path.join(out, 'src/main.ts'), 'utf8'),
      fs.readFileSync(path.join(root, 'src/main.ts'), 'utf8'),
    );
    // A root entry whose comment is not ours, or whose metadata is not JSON.
    const foreign = await tarOf([
      { header: { name: './', type: 'directory', pax: { comment: 'made by hand' } } },
    ]);
    assert.equal((await importBuffer(new ContentStore(dir('s3o')), foreign)).metadata, null);
    const broken = await tarOf([
      {
        header: {
          name: './',
          type: 'directory',
          pax: { comment: 'paddock-snapshot-metadata/1 {not json' },
        },
      },
      { header: { name: 'a.txt', type: 'file' }, body: 'x' },
    ]);
    await assert.rejects(
      importBuffer(new ContentStore(dir('s3p')), broken),
      (err: { code?: string }) => err.code === 'invalid_archive',
    );
  });

  it('refuses unsafe archives', async () => {
    const store = new ContentStore(dir('s4'));
    const file = (name: string) => ({ header: { name, type: 'file' as const }, body: 'x' });
    const cases: [string, Buffer][] = [
      ['dot-dot', await tarOf([file('a/../../etc/passwd')])],
      ['absolute', await tarOf([file('/etc/passwd')])],
      [
        'char device',
        await tarOf([
          { header: { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 } },
        ]),
      ],
      ['block device', await tarOf([{ header: { name: 'sda', type: 'block-device' } }])],
      ['fifo', await tarOf([{ header: { name: 'pipe', type: 'fifo' } }])],
      [
        'hard link',
        await tarOf([file('a'), { header: { name: 'b', type: 'link', linkname: 'a' } }]),
      ],
      ['duplicate', await tarOf([file('a'), file('a')])],
      [
        'through a symlink',
        await tarOf([
          { header: { name: 'l', type: 'symlink', linkname: '/etc' } },
          file('l/passwd'),
        ]),
      ],
      ['gzipped dot-dot', await tarOf([file('../x')], true)],
      ['garbage', Buffer.from('this is not a tar archive at all, not even close'.repeat(20))],
      ['empty', Buffer.alloc(0)],
    ];
    for (const [label, data] of cases) {
      await assert.rejects(importBuffer(store, data), (err: { code?: string }) => {
        assert.equal(err.code, 'invalid_archive', label);
        return true;
      });
    }
  });

  it('bounds what an import may make: entries (implicit dirs too), link targets, stream size', async () => {
    const store = new ContentStore(dir('s7'));
    const small = { maxBytes: 1024, maxEntries: 50 };
    const importWith = async (data: Buffer) => {
      const lease = store.lease();
      try {
        return await importArchive(Readable.from([data]), store, lease, small);
      } finally {
        lease.release();
      }
    };
    const deep = Array.from({ length: 60 }, (_, i) => `d${i}`).join('/');
    const cases: [string, Buffer][] = [
      ['implicit dirs', await tarOf([{ header: { name: `${deep}/f`, type: 'file' }, body: 'x' }])],
      [
        'long link target',
        await tarOf([{ header: { name: 'l', type: 'symlink', linkname: 'a/'.repeat(3000) } }]),
      ],
      [
        'gzip bomb',
        zlib.gzipSync(
          await tarOf([{ header: { name: 'big', type: 'file' }, body: '0'.repeat(200_000) }]),
        ),
      ],
    ];
    for (const [label, data] of cases) {
      await assert.rejects(importWith(data), (err: { code?: string }) => {
        assert.equal(err.code, 'invalid_archive', label);
        return true;
      });
    }
  });

  it('reports names that are not UTF-8 as skipped instead of failing or mangling them', async () => {
    const store = new ContentStore(dir('s8'));
    const root = dir('w8');
    fs.writeFileSync(path.join(root, 'ok.txt'), 'fine');
    fs.writeFileSync(Buffer.from(path.join(root, 'latin-\xe9.txt'), 'latin1'), 'odd name');
    const { manifest, skipped } = await capture(store, root);
    assert.deepEqual(
      manifest.entries.map((e) => e.path),
      ['ok.txt'],
    );
    assert.equal(skipped.length, 1);
  });

  it('starts no new work after a failure and waits for what is in flight', async () => {
    const started: number[] = [];
    let inFlight = 0;
    await assert.rejects(
      inParallel([1, 2, 3, 4, 5, 6], 2, async (n) => {
        started.push(n);
        inFlight++;
        await new Promise((r) => setTimeout(r, n === 1 ? 5 : 30));
        inFlight--;
        if (n === 1) throw new Error('first fails');
      }),
      /first fails/,
    );
    assert.equal(inFlight, 0, 'nothing still running when the error surfaces');
    assert.deepEqual(started, [1, 2]);
  });

  it('a sweep keeps objects a running capture holds and removes the rest', async () => {
    const store = new ContentStore(dir('s5'));
    const root = dir('w5');
    fs.writeFileSync(path.join(root, 'a.txt'), 'alpha');
    const lease = store.lease();
    const held = await captureWorkspace({ root, store, lease, excludedNames, ...limits });
    await store.commit(lease);
    // An object nobody holds or refers to: garbage.
    const orphan = store.lease();
    await store.putBuffer(orphan, Buffer.from('orphan'));
    await store.commit(orphan);
    orphan.release();
    // The capture commits while a sweep runs, after the sweep read the references.
    const swept = await store.sweep(async () => {
      lease.release();
      return new Set<string>();
    });
    assert.equal(swept.removed, 1);
    const sha = (
      held.manifest.entries[0] as Extract<SnapshotManifest['entries'][0], { type: 'file' }>
    ).sha256;
    assert.ok(store.has(sha), 'the held object survived');
    // Released and unreferenced after that sweep: the next one collects it.
    assert.equal((await store.sweep(async () => new Set())).removed, 1);
  });
});

describe('packs', () => {
  it('stores a capture of small files as one pack and large ones on their own, readable after a restart', async () => {
    const storeRoot = dir('p1');
    const store = new ContentStore(storeRoot);
    const root = dir('pw1');
    makeTree(root);
    for (let i = 0; i < 200; i++) {
      fs.writeFileSync(path.join(root, 'src', `file-${i}.ts`), `export const n = ${i};\n`);
    }
    const before = describeTree(root);
    const { manifest, files } = await capture(store, root);
    assert.deepEqual(packFiles(storeRoot).length, 1, 'one pack for the whole capture');
    const usage = await store.usage();
    // Two files share bytes; big.bin (5 MiB) is the one object outside the pack.
    assert.equal(usage.objects, files - 1);
    assert.equal(usage.packs, 1);
    const loose = fs
      .readdirSync(path.join(storeRoot, 'objects'))
      .flatMap((p) => fs.readdirSync(path.join(storeRoot, 'objects', p)));
    assert.equal(loose.length, 1);

    // A new store over the same directory (a daemon restart) finds everything and restores it.
    const reopened = new ContentStore(storeRoot);
    const target = dir('pw1-restored');
    await restoreWorkspace({
      root: target,
      manifest,
      store: reopened,
      uid: 0,
      gid: 0,
      excludedNames,
    });
    assert.deepEqual(describeTree(target), before);
  });

  it('stores a stream with empty chunks in it, small or past a pack object', async () => {
    const store = new ContentStore(dir('p1b'));
    const big = crypto.randomBytes(1536 * 1024);
    for (const chunks of [
      [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('c')],
      [big.subarray(0, 1024 * 1024), big.subarray(1024 * 1024), Buffer.alloc(0), Buffer.alloc(0)],
    ]) {
      const lease = store.lease();
      const whole = Buffer.concat(chunks);
      const stored = await store.putStream(lease, Readable.from(chunks), 64 * 1024 * 1024);
      await store.commit(lease);
      lease.release();
      assert.equal(stored.size, whole.length);
      assert.ok((await store.readObject(stored.sha256)).equals(whole));
    }
  });

  it('never stores what a lease put but did not commit', async () => {
    const store = new ContentStore(dir('p2'));
    const lease = store.lease();
    const { sha256, written } = await store.putBuffer(lease, Buffer.from('uncommitted'));
    assert.equal(written, 11);
    lease.release();
    assert.equal(store.has(sha256), false);
    assert.equal((await store.usage()).objects, 0);
  });

  it('drops a pack nothing wants and rewrites one that is mostly garbage', async () => {
    const storeRoot = dir('p3');
    const store = new ContentStore(storeRoot);
    const lease = store.lease();
    const small = await store.putBuffer(lease, Buffer.from('still wanted'));
    const large = await store.putBuffer(lease, crypto.randomBytes(100_000));
    await store.commit(lease);
    lease.release();
    const [first] = packFiles(storeRoot);

    // Only the small object is referenced: the pack is rewritten without the large one.
    const swept = await store.sweep(async () => new Set([small.sha256]));
    assert.equal(swept.removed, 1);
    assert.ok(swept.bytes > 100_000);
    assert.equal(store.has(large.sha256), false);
    assert.equal((await store.readObject(small.sha256)).toString(), 'still wanted');
    const [second] = packFiles(storeRoot);
    assert.notEqual(second, first, 'the old pack was replaced');
    assert.equal(packFiles(storeRoot).length, 1);

    // A reader that opened the object before a sweep still reads it whole afterwards.
    const stream = store.objectStream(small.sha256);
    const secondBytes = fs.statSync(path.join(storeRoot, 'packs', second!)).size;
    assert.deepEqual(await store.sweep(async () => new Set()), {
      removed: 1,
      bytes: secondBytes,
      rewriteErrors: [],
    });
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'still wanted');
    assert.deepEqual(packFiles(storeRoot), []);
  });
});

describe('pack files', () => {
  it('a pack that is not whole is not trusted', async () => {
    const storeRoot = dir('p4');
    const store = new ContentStore(storeRoot);
    const lease = store.lease();
    const { sha256 } = await store.putBuffer(lease, Buffer.from('in a pack'));
    await store.commit(lease);
    lease.release();
    const [name] = fs.readdirSync(path.join(storeRoot, 'packs'));
    const file = path.join(storeRoot, 'packs', name!);
    const whole = fs.readFileSync(file);
    assert.equal(readPackIndex(file)?.[0]?.sha256, sha256);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 3));
    assert.equal(readPackIndex(file), null);
    const reopened = new ContentStore(storeRoot);
    assert.equal(reopened.has(sha256), false);
    assert.deepEqual(reopened.untrustedPacks, [name]);
    assert.deepEqual(fs.readdirSync(path.join(storeRoot, 'packs')), [`${name}.untrusted`]);
    // An index that points past the objects' end.
    fs.writeFileSync(
      file,
      Buffer.from(whole.toString('latin1').replace(/,9\]/, ',999]'), 'latin1'),
    );
    assert.equal(readPackIndex(file), null);
  });

  it('merges small packs when a sweep runs', async () => {
    const storeRoot = dir('p5');
    const store = new ContentStore(storeRoot);
    const stored = await commitEach(store, ['one', 'two', 'three']);
    assert.equal((await store.usage()).packs, 3);
    const swept = await store.sweep(async () => new Set(stored));
    assert.equal(swept.removed, 0);
    assert.equal((await store.usage()).packs, 1);
    const texts = await Promise.all(
      stored.map(async (s) => (await store.readObject(s)).toString()),
    );
    assert.deepEqual(texts, ['one', 'two', 'three']);
  });

  it('merges small packs once enough have gathered, with nothing deleted', async () => {
    const storeRoot = dir('p5b');
    const store = new ContentStore(storeRoot);
    const named = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => `object ${from + i}`);
    const stored = await commitEach(store, named(0, 5));
    assert.equal((await store.compact()).merged, 0, 'a few small packs are left alone');
    assert.equal((await store.usage()).packs, 5);
    stored.push(...(await commitEach(store, named(5, 40))));
    const compacted = await store.compact();
    assert.deepEqual(compacted, { merged: 40, errors: [] });
    assert.equal((await store.usage()).packs, 1);
    // Every object, garbage or not, still reads; also after a restart.
    for (const s of [store, new ContentStore(storeRoot)]) {
      const texts = await Promise.all(stored.map(async (h) => (await s.readObject(h)).toString()));
      assert.deepEqual(
        texts,
        stored.map((_, i) => `object ${i}`),
      );
    }
  });

  it('fails a commit on a full disk instead of keeping a cut-off pack', async (t) => {
    const storeRoot = dir('p6');
    // A real full disk: a 256 KiB tmpfs (the suite runs as root).
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', storeRoot]);
    assert.equal(mounted.status, 0, mounted.stderr.toString());
    t.after(() => spawnSync('umount', [storeRoot]));
    const store = new ContentStore(storeRoot);
    const lease = store.lease();
    const shas: string[] = [];
    for (let i = 0; i < 3; i++) {
      shas.push((await store.putBuffer(lease, crypto.randomBytes(100_000))).sha256);
    }
    await assert.rejects(store.commit(lease), /ENOSPC/);
    lease.release();
    for (const sha of shas) assert.equal(store.has(sha), false);
    assert.deepEqual(fs.readdirSync(path.join(storeRoot, 'packs')), []);
    assert.deepEqual(fs.readdirSync(path.join(storeRoot, 'tmp')), []);
  });

  it('syncs without failing when a sweep has already replaced the packs it was to sync', async () => {
    const storeRoot = dir('p8');
    const store = new ContentStore(storeRoot);
    const stored = await commitEach(store, ['alpha', 'beta', 'gamma']);
    // The three packs are merged into one and removed before anything synced them.
    await store.sweep(async () => new Set(stored));
    assert.equal(packFiles(storeRoot).length, 1);
    await store.sync();
    assert.equal(store.failedSyncs, 0);
    const reopened = new ContentStore(storeRoot);
    const texts = await Promise.all(
      stored.map(async (h) => (await reopened.readObject(h)).toString()),
    );
    assert.deepEqual(texts, ['alpha', 'beta', 'gamma']);
  });

  it('checks objects byte by byte after a crash: sound, damaged, missing', async () => {
    const storeRoot = dir('p9');
    const store = new ContentStore(storeRoot);
    const lease = store.lease();
    const small = await store.putBuffer(lease, Buffer.from('a small object, packed'));
    const other = await store.putBuffer(lease, Buffer.from('another small one'));
    const large = await store.putBuffer(lease, crypto.randomBytes(3 * 1024 * 1024));
    await store.commit(lease);
    lease.release();
    // Before any sync, as a restarted daemon finds them.
    let reopened = new ContentStore(storeRoot);
    const all = [small.sha256, other.sha256, large.sha256];
    assert.deepEqual(await reopened.checkObjects(all), new Map());
    // One byte of one packed object flipped: that object is damaged, and the pack is set aside
    // whole, so its sound neighbour is not offered to a new capture either.
    const pack = path.join(storeRoot, 'packs', packFiles(storeRoot)[0]!);
    const entry = readPackIndex(pack)!.find((e) => e.sha256 === small.sha256)!;
    const bytes = fs.readFileSync(pack);
    bytes.writeUInt8(bytes.readUInt8(entry.offset) ^ 0xff, entry.offset);
    fs.writeFileSync(pack, bytes);
    // The large object's file lost.
    fs.rmSync(path.join(storeRoot, 'objects', large.sha256.slice(0, 2), large.sha256.slice(2)));
    reopened = new ContentStore(storeRoot);
    assert.deepEqual(
      await reopened.checkObjects([small.sha256, large.sha256]),
      new Map([
        [small.sha256, `object ${small.sha256} is damaged`],
        [large.sha256, `object ${large.sha256} is missing`],
      ]),
    );
    assert.equal(reopened.has(other.sha256), false);
    assert.deepEqual(reopened.untrustedPacks, [path.basename(pack)]);
    assert.ok(fs.existsSync(`${pack}.untrusted`));
    // What the last run wrote is synced by the first sync: nothing is left to it.
    await reopened.sync();
    assert.equal(reopened.failedSyncs, 0);
  });

  it('closes what an export had open when its reader goes away', async () => {
    const store = new ContentStore(dir('p7'));
    const root = dir('pw7');
    makeTree(root);
    const { manifest } = await capture(store, root);
    const openFds = () => fs.readdirSync('/proc/self/fd').length;
    const before = openFds();
    const archive = exportArchive(manifest, store);
    // Read into the 5 MiB file, then hang up.
    let read = 0;
    for await (const chunk of archive) {
      read += (chunk as Buffer).length;
      if (read > 1024 * 1024) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(openFds(), before);
  });
});
