import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { ContentGuard } from '../src/archive/contentGuard.js';
import { DEFAULT_PACKAGE_LIMITS } from '../src/archive/limits.js';
import { assertRefused, manifest, scratch, text } from './testPackages.js';
import { deflated, rawZip, zerosDeflated, type RawEntry } from './zipCorpus.js';

describe('inspectPackage: refusals', () => {
  it('refuses unsafe names', async () => {
    const cases: Array<[string, string | Buffer, string]> = [
      ['absolute', '/etc/passwd', '/etc/passwd'],
      ['drive letter', 'C:/x.txt', 'C:/x.txt'],
      ['dot dot', '../evil.js', '../evil.js'],
      ['inner dot dot', 'a/../../evil.js', 'a/../../evil.js'],
      ['dot segment', 'a/./b.txt', 'a/./b.txt'],
      ['empty segment', 'a//b.txt', 'a//b.txt'],
      ['backslash', 'a\\..\\b.txt', 'a\\..\\b.txt'],
      ['NUL', 'a\0b.txt', 'a\0b.txt'],
      ['escape', 'a\x1b[2Jb.txt', 'a\x1b[2Jb.txt'],
      ['newline', 'a\nb.txt', 'a\nb.txt'],
      ['C1 control', 'a\u0085b.txt', 'a\u0085b.txt'],
      ['empty name', '', ''],
      ['slash only', '/', '/'],
      ['not UTF-8', Buffer.from([0x61, 0xff, 0x62]), 'a\u00ffb'],
      ['too long', 'a/'.repeat(600) + 'b', 'a/'.repeat(600) + 'b'],
    ];
    for (const [label, name, entry] of cases) {
      await assertRefused(
        label,
        [manifest, { name, data: Buffer.from('x') }],
        'package_unsafe_path',
        entry,
      );
    }
  });

  it('refuses symlinks and every other entry that is not a file or a directory', async () => {
    const cases: Array<[string, number]> = [
      ['symlink', 0o120777],
      ['fifo', 0o010644],
      ['char device', 0o020644],
      ['block device', 0o060644],
      ['socket', 0o140755],
    ];
    for (const [label, mode] of cases) {
      await assertRefused(
        label,
        [manifest, { name: 'link', data: Buffer.from('/etc/passwd'), mode }],
        'package_special_entry',
        'link',
      );
    }
    await assertRefused(
      'file named as a dir',
      [manifest, { name: 'd/', mode: 0o100644 }],
      'package_special_entry',
      'd',
    );
    await assertRefused(
      'dir mode on a file name',
      [manifest, { name: 'f', mode: 0o040755 }],
      'package_special_entry',
      'f',
    );
  });

  it('refuses duplicates, case and normalization collisions, and entries under a file', async () => {
    const cases: Array<[string, RawEntry[], string]> = [
      ['duplicate', [text('a.txt'), text('a.txt')], 'a.txt'],
      ['case', [text('README.md'), text('readme.md')], 'readme.md'],
      ['NFC vs NFD', [text('caf\u00e9.txt'), text('cafe\u0301.txt')], 'cafe\u0301.txt'],
      ['dir and file', [{ name: 'lib/' }, text('lib')], 'lib'],
      ['under a file', [text('lib'), text('lib/x.js')], 'lib/x.js'],
      ['file after its children', [text('lib/x.js'), text('LIB')], 'LIB'],
      ['manifest twice', [text('Paddock-App.json')], 'paddock-app.json'],
    ];
    for (const [label, entries, entry] of cases) {
      const all = label === 'manifest twice' ? [...entries, manifest] : [manifest, ...entries];
      await assertRefused(label, all, 'package_duplicate_entry', entry);
    }
  });

  it('refuses native code by name and by magic bytes', async () => {
    for (const name of [
      'addon.node',
      'lib/libx.so',
      'libz.so.1.2',
      'a.dll',
      'bin/tool.EXE',
      'm.dylib',
    ]) {
      await assertRefused(name, [manifest, text(name)], 'package_native_code', name);
    }
    const magics: Array<[string, Buffer]> = [
      ['elf', Buffer.from('\x7fELF\x02\x01\x01', 'latin1')],
      ['macho32', Buffer.from([0xfe, 0xed, 0xfa, 0xce, 0])],
      ['macho64', Buffer.from([0xfe, 0xed, 0xfa, 0xcf, 0])],
      ['fat', Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0])],
      ['macho64le', Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 0])],
      ['macho32le', Buffer.from([0xce, 0xfa, 0xed, 0xfe, 0])],
      ['pe', Buffer.from('MZ\x90\x00', 'latin1')],
      ['pe, two bytes', Buffer.from('MZ', 'latin1')],
    ];
    for (const [label, head] of magics) {
      const data = Buffer.concat([head, crypto.randomBytes(100)]);
      await assertRefused(
        label,
        [manifest, { name: 'assets/blob.bin', data }],
        'package_native_code',
        'assets/blob.bin',
      );
      await assertRefused(
        `${label} deflated`,
        [manifest, deflated('assets/blob.bin', data)],
        'package_native_code',
        'assets/blob.bin',
      );
    }
  });

  it('refuses node_modules anywhere', async () => {
    await assertRefused(
      'top',
      [manifest, text('node_modules/x/index.js')],
      'package_node_modules',
      'node_modules/x/index.js',
    );
    await assertRefused(
      'nested dir',
      [manifest, { name: 'web/Node_Modules/' }],
      'package_node_modules',
      'web/Node_Modules',
    );
  });

  it('refuses encrypted entries', async () => {
    await assertRefused(
      'traditional',
      [manifest, deflated('secret.txt', Buffer.from('hello'), { flags: 0x801 })],
      'package_encrypted',
      'secret.txt',
    );
  });

  it('refuses a package without paddock-app.json at its root', async () => {
    await assertRefused('none', [text('index.js')], 'package_manifest_missing', undefined);
    await assertRefused(
      'nested',
      [text('app/paddock-app.json', '{}')],
      'package_manifest_missing',
      undefined,
    );
    await assertRefused(
      'a directory',
      [{ name: 'paddock-app.json/' }],
      'package_manifest_missing',
      undefined,
    );
    await assertRefused('empty zip', [], 'package_manifest_missing', undefined);
  });

  it('refuses what is not a zip, or not one it can read', async () => {
    await assertRefused('garbage', crypto.randomBytes(500), 'package_invalid', undefined);
    await assertRefused('empty file', Buffer.alloc(0), 'package_invalid', undefined);
    const cut = rawZip([manifest, text('a.txt', 'hello')]);
    await assertRefused(
      'truncated',
      cut.subarray(0, cut.length - 30),
      'package_invalid',
      undefined,
    );
    await assertRefused(
      'bzip2',
      [manifest, { name: 'a.txt', data: Buffer.from('xx'), method: 12 }],
      'package_invalid',
      'a.txt',
    );
    await assertRefused(
      'stored, sizes differ',
      [manifest, { name: 'a.txt', data: Buffer.from('xx'), size: 5 }],
      'package_invalid',
      undefined,
    );
    await assertRefused(
      'fewer bytes than declared',
      [manifest, deflated('a.txt', Buffer.from('hello'), { size: 50 })],
      'package_invalid',
      'a.txt',
    );
  });

  it('holds entries, entry size, total size and ratios to the limits', async () => {
    const random = (n: number) => crypto.randomBytes(n);
    await assertRefused(
      'entries',
      [manifest, text('a'), text('b'), text('c')],
      'package_too_large',
      undefined,
      { maxEntries: 3 },
    );
    await assertRefused(
      'entry bytes',
      [manifest, { name: 'big.bin', data: random(2000) }],
      'package_too_large',
      'big.bin',
      { maxEntryBytes: 1000 },
    );
    await assertRefused(
      'total bytes',
      [manifest, { name: 'a.bin', data: random(600) }, { name: 'b.bin', data: random(600) }],
      'package_too_large',
      'b.bin',
      { maxTotalBytes: 1000 },
    );
    const bigManifest = {
      name: 'paddock-app.json',
      data: Buffer.from(`{"x":"${'y'.repeat(70_000)}"}`),
    };
    await assertRefused('manifest bytes', [bigManifest], 'package_too_large', 'paddock-app.json');
    const zeros = Buffer.alloc(200_000);
    await assertRefused(
      'entry ratio',
      [manifest, deflated('zeros.bin', zeros)],
      'package_bomb',
      'zeros.bin',
      { ratioFloorBytes: 1024 },
    );
    const small = Array.from({ length: 10 }, (_, i) =>
      deflated(`z${i}.bin`, Buffer.alloc(150_000)),
    );
    await assertRefused('overall ratio', [manifest, ...small], 'package_bomb', undefined, {
      ratioFloorBytes: 1_000_000,
    });
    await assertRefused(
      'shared data',
      [manifest, text('a.txt', 'hello'), { ...text('b.txt', 'hello'), sameDataAs: 1 }],
      'package_bomb',
      'b.txt',
    );
  });

  it('refuses more bytes than an entry declares (a lying size)', async () => {
    const content = Buffer.alloc(5_000_000, 0x61);
    await assertRefused(
      'lying size',
      [manifest, deflated('a.txt', content, { size: 100 })],
      'package_bomb',
      'a.txt',
    );
  });

  it('refuses fewer bytes than declared, and deflate data that is not, small entries or large', async () => {
    for (const size of [2_000, 6 * 1024 * 1024]) {
      // Random bytes: no ratio to refuse first.
      const content = crypto.randomBytes(size);
      await assertRefused(
        `fewer bytes (${size})`,
        [manifest, deflated('a.txt', content, { size: size + 10 })],
        'package_invalid',
        'a.txt',
      );
    }
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x37]);
    await assertRefused(
      'not deflate',
      [manifest, { name: 'a.txt', data: garbage, method: 8, size: 100 }],
      'package_invalid',
      'a.txt',
    );
  });

  it('counts the bytes themselves, whatever was declared', async () => {
    const limits = { ...DEFAULT_PACKAGE_LIMITS, ratioFloorBytes: 1024, maxEntryBytes: 1 << 30 };
    const guard = new ContentGuard('zeros.bin', {
      limits,
      compressedSize: 100,
      totalLeft: 1 << 30,
    });
    const err = await pipeline(
      Readable.from([Buffer.alloc(64 * 1024), Buffer.alloc(64 * 1024)]),
      guard,
      async function* (src) {
        for await (const _ of src) yield _;
      },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof PaddockError);
    assert.equal(err.code, 'package_bomb');
    assert.ok(guard.check.bytes <= 64 * 1024, 'stopped at the first chunk over');
  });
});

