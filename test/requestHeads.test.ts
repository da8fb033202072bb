/**
 * Malformed and smuggling request heads sent raw over TCP (issue 20), to the API and to the
 * preview proxy on the same listener: duplicate Content-Length, Transfer-Encoding beside
 * Content-Length, obs-fold, a bare LF, a NUL, an oversized head, a chunk size that overflows.
 * Each is refused (4xx, or the connection closed), none reaches a route as a second request,
 * and the daemon serves after.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { suiteDaemon } from './harness.js';

/** Writes `raw`, reads until the server closes or goes quiet; the whole answer as text. */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      socket.destroy();
      resolve(got);
    };
    socket.setTimeout(3_000, done);
    socket.on('data', (b: Buffer) => (got += b.toString('latin1')));
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' ? done() : reject(err),
    );
    socket.write(raw);
  });
}

/** The status codes of every answer in a raw exchange (a smuggled request would add one). */
const statuses = (text: string) => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]!);

describe('raw request heads', () => {
  const d = suiteDaemon();
  const port = () => Number(new URL(d.url).port);

  const CASES: [string, (host: string) => string][] = [
    [
      'two Content-Length headers that differ',
      (h) =>
        `POST /v1/sandboxes HTTP/1.1\r\nHost: ${h}\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}`,
    ],
    [
      'Transfer-Encoding beside Content-Length, smuggling a second request',
      (h) =>
        `POST /v1/sandboxes HTTP/1.1\r\nHost: ${h}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/system HTTP/1.1\r\nHost: ${h}\r\n\r\n`,
    ],
    [
      'a Transfer-Encoding that is not chunked',
      (h) =>
        `POST /v1/sandboxes HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: gzip, chunked, identity\r\n\r\n0\r\n\r\n`,
    ],
    [
      'an obs-fold header line',
      (h) => `GET /v1/system HTTP/1.1\r\nHost: ${h}\r\nX-A: one\r\n two\r\n\r\n`,
    ],
    ['a NUL in the request line', (h) => `GET /v1/sys\u0000tem HTTP/1.1\r\nHost: ${h}\r\n\r\n`],
    ['a bare LF between headers', (h) => `GET /v1/system HTTP/1.1\nHost: ${h}\nX-A: 1\n\n`],
    [
      'a head larger than the server takes',
      (h) => `GET /v1/system HTTP/1.1\r\nHost: ${h}\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`,
    ],
    [
      'a chunk size that overflows',
      (h) =>
        `POST /v1/sandboxes HTTP/1.1\r\nHost: ${h}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n`,
    ],
    ['a request line with no version', (h) => `GET /v1/system\r\nHost: ${h}\r\n\r\n`],
  ];

  for (const [name, make] of CASES) {
    for (const host of ['127.0.0.1', 'x.preview.localhost']) {
      it(`refuses ${name} (Host ${host})`, async () => {
        const answer = await exchange(port(), make(`${host}:${port()}`));
        const codes = statuses(answer);
        assert.ok(codes.length <= 1, `one answer at most, got ${codes.join(', ')}`);
        for (const code of codes) assert.match(code, /^4\d\d$/, answer.slice(0, 200));
        const res = await fetch(`${d.url}/readyz`);
        assert.equal(res.status, 200, 'the daemon serves after');
      });
    }
  }
});
