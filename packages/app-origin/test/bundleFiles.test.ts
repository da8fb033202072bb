import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contentTypeOf } from '@paddock/shared';
import { BundleFiles, bundlePath } from '../src/index.js';

describe('bundle paths', () => {
  it('maps the token root to index.html and decodes each segment', () => {
    assert.equal(bundlePath(''), 'index.html');
    assert.equal(bundlePath('assets/app.js'), 'assets/app.js');
    assert.equal(bundlePath('a%20b/c.css'), 'a b/c.css');
  });

  it('refuses traversal, empty segments, encoded slashes and control characters', () => {
    for (const bad of [
      '..',
      '../secret',
      'assets/../../x',
      '%2e%2e/x',
      '.%2E/x',
      'a/./b',
      'a//b',
      'assets/',
      'a%2fb',
      'a%5cb',
      'a\\b',
      'a%00b',
      'a%0ab',
      '%zz',
      'x/'.repeat(40) + 'y',
      'a'.repeat(2000),
    ]) {
      assert.equal(bundlePath(bad), null, bad);
    }
  });

  it('types files from a fixed table, and unknown ones as bytes', () => {
    assert.equal(contentTypeOf('index.html'), 'text/html; charset=utf-8');
    assert.equal(contentTypeOf('a/b.JS'), 'text/javascript; charset=utf-8');
    assert.equal(contentTypeOf('x.css'), 'text/css; charset=utf-8');
    assert.equal(contentTypeOf('x.svg'), 'image/svg+xml');
    assert.equal(contentTypeOf('x.woff2'), 'font/woff2');
    assert.equal(contentTypeOf('x.exe'), 'application/octet-stream');
    assert.equal(contentTypeOf('Makefile'), 'application/octet-stream');
  });
});

describe('bundle files', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-bundle-'));
  const root = path.join(tmp, 'v1');
  const outside = path.join(tmp, 'outside');
  const files = new BundleFiles();
  let server: http.Server;
  let base: string;

  before(async () => {
    fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(root, 'index.html'), '<h1>hi</h1>');
    fs.writeFileSync(path.join(root, 'assets/app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(root, 'empty.txt'), '');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    fs.symlinkSync('index.html', path.join(root, 'inside-link.html'));
    fs.symlinkSync(outside, path.join(root, 'dirlink'));
    fs.symlinkSync(path.join(root, 'assets'), path.join(root, 'assets-link'));
    server = http.createServer((req, res) => {
      const rel = bundlePath((req.url ?? '/').slice(1));
      void (async () => {
        const sent = rel === null ? null : await files.send(req, res, root, rel, { 'x-test': '1' });
        if (sent === null) res.writeHead(404).end('nope');
      })();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('serves a file with its type, length, ETag and the given headers', async () => {
    const res = await fetch(`${base}/assets/app.js`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'console.log(1)');
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.headers.get('content-length'), '14');
    assert.equal(res.headers.get('cache-control'), 'private, no-cache');
    assert.equal(res.headers.get('x-test'), '1');
    assert.match(res.headers.get('etag') ?? '', /^"[A-Za-z0-9_-]{27}"$/);
    const empty = await fetch(`${base}/empty.txt`);
    assert.equal(empty.status, 200);
    assert.equal(await empty.text(), '');
  });

  it('answers 304 for a matching If-None-Match, and changes the ETag with the content', async () => {
    const first = await fetch(`${base}/index.html`);
    const etag = first.headers.get('etag')!;
    await first.text();
    const again = await fetch(`${base}/index.html`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(again.headers.get('x-test'), '1');
    const weak = await fetch(`${base}/index.html`, { headers: { 'if-none-match': `W/${etag}` } });
    assert.equal(weak.status, 304);
    const other = await fetch(`${base}/index.html`, { headers: { 'if-none-match': '"x"' } });
    assert.equal(other.status, 200);
    await other.text();
    fs.writeFileSync(path.join(root, 'index.html'), '<h1>changed</h1>');
    const changed = await fetch(`${base}/index.html`, { headers: { 'if-none-match': etag } });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
    assert.equal(await changed.text(), '<h1>changed</h1>');
  });

  it('answers HEAD with headers only', async () => {
    const res = await fetch(`${base}/assets/app.js`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '14');
    assert.equal(await res.text(), '');
  });

  it('never follows a symbolic link, to a file or through a directory, inside or out', async () => {
    for (const rel of [
      'link.txt',
      'inside-link.html',
      'dirlink/secret.txt',
      'assets-link/app.js',
    ]) {
      assert.equal(await files.open(root, rel), null, rel);
      const res = await fetch(`${base}/${rel}`);
      assert.equal(res.status, 404, rel);
      assert.equal(await res.text(), 'nope');
    }
  });

  it('lists no directory and serves nothing outside the root', async () => {
    assert.equal(await files.open(root, 'assets'), null);
    assert.equal(await files.open(root, '../outside/secret.txt'), null);
    assert.equal(await files.open(root, 'missing.html'), null);
    assert.equal(await files.open(path.join(tmp, 'no-such-root'), 'index.html'), null);
    for (const p of [
      '/assets',
      '/assets/',
      '/%2e%2e/outside/secret.txt',
      '/..%2foutside/secret.txt',
    ]) {
      const res = await fetch(`${base}${p}`);
      assert.equal(res.status, 404, p);
      await res.text();
    }
  });
});
