/**
 * What the storage broker costs, measured against a baseline in the same run (as root):
 *
 *   npm run bench:filestore
 *
 * 1. A read-write filestore mount: a sandbox writes then reads a file with dd in its mount,
 *    and the host does the same in the very directory that is mounted. Ratio mount/host for
 *    write and for read (the page cache is dropped before each read, both legs alike).
 * 2. The broker's S3 path: objects PUT and GET through the daemon's filestore API against the
 *    AWS SDK talking to the same S3-compatible server (the s3rver emulator) directly. Ratio
 *    broker/direct throughput for each direction.
 * Issue 19's goal: ≥ 0.8 for each. (Seccomp's start cost is `npm run bench:seccomp`.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ExecResult, Filestore } from '@paddock/shared';
import { startS3Emulator } from '../packages/filestores/test/s3Emulator.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';

const MB = 1024 * 1024;
const FILE_MB = Number(process.env.BENCH_FILE_MB ?? 256);
const OBJECT_MB = Number(process.env.BENCH_OBJECT_MB ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GOAL = 0.8;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function dropCaches(): void {
  execFileSync('sync');
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
}

/** MB/s of one dd: `dd` prints its own rate, but the wall time includes the exec's cost too. */
function ddArgs(kind: 'write' | 'read', file: string): string {
  return kind === 'write'
    ? `dd if=/dev/zero of=${file} bs=1M count=${FILE_MB} conv=fsync status=none`
    : `dd if=${file} of=/dev/null bs=1M status=none`;
}

async function mountLeg(d: TestDaemon) {
  const store = (await d.api<Filestore>('POST', '/v1/filestores', { name: 'bench' })).body;
  const sb = (
    await d.api<{ id: string }>('POST', '/v1/sandboxes', {
      limits: { memory_mb: 1024, disk_mb: 1024 },
      filestores: [{ filestore: store.id, path: '/data/bench', mode: 'rw' }],
    })
  ).body.id;
  const hostDir = path.join(
    d.dataDir,
    'filestores',
    'local',
    fs.readdirSync(path.join(d.dataDir, 'filestores', 'local'))[0]!,
    store.id,
  );
  const inside = async (command: string): Promise<number> => {
    const t0 = performance.now();
    const r = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, {
      command,
      timeout_ms: 300_000,
    });
    if (r.body.exit_code !== 0) throw new Error(`${command}: ${r.body.stderr}`);
    return performance.now() - t0;
  };
  const onHost = (command: string): number => {
    const t0 = performance.now();
    execFileSync('/bin/sh', ['-c', command]);
    return performance.now() - t0;
  };
  const rate = (ms: number) => FILE_MB / (ms / 1000);
  const out = {
    sandbox: { write: [] as number[], read: [] as number[] },
    host: { write: [] as number[], read: [] as number[] },
  };
  for (let i = 0; i < ROUNDS; i++) {
    out.sandbox.write.push(rate(await inside(ddArgs('write', '/data/bench/f'))));
    dropCaches();
    out.sandbox.read.push(rate(await inside(ddArgs('read', '/data/bench/f'))));
    out.host.write.push(rate(onHost(ddArgs('write', path.join(hostDir, 'h')))));
    dropCaches();
    out.host.read.push(rate(onHost(ddArgs('read', path.join(hostDir, 'h')))));
    fs.rmSync(path.join(hostDir, 'h'), { force: true });
  }
  await d.api('DELETE', `/v1/sandboxes/${sb}`);
  return {
    write: { sandbox: median(out.sandbox.write), host: median(out.host.write) },
    read: { sandbox: median(out.sandbox.read), host: median(out.host.read) },
  };
}

function pattern(n: number): Readable {
  let left = n;
  const chunk = Buffer.alloc(MB, 'paddock');
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const part = chunk.subarray(0, Math.min(chunk.length, left));
      left -= part.length;
      this.push(part);
    },
  });
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.length;
  return n;
}

