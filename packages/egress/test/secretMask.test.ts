import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { maskText, SecretMask } from '../src/secretMask.js';

const KEY = 'sk-live-0123456789';
const OTHER = 'tok-abc';

async function through(chunks: string[], secrets = [KEY, OTHER]): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks.map((c) => Buffer.from(c))).pipe(
    new SecretMask(secrets),
  )) {
    out.push(c as Buffer);
  }
  return Buffer.concat(out).toString();
}

describe('masking secrets an upstream echoes back', () => {
  it('masks each secret whole or split across chunks, keeping the length', async () => {
    const stars = '*'.repeat(KEY.length);
    assert.equal(await through([`a ${KEY} b`]), `a ${stars} b`);
    assert.equal(await through(['x sk-li', 've-0123', '456789 y']), `x ${stars} y`);
    assert.equal(await through(['s', 'k-live-0123456789', `${OTHER}!`]), `${stars}*******!`);
    const text = `{"error":"bad key ${KEY}","again":"${KEY}"}`;
    assert.equal((await through([text])).length, text.length);
  });

  it('passes anything else through unchanged, including a lone start of a secret at the end', async () => {
    assert.equal(await through(['no', ' secret ', 'here']), 'no secret here');
    assert.equal(await through(['ends with sk-live-01']), 'ends with sk-live-01');
    assert.equal(await through(['anything'], []), 'anything');
  });

  it('masks the escaped spellings an API may echo, and a secret inside a longer one whole', async () => {
    const odd = 'sk/a"b c+d';
    const masked = await through(
      [`{"k":${JSON.stringify(odd)},"php":"sk\\/a\\"b c+d","q":"${encodeURIComponent(odd)}"}`],
      [odd],
    );
    assert.ok(
      !masked.includes('sk/a') && !masked.includes('sk\\/a') && !masked.includes('sk%2Fa'),
      masked,
    );
    assert.equal(
      await through(['x tok-abc-long y'], ['tok-abc', 'tok-abc-long']),
      'x ************ y',
    );
  });

  it('holds back only a tail that could start a secret', () => {
    const mask = new SecretMask([KEY]);
    const out: Buffer[] = [];
    mask.on('data', (c: Buffer) => out.push(c));
    mask.write(Buffer.from('data: {"delta":"hi"}\n\n'));
    assert.equal(Buffer.concat(out).toString(), 'data: {"delta":"hi"}\n\n', 'an event is not held');
    mask.write(Buffer.from('next sk-li'));
    assert.equal(Buffer.concat(out).toString().endsWith('next '), true);
  });

  it('masks header text', () => {
    assert.equal(maskText(`Bearer ${OTHER}`, [KEY, OTHER]), 'Bearer *******');
  });
});
