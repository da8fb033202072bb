// The service client against a loopback HTTP server standing in for the broker's endpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PaddockError, serviceClient } from '../src/service.js';

interface Seen {
  url: string;
  authorization: string | undefined;
  body: unknown;
}

describe('the service client', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-sdk-'));
  const tokenFile = path.join(dir, 'token');
  const seen: Seen[] = [];
  let answer: (body: { method: string; params: unknown }) => { status: number; body: string };
  let server: http.Server;
  let apiUrl: string;

  before(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as { method: string; params: unknown };
        seen.push({
          url: `${req.method} ${req.url}`,
          authorization: req.headers.authorization,
          body,
        });
        const a = answer(body);
        res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('calls POST /v1/broker/call with the token read from the file on each call', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ result: { found: true, value: 'v' } }) });
    fs.writeFileSync(tokenFile, 'token-one\n');
    const client = serviceClient({ apiUrl, tokenFile });
    assert.deepEqual(await client.kv.get('a'), { found: true, value: 'v' });
    fs.writeFileSync(tokenFile, 'token-two\n'); // rotated
    await client.kv.set('b', [1, 2]);
    assert.deepEqual(seen.splice(0), [
      {
        url: 'POST /v1/broker/call',
        authorization: 'Bearer token-one',
        body: { method: 'app.kv.get', params: { key: 'a' } },
      },
      {
        url: 'POST /v1/broker/call',
        authorization: 'Bearer token-two',
        body: { method: 'app.kv.set', params: { key: 'b', value: [1, 2] } },
      },
    ]);
  });

  it('reads PADDOCK_API_URL and PADDOCK_TOKEN_FILE by default', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ result: { id: 'n1' } }) });
    fs.writeFileSync(tokenFile, 'token-env');
    process.env.PADDOCK_API_URL = apiUrl;
    process.env.PADDOCK_TOKEN_FILE = tokenFile;
    try {
      assert.deepEqual(await serviceClient().notify('hello'), { id: 'n1' });
    } finally {
      delete process.env.PADDOCK_API_URL;
      delete process.env.PADDOCK_TOKEN_FILE;
    }
    assert.equal(seen.splice(0)[0]?.authorization, 'Bearer token-env');
    assert.throws(
      () => serviceClient(),
      (e: unknown) => e instanceof PaddockError && e.code === 'not_configured',
    );
  });

  it('turns the error envelope into a PaddockError with code, details and status', async () => {
    const details = { capability: 'app.notify', method: 'app.notify', grantable: false };
    answer = () => ({
      status: 403,
      body: JSON.stringify({ error: { code: 'capability_required', message: 'no', details } }),
    });
    const client = serviceClient({ apiUrl, tokenFile });
    const err = await client.notify('x').then(
      () => assert.fail('refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PaddockError);
    assert.equal(err.code, 'capability_required');
    assert.equal(err.status, 403);
    assert.deepEqual(err.capabilityRequired, details);

    answer = () => ({ status: 429, body: 'busy' });
    await assert.rejects(
      client.kv.get('k'),
      (e: unknown) => e instanceof PaddockError && e.code === 'http_429',
    );
    answer = () => ({ status: 200, body: '{"nope":1}' });
    await assert.rejects(
      client.kv.get('k'),
      (e: unknown) => e instanceof PaddockError && e.code === 'bad_response',
    );
    seen.length = 0;
  });

  it('says network when nothing listens', async () => {
    const client = serviceClient({ apiUrl: 'http://127.0.0.1:1', tokenFile });
    await assert.rejects(
      client.kv.get('k'),
      (e: unknown) => e instanceof PaddockError && e.code === 'network',
    );
  });
});
