/**
 * What the storage broker costs, measured against a baseline in the same run (as root):
 *
 *   npm run bench:filestore
 *
 * 1. A read-write filestore mount: a sandbox runs dd in its mount, the host runs the same dd in
 *    the very directory that is mounted, and the host runs it again inside the sandbox's own
 *    cgroup (its CPU quota and memory limit: the floor the sandbox's limits set). Writes go to a
 *    file of each leg's own; reads are of one shared file, cold (the page cache dropped before
 *    each), after one throwaway cold read, in an order that turns each round: this machine's
 *    virtual disk makes the first cold read after a burst of writes slow, whoever reads.
 * 2. The broker's S3 path: objects PUT and GET through the daemon's filestore API against the
 *    AWS SDK talking to the same S3-compatible server (the s3rver emulator) directly. Ratio
 *    broker/direct throughput for each direction, and the floor: a bare relay (bench/s3Relay.ts,
 *    a process of its own, the same upload) against direct, the broker against it, and the CPU
 *    time the daemon and the relay each spend per object.
 * Issue 19's goal: ≥ 0.8 for each. (Seccomp's start cost is `npm run bench:seccomp`.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ExecResult, Filestore } from '@paddock/shared';
import { patternedBytes } from '../packages/filestores/test/patternedBytes.js';
import { startS3Emulator, type S3Emulator } from '../packages/filestores/test/s3Emulator.js';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from '../test/harness.js';

const MB = 1024 * 1024;
const FILE_MB = Number(process.env.BENCH_FILE_MB ?? 256);
const OBJECT_MB = Number(process.env.BENCH_OBJECT_MB ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GOAL = 0.8;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** User plus system CPU time of a process, from /proc (clock ticks of 10 ms). */
function cpuTimeMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function dropCaches(): void {
  execFileSync('sync');
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
}

/**
 * One dd timed by the shell that runs it (nanoseconds printed last), so the sandbox leg does
 * not pay the exec call's own cost: both legs time the same command the same way.
 */
function timedDd(kind: 'write' | 'read', file: string): string {
  const dd =
    kind === 'write'
      ? `dd if=/dev/zero of=${file} bs=1M count=${FILE_MB} conv=fsync status=none`
      : `dd if=${file} of=/dev/null bs=1M status=none`;
  return `s=$(date +%s%N); ${dd}; e=$(date +%s%N); echo $((e - s))`;
}