describe('a ratio bomb', () => {
  // 300 MiB of zeros deflate to ~300 KiB; written in pieces so the test never holds 300 MiB.
  it('is refused from its central directory, or after the bytes it declared, with memory bounded', async () => {
    const total = 300 * 1024 * 1024;
    const data = await zerosDeflated(total);
    assert.ok(data.length < 2 * 1024 * 1024);
    const honest = rawZip([manifest, { name: 'zeros.bin', data, method: 8, size: total }]);
    const lying = rawZip([manifest, { name: 'zeros.bin', data, method: 8, size: 1000 }]);
    const limits = { maxEntryBytes: 1024 * 1024 * 1024, maxTotalBytes: 1024 * 1024 * 1024 };
    const before = process.memoryUsage().rss;
    await assertRefused('honest', honest, 'package_bomb', 'zeros.bin', limits);
    await assertRefused('lying', lying, 'package_bomb', 'zeros.bin', limits);
    await assertRefused('lying, default limits', lying, 'package_bomb', 'zeros.bin');
    const grown = process.memoryUsage().rss - before;
    assert.ok(grown < 64 * 1024 * 1024, `rss grew by ${grown} bytes`);
    // Extraction never starts: nothing inspected, nothing written.
    const dir = path.join(scratch, 'staging-bomb');
    assert.equal(fs.existsSync(dir), false);
  });
});
