import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PreviewTunnels, parseHead, serializeHead } from '../src/previewTunnels.js';

const head = (text: string) => parseHead(Buffer.from(text, 'latin1'));

describe('preview tunnel request heads', () => {
  it('reads the request line and headers, joining repeats', () => {
    const h = head('GET /a?b=1 HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\ncookie: b=2\r\nAccept: */*');
    assert.deepEqual(h && { method: h.method, url: h.url }, { method: 'GET', url: '/a?b=1' });
    assert.equal(h?.headers.host, 'x');
    assert.equal(h?.headers.cookie, 'a=1; b=2');
    assert.equal(
      serializeHead(h!.lines),
      'GET /a?b=1 HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\ncookie: b=2\r\nAccept: */*\r\n\r\n',
    );
  });

  it('refuses what it would have to interpret differently from the HTTP server', () => {
    assert.equal(head('GET / HTTP/1.0\r\nHost: x'), null, 'HTTP/1.0');
    assert.equal(head('GET / HTTP/1.1\r\nHost : x'), null, 'space before the colon');
    assert.equal(head('GET / HTTP/1.1\r\nX-A: 1\r\n folded'), null, 'obsolete line folding');
    assert.equal(head('GET  / HTTP/1.1\r\nHost: x'), null, 'a malformed request line');
    assert.equal(head('get / HTTP/1.1\r\nHost: x'), null, 'a lower-case method');
  });
});

describe('preview tunnels on loopback', () => {
  // The app: answers /ok, drops every other connection unanswered (as one still starting may).
  const app = net.createServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      if (chunk.toString('latin1').startsWith('GET /ok ')) {
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\napp');
      } else {
        socket.destroy();
      }
    });
  });
  // The daemon's HTTP path, which the tunnels sit in front of.
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(503, { 'content-type': 'text/plain' }).end('starting');
  });
  const tunnels = new PreviewTunnels(async () => ({
    sandboxId: 'sb1',
    open: () =>
      new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect((app.address() as net.AddressInfo).port, '127.0.0.1', () =>
          resolve(s),
        );
        s.once('error', reject);
      }),
    check: async (head) => serializeHead(head.lines),
    onTraffic: () => undefined,
  }));
  const request = (method: string, path: string, body?: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: (server.address() as net.AddressInfo).port,
          method,
          path,
          agent: false,
          headers: body === undefined ? {} : { 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  before(async () => {
    tunnels.install(server);
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(() => {
    tunnels.close();
    server.close();
    app.close();
  });

  it('carries a request to the app and its answer back', async () => {
    assert.deepEqual(await request('GET', '/ok'), { status: 200, body: 'app' });
  });

  it('hands a GET the app dropped unanswered to the HTTP path instead of hanging up', async () => {
    assert.deepEqual(await request('GET', '/starting'), { status: 503, body: 'starting' });
    assert.deepEqual(await request('HEAD', '/starting'), { status: 503, body: '' });
  });

  it('never sends a request with a body twice: the connection ends instead', async () => {
    await assert.rejects(request('POST', '/starting', 'once only'), /socket hang up|ECONNRESET/);
  });
});
