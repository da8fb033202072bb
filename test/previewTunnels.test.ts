import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHead, serializeHead } from '../packages/daemon/src/preview/previewTunnels.js';

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