async function mountLeg(d: TestDaemon) {
  const store = (await d.api<Filestore>('POST', '/v1/filestores', { name: 'bench' })).body;
  const sb = (
    await d.api<{ id: string }>('POST', '/v1/sandboxes', {
      // Room for the file in the page cache: a cgroup's dirty-page share follows its limit.
      limits: { memory_mb: 4096, disk_mb: 1024 },
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
    const r = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, {
      command,
      timeout_ms: 300_000,
    });
    if (r.body.exit_code !== 0) throw new Error(`${command}: ${r.body.stderr}`);
    return Number(r.body.stdout.trim()) / 1e6;
  };
  const onHost = (command: string): number =>
    Number(execFileSync('/bin/sh', ['-c', command]).toString().trim()) / 1e6;
  // The floor the sandbox's limits set: the host's dd inside the sandbox's own cgroup (its CPU
  // quota and memory limit), without its namespaces, bind mounts or seccomp filter.
  const group = execFileSync('find', [
    '/sys/fs/cgroup',
    '-maxdepth',
    '4',
    '-type',
    'd',
    '-name',
    sb,
  ])
    .toString()
    .trim()
    .split('\n')[0]!;
  const inGroup = (command: string): number =>
    onHost(`echo $$ > ${group}/cgroup.procs && ${command}`);
  const rate = (ms: number) => FILE_MB / (ms / 1000);
  type Where = 'sandbox' | 'host' | 'limited';
  // The same command everywhere; the sandbox sees the host dir at its mount path.
  const run: Record<Where, (command: string) => Promise<number>> = {
    sandbox: (command) => inside(command.replaceAll(hostDir, '/data/bench')),
    host: async (command) => onHost(command),
    limited: async (command) => inGroup(command),
  };
  const out: Record<Where, { write: number[]; read: number[] }> = {
    sandbox: { write: [], read: [] },
    host: { write: [], read: [] },
    limited: { write: [], read: [] },
  };
  // This machine's disk is virtual: the first cold read after a burst of writes is at times
  // several times slower, whoever reads. So each round writes (each leg its own file), then
  // takes one throwaway cold read, then has every leg read the same file cold, in an order that
  // turns from round to round.
  const orders: Where[][] = [
    ['sandbox', 'host', 'limited'],
    ['host', 'limited', 'sandbox'],
    ['limited', 'sandbox', 'host'],
  ];
  const shared = path.join(hostDir, 'r');
  onHost(timedDd('write', shared));
  for (let i = 0; i < ROUNDS; i++) {
    const order = orders[i % orders.length]!;
    for (const leg of order) {
      const file = path.join(hostDir, `w-${leg}`);
      out[leg].write.push(rate(await run[leg](timedDd('write', file))));
      fs.rmSync(file, { force: true });
    }
    dropCaches();
    onHost(timedDd('read', shared));
    for (const leg of order) {
      dropCaches();
      out[leg].read.push(rate(await run[leg](timedDd('read', shared))));
    }
  }
  await d.api('DELETE', `/v1/sandboxes/${sb}`);
  const of = (op: 'write' | 'read') => ({
    sandbox: median(out.sandbox[op]),
    host: median(out.host[op]),
    limited: median(out.limited[op]),
  });
  return { write: of('write'), read: of('read') };
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.length;
  return n;
}

/** The bare relay (bench/s3Relay.ts) in a process of its own, on the same S3 server. */
async function startRelay(
  s3: S3Emulator,
): Promise<{ pid: number; url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/s3Relay.ts'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      RELAY_ENDPOINT: s3.endpoint,
      RELAY_BUCKET: s3.bucket,
      RELAY_KEY_ID: s3.credentials.accessKeyId,
      RELAY_SECRET: s3.credentials.secretAccessKey,
    },
  });
  const exited = once(child, 'exit');
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

type Leg = 'broker' | 'relay' | 'direct';

