// The desktop's logic that needs no browser: what a window may send over its port, the rate
// limit, the frame's URL, the badge's words and the routes. The bridge itself is for Chromium.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BRIDGE_LIMITS } from '@paddock/app-sdk/protocol';
import { frameUrl } from '../src/desktop/frameUrl.js';
import { parsePortMessage, RateLimiter } from '../src/desktop/portMessages.js';
import { heldNow, networkOrigins, provenanceBadgeText } from '../src/lib/capabilities.js';
import { parseRoute, paths } from '../src/router/routes.js';

describe('port messages', () => {
  it('accepts a call to a broker method and a permission request', () => {
    assert.deepEqual(
      parsePortMessage({ id: 1, type: 'call', method: 'app.kv.get', params: { key: 'a' } }),
      { ok: true, request: { id: 1, type: 'call', method: 'app.kv.get', params: { key: 'a' } } },
    );
    assert.deepEqual(parsePortMessage({ id: 2, type: 'call', method: 'app.kv.list' }), {
      ok: true,
      request: { id: 2, type: 'call', method: 'app.kv.list', params: {} },
    });
    assert.deepEqual(parsePortMessage({ id: 3, type: 'permission', capability: 'app.notify' }), {
      ok: true,
      request: { id: 3, type: 'permission', capability: 'app.notify' },
    });
    assert.equal(
      parsePortMessage({
        id: 4,
        type: 'permission',
        capability: 'network:https://api.example.com:8443',
      }).ok,
      true,
    );
  });

  it('accepts a file as a Blob to upload, and a download, in their exact shapes', () => {
    const blob = new Blob(['bytes'], { type: 'text/plain' });
    assert.deepEqual(
      parsePortMessage({ id: 1, type: 'upload', path: 'a/b.txt', mime: 'text/plain', blob }),
      {
        ok: true,
        request: { id: 1, type: 'upload', path: 'a/b.txt', mime: 'text/plain', blob },
      },
    );
    assert.deepEqual(parsePortMessage({ id: 2, type: 'download', path: 'a/b.txt' }), {
      ok: true,
      request: { id: 2, type: 'download', path: 'a/b.txt' },
    });
    const code = (data: unknown) => {
      const parsed = parsePortMessage(data);
      return parsed.ok ? 'ok' : parsed.error.code;
    };
    // Not a Blob, no path, an extra field (an app naming itself), a download carrying bytes.
    assert.equal(code({ id: 3, type: 'upload', path: 'x', blob: 'bytes' }), 'bad_request');
    assert.equal(code({ id: 4, type: 'upload', path: '', blob }), 'bad_request');
    assert.equal(code({ id: 5, type: 'upload', path: 'x', blob, app_id: 'other' }), 'bad_request');
    assert.equal(code({ id: 6, type: 'download', path: 'x', blob }), 'bad_request');
    assert.equal(code({ id: 7, type: 'upload', path: 'x', blob, mime: 7 }), 'bad_request');
  });

  it('refuses, with an answer when there is an id to answer', () => {
    const refused = (data: unknown) => {
      const parsed = parsePortMessage(data);
      assert.equal(parsed.ok, false);
      return parsed.ok ? null : { id: parsed.id, code: parsed.error.code };
    };
    // Nothing to answer: not an object, or no usable id.
    for (const data of [null, 'x', [1], { type: 'call' }, { id: 0 }, { id: 1.5 }, { id: '1' }]) {
      assert.deepEqual(refused(data), { id: null, code: 'bad_request' });
    }
    // Answered: an app naming itself or another app, an unknown method, params not an object.
    assert.deepEqual(
      refused({ id: 5, type: 'call', method: 'app.kv.get', params: {}, app_id: 'other' }),
      { id: 5, code: 'bad_request' },
    );
    assert.deepEqual(refused({ id: 6, type: 'call', method: 'app.admin', params: {} }), {
      id: 6,
      code: 'bad_request',
    });
    assert.deepEqual(refused({ id: 7, type: 'call', method: 'constructor', params: {} }), {
      id: 7,
      code: 'bad_request',
    });
    assert.deepEqual(refused({ id: 8, type: 'call', method: 'app.kv.get', params: ['a'] }), {
      id: 8,
      code: 'bad_request',
    });
    assert.deepEqual(refused({ id: 9, type: 'permission', capability: 'network:http://x' }), {
      id: 9,
      code: 'bad_request',
    });
    assert.deepEqual(refused({ id: 10, type: 'launch' }), { id: 10, code: 'bad_request' });
    const cyclic: Record<string, unknown> = { key: 'a' };
    cyclic.self = cyclic;
    assert.deepEqual(refused({ id: 11, type: 'call', method: 'app.kv.get', params: cyclic }), {
      id: 11,
      code: 'bad_request',
    });
  });

  it('caps the size of a message', () => {
    const big = {
      id: 12,
      type: 'call',
      method: 'app.kv.set',
      params: { key: 'k', value: 'x'.repeat(200) },
    };
    assert.equal(parsePortMessage(big, 1000).ok, true);
    const parsed = parsePortMessage(big, 100);
    assert.deepEqual(parsed.ok ? null : parsed.error.code, 'payload_too_large');
    assert.ok(BRIDGE_LIMITS.messageBytes >= 12 * 1024 * 1024);
  });

  it('limits a window to a burst, refilled over time', () => {
    let now = 0;
    const limiter = new RateLimiter(3, 2, () => now);
    assert.deepEqual(
      [limiter.take(), limiter.take(), limiter.take(), limiter.take()],
      [true, true, true, false],
    );
    now += 500; // one token back at 2 per second
    assert.deepEqual([limiter.take(), limiter.take()], [true, false]);
  });
});

