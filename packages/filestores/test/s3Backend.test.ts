import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, test } from 'node:test';
import { FilestoreUnavailable } from '../src/errors.js';
import { S3Backend } from '../src/s3Backend.js';
import { backendContract, from, text } from './backendContract.js';
import { startS3Emulator, type S3Emulator } from './s3Emulator.js';

let emulator: S3Emulator;
let backend: S3Backend;

before(async () => {
  emulator = await startS3Emulator();
  backend = new S3Backend({
    endpoint: emulator.endpoint,
    region: emulator.region,
    bucket: emulator.bucket,
    prefix: 'filestores/',
    credentials: emulator.credentials,
    forcePathStyle: true,
  });
});

after(async () => {
  backend.close();
  await emulator.close();
});

backendContract('S3 backend (s3rver emulator)', () => backend);

test('S3 backend keeps files under <prefix>/<location key>/ (s3rver emulator)', async () => {
  const loc = { key: 'owner-9/fs-keys' };
  await backend.put(loc, 'a/b.txt', from('b'));
  const bare = new S3Backend({
    endpoint: emulator.endpoint,
    region: emulator.region,
    bucket: emulator.bucket,
    credentials: emulator.credentials,
    forcePathStyle: true,
  });
  try {
    // The same bucket without a prefix sees the object at its full key.
    const seen = await bare.stat({ key: 'filestores/owner-9/fs-keys' }, 'a/b.txt');
    assert.equal(seen?.size, 1);
  } finally {
    bare.close();
  }
});

test('S3 backend errors name the S3 error and nothing else (s3rver emulator)', async () => {
  const secret = 'wJalrXUtnFEMI-not-a-real-secret-K7MDENG';
  const options = {
    endpoint: emulator.endpoint,
    region: emulator.region,
    forcePathStyle: true,
  };
  const loc = { key: 'owner-1/fs' };
  const expectFailure = async (call: Promise<unknown>, reason: string) => {
    await assert.rejects(call, (err: unknown) => {
      assert.ok(err instanceof FilestoreUnavailable, String(err));
      assert.equal(err.reason, reason);
      assert.ok(!err.message.includes(secret) && !err.message.includes('http'), err.message);
      return true;
    });
  };
  const noBucket = new S3Backend({
    ...options,
    bucket: 'no-such-bucket',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: secret },
  });
  const down = new S3Backend({
    ...options,
    endpoint: 'http://127.0.0.1:9',
    bucket: emulator.bucket,
    credentials: emulator.credentials,
  });
  try {
    await expectFailure(noBucket.list(loc, { limit: 10 }), 'NoSuchBucket');
    await expectFailure(noBucket.get(loc, 'x'), 'NoSuchBucket');
    await expectFailure(noBucket.put(loc, 'x', from('x')), 'NoSuchBucket');
    // A multipart upload failing while the source still streams: the S3 error, not the stream's.
    const large = Array.from({ length: 20 }, () => Buffer.alloc(1024 * 1024));
    await expectFailure(noBucket.put(loc, 'x', Readable.from(large)), 'NoSuchBucket');
    await expectFailure(down.stat(loc, 'x'), 'ECONNREFUSED');
  } finally {
    noBucket.close();
    down.close();
  }
});

test('S3 backend streams a 100 MB object up and down with bounded memory (s3rver emulator)', async () => {
  const loc = { key: 'owner-1/big' };
  const size = 100 * 1024 * 1024;
  const chunk = 256 * 1024;
  // What is measured is memory held, not garbage not yet collected (V8 lets up to ~64 MB of
  // dead buffers wait for a collection): each sample collects first.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Warm up the client (modules, connections, a multipart upload) before the baseline.
  const warm = Array.from({ length: 10 }, () => Buffer.alloc(1024 * 1024));
  await backend.put(loc, 'warm', Readable.from(warm));
  await text((await backend.get(loc, 'warm'))?.stream);
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const sent = createHash('sha256');
    async function* generate(): AsyncGenerator<Buffer> {
      for (let offset = 0; offset < size; offset += chunk) {
        const bytes = Buffer.alloc(chunk, offset / chunk);
        sent.update(bytes);
        yield bytes;
      }
    }
    const entry = await backend.put(loc, 'big.bin', Readable.from(generate()), {
      maxBytes: size,
    });
    assert.equal(entry.size, size);
    const got = await backend.get(loc, 'big.bin');
    const received = createHash('sha256');
    let count = 0;
    for await (const part of got?.stream ?? []) {
      received.update(part as Buffer);
      count += (part as Buffer).length;
    }
    assert.equal(count, size);
    assert.equal(received.digest('hex'), sent.digest('hex'));
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const growth = peak - baseline;
  assert.ok(
    growth < 64 * 1024 * 1024,
    `RSS grew by ${Math.round(growth / 1024 / 1024)} MB for a 100 MB object`,
  );
});
