/**
 * An archive refused mid-body (issue 20): a gzip bomb stops the tar reader long before the
 * upload ends. On each raw archive route (snapshot import, app import, workspace archive) the
 * 400 arrives and the same kept-alive connection carries the next request, rather than the
 * connection being left mid-request, the next request hanging on it and then being reset.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { suiteDaemon } from './harness.js';
import { getThrough } from './intakeProbes.js';

/** 1 GiB of zeros as gzip members back to back (they inflate as one stream): about 1 MiB. */
function gzipBomb(): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: 1024 }, () => member));
}

function send(
  agent: http.Agent,
  method: string,
  url: string,
  token: string,
  body: Buffer,
): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        timeout: 60_000,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/gzip',
          'content-length': body.length,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (text += s));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            code: (JSON.parse(text) as { error?: { code: string } }).error?.code,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('archive uploads refused mid-body', () => {
  // A small import cap, so 1 GiB of zeros is past what any of the three reads.
  const d = suiteDaemon({ env: { PADDOCK_SNAPSHOT_MAX_MB: '4' } });

  it('answer 400 and leave the connection ready for the next request', async () => {
    const sandbox = await d.api<{ id: string }>('POST', '/v1/sandboxes', {});
    assert.equal(sandbox.status, 201);
    const bomb = gzipBomb();
    const routes: [string, string][] = [
      ['POST', '/v1/snapshots/import?name=bomb'],
      ['POST', '/v1/apps/import?name=bomb'],
      ['PUT', `/v1/sandboxes/${sandbox.body.id}/archive?path=bomb`],
    ];
    for (const [method, route] of routes) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const refused = await send(agent, method, `${d.url}${route}`, d.token, bomb);
        assert.deepEqual(refused, { status: 400, code: 'invalid_archive' }, route);
        assert.deepEqual(
          await getThrough(agent, `${d.url}/readyz`),
          { status: 200, reused: true },
          `${route}: the connection carries the next request`,
        );
      } finally {
        agent.destroy();
      }
    }
  });
});