describe('the window frame', () => {
  const launch = (url: string, origin: string) => ({
    url,
    origin,
    app_session: 's',
    expires_at: '2030-01-01T00:00:00.000Z',
  });
  const console = 'http://127.0.0.1:7070';

  it('keeps the launch URL, and adds the console origin to its fragment when missing', () => {
    const withHash = `http://a1.apps.localhost:7070/t/tok/index.html#paddock-parent=${encodeURIComponent(console)}`;
    assert.equal(frameUrl(launch(withHash, 'http://a1.apps.localhost:7070'), console), withHash);
    assert.equal(
      frameUrl(
        launch('http://a1.apps.localhost:7070/t/tok/index.html', 'http://a1.apps.localhost:7070'),
        console,
      ),
      `http://a1.apps.localhost:7070/t/tok/index.html#paddock-parent=${encodeURIComponent(console)}`,
    );
  });

  it('refuses a URL off the app origin, or on the console origin', () => {
    assert.throws(() =>
      frameUrl(launch('http://evil.localhost/x', 'http://a1.apps.localhost:7070'), console),
    );
    assert.throws(() => frameUrl(launch(`${console}/x`, console), console));
  });
});

describe('provenance and capabilities', () => {
  it('says Network: none unless a network origin is granted', () => {
    assert.equal(
      provenanceBadgeText('ai-generated', ['app.notify']),
      'AI-generated · Network: none',
    );
    assert.equal(
      provenanceBadgeText('user-uploaded', ['network:https://api.example.com', 'app.kv']),
      'User-uploaded · Network: https://api.example.com',
    );
    assert.deepEqual(
      networkOrigins(['network:https://a.example', 'network:https://b.example:8443']),
      ['https://a.example', 'https://b.example:8443'],
    );
  });

  it('holds by ceiling or grant unless forbidden', () => {
    const perms = { ceiling: ['app.kv'], granted: ['app.notify'], forbidden: ['app.llm'] };
    assert.equal(heldNow(perms, 'app.kv'), true);
    assert.equal(heldNow(perms, 'app.notify'), true);
    assert.equal(heldNow(perms, 'app.files'), false);
    assert.equal(heldNow({ ...perms, granted: ['app.llm'] }, 'app.llm'), false);
  });
});

describe('desktop routes', () => {
  it('parses the desktop and an installed app’s page', () => {
    assert.deepEqual(parseRoute('/desktop'), { name: 'desktop' });
    assert.deepEqual(parseRoute('/desktop/'), { name: 'desktop' });
    assert.deepEqual(parseRoute(paths.userspaceApp('abc')), { name: 'userspace-app', id: 'abc' });
    assert.deepEqual(parseRoute('/desktop/apps/%E0%A4%A'), { name: 'not-found' });
    assert.deepEqual(parseRoute('/desktop/other'), { name: 'not-found' });
  });
});