async function s3Leg(d: TestDaemon) {
  const s3 = await startS3Emulator();
  try {
    await d.api('POST', '/v1/filestore-backends', {
      name: 'bench',
      kind: 's3',
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      force_path_style: true,
      access_key_id: s3.credentials.accessKeyId,
      secret_access_key: s3.credentials.secretAccessKey,
    });
    const store = (
      await d.api<Filestore>('POST', '/v1/filestores', { name: 'bench-s3', backend: 'bench' })
    ).body;
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const size = OBJECT_MB * MB;
    const rate = (ms: number) => OBJECT_MB / (ms / 1000);
    const legs = {
      broker: { put: [] as number[], get: [] as number[] },
      direct: { put: [] as number[], get: [] as number[] },
    };
    const auth = { authorization: `Bearer ${d.token}` };
    for (let i = 0; i < ROUNDS; i++) {
      let t0 = performance.now();
      const put = await fetch(`${d.url}/v1/filestores/${store.id}/files?path=o${i}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(pattern(size)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (put.status !== 200) throw new Error(`broker PUT: ${put.status} ${await put.text()}`);
      legs.broker.put.push(rate(performance.now() - t0));
      t0 = performance.now();
      const got = await fetch(`${d.url}/v1/filestores/${store.id}/files?path=o${i}`, {
        headers: auth,
      });
      if ((await drain(got.body as unknown as AsyncIterable<Uint8Array>)) !== size) {
        throw new Error('broker GET: short read');
      }
      legs.broker.get.push(rate(performance.now() - t0));

      t0 = performance.now();
      await new Upload({
        client,
        params: { Bucket: s3.bucket, Key: `direct/o${i}`, Body: pattern(size) },
        partSize: 8 * MB,
        queueSize: 2,
      }).done();
      legs.direct.put.push(rate(performance.now() - t0));
      t0 = performance.now();
      const obj = await client.send(
        new GetObjectCommand({ Bucket: s3.bucket, Key: `direct/o${i}` }),
      );
      if ((await drain(obj.Body as AsyncIterable<Uint8Array>)) !== size) {
        throw new Error('direct GET: short read');
      }
      legs.direct.get.push(rate(performance.now() - t0));
    }
    client.destroy();
    return {
      put: { broker: median(legs.broker.put), direct: median(legs.direct.put) },
      get: { broker: median(legs.broker.get), direct: median(legs.direct.get) },
    };
  } finally {
    await s3.close();
  }
}

async function main(): Promise<void> {
  const dataDir = tempDataDir();
  const d = await startDaemon({ dataDir });
  let mount;
  let s3;
  try {
    mount = await mountLeg(d);
    s3 = await s3Leg(d);
  } finally {
    await d.stop();
    await destroyEverything(dataDir);
  }
  const rows = [
    ['mount write', mount.write.sandbox, mount.write.host, 'host dir'],
    ['mount read', mount.read.sandbox, mount.read.host, 'host dir'],
    ['S3 put', s3.put.broker, s3.put.direct, 'AWS SDK direct'],
    ['S3 get', s3.get.broker, s3.get.direct, 'AWS SDK direct'],
  ] as const;
  console.log(
    `filestore benchmark: ${FILE_MB} MB files on a mount, ${OBJECT_MB} MB objects through S3, median of ${ROUNDS}`,
  );
  const result: Record<string, unknown> = {};
  let allMet = true;
  for (const [name, ours, base, baseName] of rows) {
    const ratio = ours / base;
    allMet &&= ratio >= GOAL;
    console.log(
      `${name.padEnd(12)} ${ours.toFixed(0).padStart(6)} MB/s   ${baseName} ${base.toFixed(0).padStart(6)} MB/s   ratio ${ratio.toFixed(2)}`,
    );
    result[name.replace(' ', '_')] = {
      mb_per_s: +ours.toFixed(1),
      baseline_mb_per_s: +base.toFixed(1),
      ratio: +ratio.toFixed(3),
    };
  }
  console.log(`goal ≥ ${GOAL} for each: ${allMet ? 'met' : 'NOT met'}`);
  console.log(JSON.stringify({ ...result, goal: GOAL, goal_met: allMet }));
}

await main();
