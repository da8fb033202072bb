/**
 * Memory pressure (issue 20): the daemon runs in a memory cgroup of its own with a hard limit
 * about 200 MiB above its idle size (no swap), and is given work that would need far more
 * if it were held in memory: streamed uploads and slowly read downloads of large files,
 * maximum-size JSON bodies, execs with maximum output, all at once. It must stream rather than
 * hold: it is not OOM-killed, answers every request (a success, or an error in the envelope),
 * and serves normally afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ExecResult } from '@paddock/shared';
import { destroyEverything, startDaemon, tempDataDir, type TestDaemon } from './harness.js';

// About 200 MiB above the daemon's idle size: holding any one group of the streamed work below
// (6 uploads or 6 downloads of 64 MiB) would take more than the whole limit.
const LIMIT_MB = 384;
const FILE_MB = 64;
const STREAMS = 6;

/** A memory cgroup (v1 or v2) with a hard limit, removed by `remove`. */
function memoryCgroup(limitMb: number): {
  procs: string;
  remove: () => void;
  oomKills: () => number;
  peakMb: () => number;
} {
  const name = `pdk-mem-${randomBytes(4).toString('hex')}`;
  const v1 = fs.existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  const dir = v1 ? path.join('/sys/fs/cgroup/memory', name) : path.join('/sys/fs/cgroup', name);
  fs.mkdirSync(dir);
  const bytes = String(limitMb * 1024 * 1024);
  fs.writeFileSync(path.join(dir, v1 ? 'memory.limit_in_bytes' : 'memory.max'), bytes);
  // Without swap accounting there is no swap to limit.
  if (!v1 && fs.existsSync(path.join(dir, 'memory.swap.max'))) {
    fs.writeFileSync(path.join(dir, 'memory.swap.max'), '0');
  }
  return {
    procs: path.join(dir, 'cgroup.procs'),
    remove: () => fs.rmdirSync(dir),
    peakMb: () => {
      const file = v1 ? 'memory.max_usage_in_bytes' : 'memory.peak';
      return Number(fs.readFileSync(path.join(dir, file), 'utf8')) / 1024 / 1024;
    },
    oomKills: () => {
      const text = fs.readFileSync(
        path.join(dir, v1 ? 'memory.oom_control' : 'memory.events'),
        'utf8',
      );
      return Number(/oom_kill (\d+)/.exec(text)?.[1] ?? 0);
    },
  };
}

/** `mb` MiB of request body, made as it is sent. */
function streamedBody(mb: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === mb) controller.close();
      else controller.enqueue(new Uint8Array(1024 * 1024).fill(97));
    },
  });
}

/** Reads a response 64 KiB at a time with pauses: the daemon must not read ahead into memory. */
function slowDownload(d: TestDaemon, sandbox: string, file: string): Promise<number> {
  const url = new URL(`${d.url}/v1/sandboxes/${sandbox}/files?path=${file}`);
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { authorization: `Bearer ${d.token}` }, agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          res.pause();
          setTimeout(() => res.resume(), 2);
        });
        res.on('end', () => resolve(res.statusCode === 200 ? bytes : -res.statusCode!));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('memory pressure', () => {
  it(`streams big work through a daemon held to ${LIMIT_MB} MiB: no OOM kill, every request answered`, async (t) => {
    const cgroup = memoryCgroup(LIMIT_MB);
    const dataDir = tempDataDir();
    // The shell joins the cgroup, then becomes the daemon (same pid).
    const wrap = ['sh', '-c', `echo $$ > ${cgroup.procs} && exec "$@"`, 'sh'];
    const d = await startDaemon({ dataDir, wrap });
    try {
      const sb = (await d.api<{ id: string }>('POST', '/v1/sandboxes', {})).body.id;
      const seeded = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, {
        command: `head -c ${FILE_MB}M /dev/zero > big.bin && echo ok`,
      });
      assert.equal(seeded.body.stdout, 'ok\n');

      const auth = { authorization: `Bearer ${d.token}` };
      const uploads = Array.from({ length: STREAMS }, (_, i) =>
        fetch(`${d.url}/v1/sandboxes/${sb}/files?path=up${i}.bin`, {
          method: 'PUT',
          headers: { ...auth, 'content-type': 'application/octet-stream' },
          body: streamedBody(FILE_MB),
          duplex: 'half',
        } as RequestInit).then(async (r) => [r.status, await r.text()] as const),
      );
      const downloads = Array.from({ length: STREAMS }, () => slowDownload(d, sb, 'big.bin'));
      // Bodies at the API's 10 MiB limit, refused after parsing (an env name that is not one).
      const bigBody = { env: { 'not a name': 'x'.repeat(9 * 1024 * 1024) } };
      const bodies = Array.from({ length: STREAMS }, () =>
        d.api<{ error?: { code: string } }>('POST', '/v1/sandboxes', bigBody),
      );
      const execs = Array.from({ length: STREAMS }, () =>
        d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, {
          command: 'head -c 4M /dev/zero | tr "\\0" x',
        }),
      );

      for (const [status, text] of await Promise.all(uploads)) assert.equal(status, 200, text);
      for (const bytes of await Promise.all(downloads)) assert.equal(bytes, FILE_MB * 1024 * 1024);
      for (const r of await Promise.all(bodies)) {
        assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 200));
      }
      for (const r of await Promise.all(execs)) {
        assert.equal(r.status, 200);
        assert.ok(r.body.stdout.length > 0 && r.body.stdout.length <= 4 * 1024 * 1024);
      }

      assert.equal(d.proc.exitCode, null, 'the daemon lives');
      assert.equal(cgroup.oomKills(), 0, 'nothing in its cgroup was OOM-killed');
      t.diagnostic(`the cgroup's peak: ${cgroup.peakMb().toFixed(0)} MiB of ${LIMIT_MB}`);
      const after = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb}/exec`, {
        command: `stat -c %s up${STREAMS - 1}.bin`,
      });
      assert.equal(after.body.stdout.trim(), String(FILE_MB * 1024 * 1024));
    } finally {
      await d.stop();
      await destroyEverything(dataDir);
      cgroup.remove();
    }
  });
});
