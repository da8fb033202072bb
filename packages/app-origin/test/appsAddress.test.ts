import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { AppsAddress, domainsOverlap } from '../src/index.js';

const ID = 'abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst';

describe('apps addresses', () => {
  const address = new AppsAddress('http://apps.localhost:7070');

  it('reads the app from its host, with or without a port, in any case', () => {
    assert.equal(ID.length, 52);
    assert.equal(address.appOf(`${ID}.apps.localhost:7070`), ID);
    assert.equal(address.appOf(`${ID}.apps.localhost`), ID);
    assert.equal(address.appOf(`${ID.toUpperCase()}.APPS.localhost:1`), ID);
  });

  it('names no app for anything else', () => {
    for (const host of [
      undefined,
      '',
      'apps.localhost:7070',
      `${ID.slice(1)}.apps.localhost`,
      `${ID}x.apps.localhost`,
      `${ID.replace('a', '1')}.apps.localhost`,
      `x.${ID}.apps.localhost`,
      `${ID}.apps.localhost.evil.example`,
      `${ID}.preview.localhost`,
      `${ID}.apps.localhost:7070/x`,
      '127.0.0.1:7070',
    ]) {
      assert.equal(address.appOf(host), null, String(host));
    }
  });

  it('owns the apps domain itself and every name under it, and nothing else', () => {
    for (const host of [
      'apps.localhost',
      'apps.localhost:7070',
      'APPS.LOCALHOST',
      `${ID}.apps.localhost`,
      'anything.apps.localhost:1',
      'a.b.apps.localhost',
    ]) {
      assert.equal(address.isAppsHost(host), true, host);
    }
    for (const host of [
      undefined,
      '',
      'localhost:7070',
      '127.0.0.1:7070',
      'xapps.localhost',
      'apps.localhost.evil.example',
      `5173-sb01h00000000000000000000000.preview.localhost:7070`,
    ]) {
      assert.equal(address.isAppsHost(host), false, String(host));
    }
  });

  it("makes an app's origin on the configured scheme and port", () => {
    assert.equal(address.origin(ID), `http://${ID}.apps.localhost:7070`);
    const https = new AppsAddress('https://Apps.Example.com');
    assert.equal(https.origin(ID), `https://${ID}.apps.example.com`);
    assert.equal(https.ownsOrigin(`https://${ID}.apps.example.com`), true);
    assert.equal(https.ownsOrigin('https://console.example.com'), false);
    assert.throws(() => address.origin('not-an-id'), PaddockError);
  });

  it('refuses a base URL that is not http(s)://domain[:port]', () => {
    for (const bad of [
      'apps.localhost',
      'ftp://apps.localhost',
      'http://apps.localhost/path',
      'http://apps.localhost/?q=1',
      'http://user@apps.localhost',
      'http://127.0.0.1:7070',
      'http://localhost:7070',
    ]) {
      assert.throws(() => new AppsAddress(bad), PaddockError, bad);
    }
  });

  it('tells overlapping domains', () => {
    assert.equal(domainsOverlap('apps.localhost', 'preview.localhost'), false);
    assert.equal(domainsOverlap('apps.localhost', 'apps.localhost'), true);
    assert.equal(domainsOverlap('apps.example.com', 'example.com'), true);
    assert.equal(domainsOverlap('preview.example.com', 'x.preview.example.com'), true);
    assert.equal(domainsOverlap('apps.example.com', 'xapps.example.com'), false);
  });
});
