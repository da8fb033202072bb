// The SDK's HTTP layer against a loopback server that misbehaves on purpose: which calls are
// repeated (reads after a dropped connection or a 503; anything that never reached a server)
// and which are not (a write whose connection dropped may have been applied).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ROUTES } from '@paddock/shared';
import { PaddockError } from '../src/errors.js';
import { Transport, queryString, routePath } from '../src/transport.js';

describe('the SDK transport', () => {
  let server: http.Server;
  let url: string;
  /** What the next requests get, in order: a status, or 'drop' (the socket is destroyed). */
  let script: Array<number | 'drop'> = [];
  let seen: Array<{ method: string; url: string; auth: string | undefined }> = [];

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
      const next = script.shift() ?? 200;
      if (next === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(next, { 'content-type': 'application/json' });
      res.end(
        next < 400
          ? JSON.stringify({ items: [], next_cursor: null })
          : JSON.stringify({ error: { code: 'unavailable', message: 'try later' } }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const fresh = (): Transport => {
    script = [];
    seen = [];
    return new Transport({ url: `${url}/`, token: 'pdk_test' });
  };

  it('sends the bearer token and builds the URL from the contract', async () => {
    const t = fresh();
    await t.call(ROUTES.sandboxes.list, { query: { limit: 5, status: undefined } });
    assert.deepEqual(seen, [
      { method: 'GET', url: '/v1/sandboxes?limit=5', auth: 'Bearer pdk_test' },
    ]);
    assert.equal(
      routePath('/v1/sandboxes/:id/files', { id: 'a/b c' }),
      '/v1/sandboxes/a%2Fb%20c/files',
    );
    assert.equal(queryString({ a: ['1', '2'], b: null, c: true }), '?a=1&a=2&c=true');
    assert.throws(() => routePath('/v1/tasks/:id', {}), PaddockError);
  });

  it('repeats a read after a dropped connection and after a 503', async () => {
    const t = fresh();
    script = ['drop', 503];
    const page = await t.call(ROUTES.sandboxes.list, {});
    assert.deepEqual(page.items, []);
    assert.equal(seen.length, 3);
  });

  it('gives up on a read after its retries, with the last answer', async () => {
    const t = fresh();
    script = [503, 503, 503, 503];
    await assert.rejects(t.call(ROUTES.sandboxes.list, {}), { code: 'unavailable', status: 503 });
    assert.equal(seen.length, 3);
  });

  it('never repeats a write whose connection dropped, nor a write answered 503', async () => {
    const t = fresh();
    script = ['drop'];
    await assert.rejects(t.call(ROUTES.sandboxes.create, { body: {} }), { code: 'network_error' });
    assert.equal(seen.length, 1);
    script = [503];
    seen = [];
    await assert.rejects(t.call(ROUTES.sandboxes.create, { body: {} }), { status: 503 });
    assert.equal(seen.length, 1);
  });

  it('repeats a write that never reached a server, then says so', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const t = new Transport({ url: `http://127.0.0.1:${port}`, token: 'x', maxRetries: 1 });
    await assert.rejects(t.call(ROUTES.sandboxes.create, { body: {} }), (err: PaddockError) => {
      assert.equal(err.code, 'network_error');
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
  });

  it('stops at once when the caller aborts, even between retries', async () => {
    const t = fresh();
    script = [503, 503, 503];
    const controller = new AbortController();
    const call = t.call(ROUTES.sandboxes.list, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(call, { code: 'aborted' });
    const timed = t.call(ROUTES.sandboxes.list, { signal: AbortSignal.timeout(1) });
    script = [503, 503, 503];
    await assert.rejects(timed, (err: PaddockError) => ['timeout', 'aborted'].includes(err.code));
  });

  it('keeps the status line when an error is not the API envelope', async () => {
    const plain = http.createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>bad gateway</h1>');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const t = new Transport({
      url: `http://127.0.0.1:${(plain.address() as AddressInfo).port}`,
      token: 'x',
      maxRetries: 0,
    });
    await assert.rejects(t.call(ROUTES.sandboxes.create, { body: {} }), {
      code: 'http_error',
      status: 502,
    });
    plain.close();
  });
});
