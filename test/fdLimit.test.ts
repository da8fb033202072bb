/**
 * Near the open-file limit (issue 20): a daemon started with a low RLIMIT_NOFILE caps its client
 * connections below it (http/connectionCap.ts). A client holding more idle connections than the
 * cap gets `503 too_many_connections` on each one over it, the daemon lives and keeps the
 * descriptors its sandboxes need, and serves again as soon as the connections are let go.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { ExecResult } from '@paddock/shared';
import { connectionCapFor, FD_RESERVE } from '../packages/daemon/src/http/connectionCap.js';
import { destroyEverything, startDaemon, tempDataDir } from './harness.js';

const LIMIT = 1024;
const HELD = 900;

/** A fresh connection's answer to GET /readyz: its status and body. */
function freshGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/readyz`, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('near the open-file limit', () => {
  it('answers connections over the cap with 503 too_many_connections and recovers when they go', async () => {
    assert.equal(connectionCapFor(LIMIT), LIMIT - FD_RESERVE);
    const dataDir = tempDataDir();
    const d = await startDaemon({ dataDir, wrap: ['prlimit', `--nofile=${LIMIT}:${LIMIT}`, '--'] });
    const held: net.Socket[] = [];
    try {
      const sb = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
      assert.equal(sb.status, 201, JSON.stringify(sb.body));
      const fds = () => fs.readdirSync(`/proc/${d.proc.pid}/fd`).length;
      const before = fds();

      const { hostname, port } = new URL(d.url);
      const answers: string[] = [];
      await Promise.all(
        Array.from({ length: HELD }, (_, i) => {
          const socket = net.connect(Number(port), hostname);
          held.push(socket);
          answers[i] = '';
          socket.on('data', (c: Buffer) => (answers[i] += c.toString()));
          socket.on('error', () => undefined);
          return new Promise((resolve) => socket.once('connect', resolve));
        }),
      );
      // Those over the cap are answered and closed; the rest stay open, idle.
      const refused = () => answers.filter((a) => a.includes('too_many_connections')).length;
      for (const deadline = Date.now() + 30_000; refused() < HELD - (LIMIT - FD_RESERVE);) {
        assert.ok(Date.now() < deadline, `only ${refused()} connections were refused`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const refusal = answers.find((a) => a.includes('too_many_connections'))!;
      assert.match(refusal, /^HTTP\/1\.1 503 /);
      assert.match(refusal, /\{"error":\{"code":"too_many_connections","message":"[^"]+"\}\}$/);

      // A new client is told so, and the daemon lives within its limit.
      const fresh = await freshGet(d.url);
      assert.equal(fresh.status, 503);
      assert.equal(JSON.parse(fresh.body).error.code, 'too_many_connections');
      assert.equal(d.proc.exitCode, null);
      assert.ok(fds() < LIMIT, `${fds()} descriptors open`);

      for (const socket of held) socket.destroy();
      for (const deadline = Date.now() + 30_000; (await freshGet(d.url)).status !== 200;) {
        assert.ok(Date.now() < deadline, 'the daemon serves again');
        await new Promise((r) => setTimeout(r, 100));
      }
      const res = await d.api<ExecResult>('POST', `/v1/sandboxes/${sb.body.id}/exec`, {
        command: 'echo still-here',
      });
      assert.equal(res.body.stdout, 'still-here\n');
      // Each closed connection's descriptor is let go with it, well before the 30 s head timeout.
      for (const deadline = Date.now() + 10_000; fds() >= before + 32;) {
        assert.ok(Date.now() < deadline, `descriptors back near ${before}: ${fds()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      for (const socket of held) socket.destroy();
      await d.stop();
      await destroyEverything(dataDir);
    }
  });
});