async function s3Leg(d: TestDaemon) {
  const s3 = await startS3Emulator();
  const relay = await startRelay(s3);
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
    // CPU time of the process in the middle (the daemon, the relay): what the hop itself costs,
    // steadier than throughput on two cores shared by four processes.
    const middle: Record<Leg, number | null> = {
      broker: d.proc.pid!,
      relay: relay.pid,
      direct: null,
    };
    const cpuMs: Record<Leg, { put: number[]; get: number[] }> = {
      broker: { put: [], get: [] },
      relay: { put: [], get: [] },
      direct: { put: [], get: [] },
    };
    const timed = async (leg: Leg, op: 'put' | 'get', fn: () => Promise<void>) => {
      const pid = middle[leg];
      const c0 = pid === null ? 0 : cpuTimeMs(pid);
      const t0 = performance.now();
      await fn();
      const rate = OBJECT_MB / ((performance.now() - t0) / 1000);
      if (pid !== null) cpuMs[leg][op].push(cpuTimeMs(pid) - c0);
      return rate;
    };
    const httpPut = async (url: string, headers: Record<string, string>) => {
      const res = await fetch(url, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(patternedBytes(size, MB)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (res.status !== 200) throw new Error(`PUT ${url}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    const httpGet = async (url: string, headers: Record<string, string>) => {
      const res = await fetch(url, { headers });
      const n = await drain(res.body as unknown as AsyncIterable<Uint8Array>);
      if (n !== size) throw new Error(`GET ${url}: ${n} bytes`);
    };
    const auth = { authorization: `Bearer ${d.token}` };
    const ops: Record<Leg, { put(i: number): Promise<void>; get(i: number): Promise<void> }> = {
      broker: {
        put: (i) => httpPut(`${d.url}/v1/filestores/${store.id}/files?path=o${i}`, auth),
        get: (i) => httpGet(`${d.url}/v1/filestores/${store.id}/files?path=o${i}`, auth),
      },
      relay: {
        put: (i) => httpPut(`${relay.url}/o${i}`, {}),
        get: (i) => httpGet(`${relay.url}/o${i}`, {}),
      },
      direct: {
        put: async (i) => {
          await new Upload({
            client,
            params: { Bucket: s3.bucket, Key: `direct/o${i}`, Body: patternedBytes(size, MB) },
            partSize: 8 * MB,
            queueSize: 2,
          }).done();
        },
        get: async (i) => {
          const obj = await client.send(
            new GetObjectCommand({ Bucket: s3.bucket, Key: `direct/o${i}` }),
          );
          const n = await drain(obj.Body as AsyncIterable<Uint8Array>);
          if (n !== size) throw new Error(`direct GET: ${n} bytes`);
        },
      },
    };
    const rates: Record<Leg, { put: number[]; get: number[] }> = {
      broker: { put: [], get: [] },
      relay: { put: [], get: [] },
      direct: { put: [], get: [] },
    };
    const orders: Leg[][] = [
      ['broker', 'relay', 'direct'],
      ['direct', 'broker', 'relay'],
      ['relay', 'direct', 'broker'],
    ];
    // Untimed first: the first transfers after a start pay for JIT and lazy set-up everywhere.
    for (const leg of orders[0]!) {
      await ops[leg].put(ROUNDS);
      await ops[leg].get(ROUNDS);
    }
    for (let i = 0; i < ROUNDS; i++) {
      for (const leg of orders[i % orders.length]!) {
        rates[leg].put.push(await timed(leg, 'put', () => ops[leg].put(i)));
        rates[leg].get.push(await timed(leg, 'get', () => ops[leg].get(i)));
      }
    }
    client.destroy();
    const of = (leg: Leg) => ({
      put: median(rates[leg].put),
      get: median(rates[leg].get),
      cpu: { put: median(cpuMs[leg].put), get: median(cpuMs[leg].get) },
    });
    return { broker: of('broker'), relay: of('relay'), direct: of('direct') };
  } finally {
    await relay.close();
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
    ['S3 put', s3.broker.put, s3.direct.put, 'AWS SDK direct'],
    ['S3 get', s3.broker.get, s3.direct.get, 'AWS SDK direct'],
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
  // The mount's floor: the host's dd under the sandbox's own limits (its cgroup).
  for (const op of ['write', 'read'] as const) {
    const m = mount[op];
    console.log(
      `mount ${op} floor: the host under the sandbox's limits ${m.limited.toFixed(0)} MB/s (${(m.limited / m.host).toFixed(2)} of the host); the mount is ${(m.sandbox / m.limited).toFixed(2)} of it`,
    );
    result[`mount_${op}_limited`] = {
      mb_per_s: +m.limited.toFixed(1),
      limited_over_host: +(m.limited / m.host).toFixed(3),
      mount_over_limited: +(m.sandbox / m.limited).toFixed(3),
    };
  }
  // The floor: any broker on these cores pays one more hop and process than the SDK alone.
  for (const op of ['put', 'get'] as const) {
    const floor = s3.relay[op] / s3.direct[op];
    const ofFloor = s3.broker[op] / s3.relay[op];
    const cpu = { broker: s3.broker.cpu[op], relay: s3.relay.cpu[op] };
    console.log(
      `S3 ${op} floor: a bare relay ${s3.relay[op].toFixed(0)} MB/s (${floor.toFixed(2)} of direct); the broker is ${ofFloor.toFixed(2)} of the relay; CPU per ${OBJECT_MB} MB: broker ${cpu.broker} ms, relay ${cpu.relay} ms`,
    );
    result[`S3_${op}_relay`] = {
      mb_per_s: +s3.relay[op].toFixed(1),
      relay_over_direct: +floor.toFixed(3),
      broker_over_relay: +ofFloor.toFixed(3),
      cpu_ms_broker: s3.broker.cpu[op],
      cpu_ms_relay: s3.relay.cpu[op],
    };
  }
  console.log(`goal ≥ ${GOAL} for each: ${allMet ? 'met' : 'NOT met'}`);
  console.log(JSON.stringify({ ...result, goal: GOAL, goal_met: allMet }));
}

await main();
