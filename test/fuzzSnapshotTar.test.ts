/**
 * Snapshot archives from outside, fuzzed through the real daemon (issue 20): a real exported
 * archive with bytes flipped, cut short, padded or gzipped, and tars written byte by byte with
 * what a tar writer refuses to make (`..` and absolute names, links pointing out, sizes that
 * lie, giant pax and GNU long-name headers, more entries than allowed, a gzip bomb). Each is a
 * 201 or a 4xx `invalid_archive`, never a 5xx; nothing lands outside the store (a canary
 * directory the names aim at stays empty); the store's staging dir is empty after; the daemon
 * serves throughout.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { suiteDaemon } from './harness.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
/** The daemon's import cap, small so a bomb meets it early. */
const MAX_MB = 4;

interface Answer {
  status: number;
  body: { id?: string; error?: { code: string; message: string } };
}

/** One ustar header block, checksummed; `size` may be any number (base-256 past octal's reach). */
function header(h: {
  name: string;
  type?: string;
  size?: number;
  linkname?: string;
  mode?: number;
}): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name.slice(0, 100), 0, 'utf8');
  b.write(`${(h.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  const size = h.size ?? 0;
  if (size < 8 ** 11) {
    b.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  } else {
    // GNU base-256: the high bit of the first byte set, the number big-endian in the rest.
    b[124] = 0x80;
    let n = BigInt(size);
    for (let i = 135; i > 124; i--, n >>= 8n) b[i] = Number(n & 0xffn);
  }
  b.write('14500000000\0', 136);
  b.write(h.type ?? '0', 156);
  b.write((h.linkname ?? '').slice(0, 100), 157);
  b.write('ustar\0', 257);
  b.write('00', 263);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return b;
}

/** An entry: its header and its data padded to the block. */
function entry(h: Parameters<typeof header>[0], data = Buffer.alloc(0)): Buffer {
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([header({ size: data.length, ...h }), data, Buffer.alloc(pad)]);
}

const END = Buffer.alloc(1024);
const tarOf = (...entries: Buffer[]) => Buffer.concat([...entries, END]);

/** A pax record: its length counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len++;
  return `${len}${body}`;
}

describe('snapshot archives from outside', () => {
  const d = suiteDaemon({ env: { PADDOCK_SNAPSHOT_MAX_MB: String(MAX_MB) } });
  const canary = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-canary-'));
  const up = (n: number) => '../'.repeat(n);
  let real: Buffer;
  const codes = new Map<string, number>();

  after(() => fs.rmSync(canary, { recursive: true, force: true }));

  /**
   * One kept-alive connection for every import: a refusal that left it mid-request would make
   * the next import on it hang, then be reset.
   */
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  after(() => agent.destroy());

  /**
   * POSTs an archive. A refusal may come while the body is still being sent, and the daemon then
   * closes the connection: the answer counts, the write error that follows does not.
   */
  function importTar(data: Buffer, type = 'application/x-tar'): Promise<Answer> {
    return new Promise((resolve, reject) => {
      let answer: Answer | undefined;
      const req = http.request(
        `${d.url}/v1/snapshots/import?name=fuzz`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${d.token}`,
            'content-type': type,
            'content-length': data.length,
          },
          timeout: 60_000,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', () => undefined);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let body: Answer['body'];
            try {
              body = JSON.parse(text) as Answer['body'];
            } catch {
              body = { error: { code: 'not json', message: text.slice(0, 200) } };
            }
            resolve((answer = { status: res.statusCode ?? 0, body }));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer in time')));
      req.on('error', (err) => (answer ? resolve(answer) : reject(err)));
      req.end(data);
    });
  }

  /** A 201 (the snapshot removed again) or a 4xx invalid_archive; never anything else. */
  async function assertHandled(label: string, data: Buffer, type?: string): Promise<Answer> {
    const answer = await importTar(data, type);
    const code = answer.body.error?.code ?? String(answer.status);
    codes.set(code, (codes.get(code) ?? 0) + 1);
    if (answer.status === 201) {
      const gone = await d.api('DELETE', `/v1/snapshots/${answer.body.id}`);
      assert.equal(gone.status, 204);
    } else {
      assert.equal(answer.status, 400, `${label}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error?.code, 'invalid_archive', label);
    }
    return answer;
  }

  /** Refused with invalid_archive: a 400 naming why. */
  async function assertRefused(label: string, data: Buffer, type?: string): Promise<void> {
    const answer = await assertHandled(label, data, type);
    assert.equal(answer.status, 400, `${label} was accepted`);
  }

  /** Nothing outside the store, no staging left, and the daemon still serves. */
  function assertClean(): Promise<void> {
    assert.deepEqual(fs.readdirSync(canary), [], 'nothing was written where the names aimed');
    assert.deepEqual(
      fs.readdirSync(path.join(d.dataDir, 'snapshots', 'tmp')),
      [],
      'no staging file is left',
    );
    return fetch(`${d.url}/readyz`).then((r) => assert.equal(r.status, 200));
  }

  before(async () => {
    // A real archive, as the daemon exports it: files, a directory, a link, the metadata header.
    const source = tarOf(
      entry({ name: 'src/', type: '5', mode: 0o755 }),
      entry({ name: 'src/index.js' }, Buffer.from('console.log("hi");\n'.repeat(40))),
      entry({ name: 'README.md' }, Buffer.from('# fuzz\n')),
      entry({ name: 'link', type: '2', linkname: 'src/index.js' }),
    );
    const imported = await importTar(source);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const exported = await fetch(`${d.url}/v1/snapshots/${imported.body.id}/export`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    real = Buffer.from(await exported.arrayBuffer());
    assert.ok(real.length > 2048);
  });

  it('takes the real archive back, plain and gzipped', async () => {
    assert.equal((await assertHandled('as exported', real)).status, 201);
    const gz = await assertHandled('gzipped', zlib.gzipSync(real), 'application/gzip');
    assert.equal(gz.status, 201);
  });

  it('answers a mutated real archive with a 201 or invalid_archive', async () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('append' as const),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 2048 }),
      }),
      fc.record({ kind: fc.constant('splice' as const), from: fc.nat(), to: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, fc.boolean(), async (m, gzip) => {
        let data = Buffer.from(real);
        if (m.kind === 'flip') for (const at of m.at) data[at % data.length] = m.byte;
        if (m.kind === 'cut') data = data.subarray(0, m.at % data.length);
        if (m.kind === 'append') data = Buffer.concat([data, Buffer.from(m.bytes)]);
        if (m.kind === 'splice') {
          // A block of the archive copied over another: a header where data was, or twice.
          const from = (m.from % (data.length / 512)) * 512;
          const to = (m.to % (data.length / 512)) * 512;
          data.copy(data, to, from, from + 512);
        }
        if (gzip) data = zlib.gzipSync(data);
        await assertHandled(JSON.stringify(m).slice(0, 200), data);
      }),
      { numRuns: RUNS },
    );
    await assertClean();
  });

  it('answers random bytes, plain and gzipped, with invalid_archive', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), async (bytes, gzip) => {
        const data = gzip ? zlib.gzipSync(bytes) : Buffer.from(bytes);
        await assertHandled(`${bytes.length} random bytes`, data);
      }),
      { numRuns: RUNS },
    );
    await assertRefused('empty', Buffer.alloc(0));
    await assertRefused('a cut gzip', zlib.gzipSync(real).subarray(0, 100));
    await assertRefused('gzip magic then junk', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]));
    await assertClean();
  });

  it('refuses names and links that aim outside, and writes nothing there', async () => {
    const target = path.join(canary, 'pwned');
    const x = Buffer.from('x');
    const cases: [string, Buffer][] = [
      ['dot-dot', tarOf(entry({ name: `${up(12)}${target.slice(1)}` }, x))],
      ['inner dot-dot', tarOf(entry({ name: `a/${up(12)}${target.slice(1)}` }, x))],
      ['absolute', tarOf(entry({ name: target }, x))],
      ['dot-slash dot-dot', tarOf(entry({ name: `./../${up(12)}x` }, x))],
      [
        'a file through a symlink pointing out',
        tarOf(entry({ name: 'out', type: '2', linkname: canary }), entry({ name: 'out/pwned' }, x)),
      ],
      [
        'a directory through a symlink pointing out',
        tarOf(
          entry({ name: 'out', type: '2', linkname: `${up(12)}${canary.slice(1)}` }),
          entry({ name: 'out/sub/', type: '5' }),
        ),
      ],
      ['a hard link out', tarOf(entry({ name: 'h', type: '1', linkname: target }))],
      [
        'a hard link to an entry',
        tarOf(entry({ name: 'a' }, x), entry({ name: 'b', type: '1', linkname: 'a' })),
      ],
      ['a device', tarOf(entry({ name: 'dev', type: '3' }))],
      ['a FIFO', tarOf(entry({ name: 'fifo', type: '6' }))],
      ['an unknown type', tarOf(entry({ name: 'q', type: 'Q' }, x))],
      ['a duplicate', tarOf(entry({ name: 'a' }, x), entry({ name: 'a' }, x))],
      [
        'a file, then a directory of its name',
        tarOf(entry({ name: 'a' }, x), entry({ name: 'a/b' }, x)),
      ],
      [
        'a pax path pointing out',
        tarOf(
          entry({ name: 'PaxHeader', type: 'x' }, Buffer.from(paxRecord('path', target))),
          entry({ name: 'innocent' }, x),
        ),
      ],
      [
        'a GNU long name pointing out',
        tarOf(
          entry({ name: '././@LongLink', type: 'L' }, Buffer.from(`${up(40)}${target.slice(1)}\0`)),
          entry({ name: 'innocent' }, x),
        ),
      ],
    ];
    for (const [label, data] of cases) await assertRefused(label, data);
    await assertClean();
  });

  it('keeps a symlink pointing out as a link, by design, and follows none', async () => {
    // Snapshots keep such links (a restore never writes through one; see ArchiveEntryCheck).
    const answer = await assertHandled(
      'a lone symlink out',
      tarOf(entry({ name: 'passwd', type: '2', linkname: '/etc/passwd' })),
    );
    assert.equal(answer.status, 201);
    await assertClean();
  });

  it('refuses sizes that lie and headers too large to hold', async () => {
    const x = Buffer.from('x');
    const cases: [string, Buffer][] = [
      ['a declared 8 GiB file', Buffer.concat([header({ name: 'big', size: 8 ** 11 - 1 }), x])],
      ['a declared 2^60 byte file', Buffer.concat([header({ name: 'big', size: 2 ** 60 }), x])],
      ['a declared size past the data', tarOf(header({ name: 'short', size: 5000 }), x)],
      [
        'a pax size past the cap',
        tarOf(
          entry({ name: 'PaxHeader', type: 'x' }, Buffer.from(paxRecord('size', '99999999999999'))),
          entry({ name: 'big' }, x),
        ),
      ],
      [
        'a negative pax size',
        tarOf(
          entry({ name: 'PaxHeader', type: 'x' }, Buffer.from(paxRecord('size', '-5'))),
          entry({ name: 'neg' }, x),
        ),
      ],
      [
        'a pax header declaring 1 GiB',
        Buffer.concat([header({ name: 'PaxHeader', type: 'x', size: 2 ** 30 }), Buffer.alloc(512)]),
      ],
      [
        'a GNU long name declaring 1 GiB',
        Buffer.concat([
          header({ name: '././@LongLink', type: 'L', size: 2 ** 30 }),
          Buffer.alloc(512),
        ]),
      ],
      [
        'a header with a broken checksum',
        (() => {
          const t = tarOf(entry({ name: 'a' }, x));
          t[0] = 0x62;
          return t;
        })(),
      ],
    ];
    for (const [label, data] of cases) await assertRefused(label, data);
    await assertClean();
  });

  it('refuses a gzip bomb and more files than the cap, early and with the daemon serving', async () => {
    // A file declaring as much as the cap allows, then 1 GiB of zeros far past its end: gzip
    // members back to back inflate as one stream, so 1,024 copies of 1 MiB are about 1 MiB.
    const zeros = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat([
      zlib.gzipSync(entry({ name: 'a' }, Buffer.from('x'))),
      zlib.gzipSync(header({ name: 'zeros', size: MAX_MB * 1024 * 1024 - 1 })),
      ...Array.from({ length: 1024 }, () => zeros),
    ]);
    await assertRefused('a gzip bomb', bomb, 'application/gzip');
    // Files past the cap, each small: the sum is what counts.
    const half = Buffer.alloc((MAX_MB / 2) * 1024 * 1024 + 1, 0x61);
    await assertRefused(
      'three files of half the cap',
      zlib.gzipSync(
        tarOf(entry({ name: 'a' }, half), entry({ name: 'b' }, half), entry({ name: 'c' }, half)),
      ),
      'application/gzip',
    );
    await assertClean();
  });

  it('takes many tiny entries, and refuses more than the entry cap', async () => {
    const many = (n: number) => {
      const blocks = Array.from({ length: n }, (_, i) => header({ name: `d/${i}` }));
      blocks.push(END);
      return zlib.gzipSync(Buffer.concat(blocks), { level: 1 });
    };
    assert.equal((await assertHandled('2,000 empty files', many(2_000))).status, 201);
    await assertRefused('200,001 empty files', many(200_001), 'application/gzip');
    await assertClean();
    process.stdout.write(`# answers: ${JSON.stringify(Object.fromEntries(codes))}\n`);
  });
});
