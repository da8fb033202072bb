/**
 * Userspace packages fuzzed where they are read (issue 20): a real package (yazl) with bytes
 * flipped, cut, padded, blocks copied over others and header fields set to extremes; and zips
 * written byte by byte from random entries (names that climb out, absolute and odd names,
 * symlink and device modes, methods, sizes that lie, entries sharing data). Each is listed and
 * extracted, or refused with a `package_*` PaddockError whose status is a 4xx; whatever is
 * written stays inside the staging dir, which is gone after a refusal; a canary the names aim
 * at stays empty.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES, PaddockError } from '@paddock/shared';
import { extractPackage, inspectPackage } from '../src/index.js';
import { MANIFEST, scratch, write } from './testPackages.js';
import { deflated, rawZip, yazlZip, zerosDeflated, type RawEntry } from './zipCorpus.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const canary = fs.mkdtempSync(path.join(scratch, 'canary-'));
let runs = 0;
const outcomes = new Map<string, number>();

/** Every file under `dir`, relative, links included (and not followed). */
function tree(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/**
 * Lists and extracts `bytes`; a refusal must be a package_* 4xx. After: a refusal leaves no
 * staging dir, success leaves regular files and directories inside it only, and nothing is
 * written to the canary or next to the staging dir.
 */
async function readThrough(bytes: Buffer): Promise<string> {
  const parent = path.join(scratch, `run-${runs++}`);
  fs.mkdirSync(parent);
  const staging = path.join(parent, 'staging');
  const file = write(bytes);
  let outcome = 'extracted';
  try {
    const listing = await inspectPackage(file);
    await extractPackage(file, listing, staging);
    for (const rel of tree(staging)) {
      const st = fs.lstatSync(path.join(staging, rel));
      assert.ok(st.isFile() || st.isDirectory(), `${rel} is neither a file nor a directory`);
    }
  } catch (err) {
    assert.ok(err instanceof PaddockError, `not a PaddockError: ${String(err)}`);
    assert.match(err.code, /^package_/, err.message);
    assert.ok(ERROR_CODES[err.code].status < 500, `${err.code} is a ${err.status}`);
    assert.ok(!fs.existsSync(staging), 'a refusal leaves no staging dir');
    outcome = err.code;
  } finally {
    fs.rmSync(file, { force: true });
  }
  assert.deepEqual(
    fs.readdirSync(parent).filter((n) => n !== 'staging'),
    [],
    'nothing beside the staging dir',
  );
  assert.deepEqual(fs.readdirSync(canary), [], 'nothing where the names aimed');
  fs.rmSync(parent, { recursive: true, force: true });
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  return outcome;
}

describe('userspace packages, fuzzed', () => {
  it('lists and extracts a real package with bytes changed, or refuses it with a 4xx', async () => {
    const real = await yazlZip([
      { name: 'paddock-app.json', content: MANIFEST },
      { name: 'index.html', content: '<h1>hi</h1>'.repeat(50) },
      { name: 'assets/', content: '' },
      { name: 'assets/app.js', content: 'console.log(1);\n'.repeat(100), compress: false },
      { name: 'assets/data.json', content: JSON.stringify({ a: [1, 2, 3] }) },
    ]);
    assert.equal(await readThrough(real), 'extracted');
    const extreme = fc.constantFrom(0, 1, 0xff, 0xffff, 0xffffffff, 0x7fffffff);
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('append' as const),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 512 }),
      }),
      fc.record({
        kind: fc.constant('copy' as const),
        from: fc.nat(),
        to: fc.nat(),
        length: fc.integer({ min: 1, max: 200 }),
      }),
      fc.record({ kind: fc.constant('field' as const), at: fc.nat(), value: extreme }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const data = Buffer.from(real);
        const at = (n: number) => n % data.length;
        if (m.kind === 'flip') for (const n of m.at) data[at(n)] = m.byte;
        if (m.kind === 'copy') data.copy(data, at(m.to), at(m.from), at(m.from) + m.length);
        // A size, count or offset of some header set to an extreme (little-endian, 2 or 4 bytes).
        if (m.kind === 'field') {
          const i = at(m.at) - (at(m.at) % 2);
          if (m.value > 0xffff && i + 4 <= data.length) data.writeUInt32LE(m.value, i);
          else if (i + 2 <= data.length) data.writeUInt16LE(m.value & 0xffff, i);
        }
        const bytes =
          m.kind === 'cut'
            ? data.subarray(0, at(m.at))
            : m.kind === 'append'
              ? Buffer.concat([data, Buffer.from(m.bytes)])
              : data;
        await readThrough(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses random entries that climb out, lie or are not files, with a 4xx', async () => {
    const climb = path.join(canary, 'x').slice(1);
    const name = fc.oneof(
      fc.constantFrom(
        `../../../../../../../../${climb}`,
        `a/../../../../../../../../${climb}`,
        `/${climb}`,
        '..',
        '.',
        './a',
        'a/./b',
        'a//b',
        'a\\..\\..\\b',
        'C:/x',
        'a\u0000b',
        'node_modules/x.js',
        'lib.so',
        'a/',
        'a',
        'a/b',
        'A',
        'paddock-app.json',
        'paddock-app.sig',
        '\u00e9',
        'e\u0301',
        'x'.repeat(300),
      ),
      fc.string({ minLength: 1, maxLength: 12 }),
    );
    const mode = fc.constantFrom(0o100644, 0o100755, 0o120777, 0o040755, 0o020644, 0o010644, 0);
    const raw: fc.Arbitrary<RawEntry> = fc.record(
      {
        name,
        data: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
        method: fc.constantFrom(0, 8, 12, 99),
        size: fc.oneof(fc.nat({ max: 100 }), fc.constantFrom(0xffffffff, 2 ** 31)),
        flags: fc.constantFrom(0x800, 0, 0x1, 0x8, 0x801),
        mode,
        sameDataAs: fc.nat({ max: 3 }),
      },
      { requiredKeys: ['name'] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(raw, { maxLength: 6 }),
        fc.boolean(),
        async (entries, withManifest) => {
          // Entries sharing data only with ones before them; a manifest first, mostly.
          const fixed = entries.map((e, i) =>
            e.sameDataAs !== undefined && e.sameDataAs >= i ? { ...e, sameDataAs: undefined } : e,
          ) as RawEntry[];
          const all = withManifest
            ? [{ name: 'paddock-app.json', data: Buffer.from(MANIFEST) }, ...fixed]
            : fixed;
          await readThrough(rawZip(all));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses a hand-written corpus of hostile zips, each with its code', async () => {
    const manifest: RawEntry = { name: 'paddock-app.json', data: Buffer.from(MANIFEST) };
    const x = Buffer.from('x');
    const withCount = (zip: Buffer, count: number) => {
      const z = Buffer.from(zip);
      z.writeUInt16LE(count, z.length - 14);
      z.writeUInt16LE(count, z.length - 12);
      return z;
    };
    const two = rawZip([manifest, { name: 'a.txt', data: x }]);
    const cases: [string, Buffer, string][] = [
      [
        'zip slip',
        rawZip([manifest, { name: `../../../${canary.slice(1)}/x`, data: x }]),
        'package_unsafe_path',
      ],
      ['absolute', rawZip([manifest, { name: `${canary}/x`, data: x }]), 'package_unsafe_path'],
      [
        'a symlink',
        rawZip([manifest, { name: 'l', data: Buffer.from(canary), mode: 0o120777 }]),
        'package_special_entry',
      ],
      [
        'a file under a symlink of the same name',
        rawZip([
          manifest,
          { name: 'l', data: Buffer.from('/'), mode: 0o120777 },
          { name: 'l/x', data: x },
        ]),
        'package_special_entry',
      ],
      [
        'two entries over the same bytes',
        rawZip([manifest, { name: 'a.txt', data: x }, { name: 'b.txt', data: x, sameDataAs: 1 }]),
        'package_bomb',
      ],
      [
        'a ratio bomb',
        rawZip([
          manifest,
          deflated('z', Buffer.alloc(0)),
          {
            name: 'zeros',
            data: await zerosDeflated(32 * 1024 * 1024),
            method: 8,
            size: 32 * 1024 * 1024,
          },
        ]),
        'package_bomb',
      ],
      [
        'a central directory with more entries than it holds',
        withCount(two, 0xffff),
        'package_too_large',
      ],
      [
        // The uncounted entry is never read, by the signer or the installer: one view of the zip.
        'a central directory counting fewer entries than it holds',
        withCount(two, 1),
        'extracted',
      ],
      [
        'a declared size past the data',
        rawZip([manifest, { name: 'a.txt', data: x, size: 0xffffffff }]),
        'package_invalid',
      ],
    ];
    const got: [string, string][] = [];
    for (const [label, bytes] of cases) got.push([label, await readThrough(bytes)]);
    assert.deepEqual(
      got,
      cases.map(([label, , code]) => [label, code]),
    );
    process.stdout.write(`# outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
  });
});
