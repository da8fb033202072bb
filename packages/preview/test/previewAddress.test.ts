import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaddockError } from '@paddock/shared';
import { PreviewAddress } from '../src/index.js';

const ID = 'sb01h00000000000000000000000';

describe('preview addresses', () => {
  const address = new PreviewAddress('http://preview.localhost:7070');

  it('reads the port and sandbox from a preview host, with or without a port', () => {
    assert.deepEqual(address.parseHost(`5173-${ID}.preview.localhost:7070`), {
      port: 5173,
      sandboxId: ID,
    });
    // Behind a proxy the listener sees another port, or none.
    assert.deepEqual(address.parseHost(`80-${ID}.preview.localhost`), { port: 80, sandboxId: ID });
    assert.deepEqual(address.parseHost(`3000-${ID.toUpperCase()}.PREVIEW.localhost:1`), {
      port: 3000,
      sandboxId: ID,
    });
  });

  it('refuses hosts that are not a preview of this install', () => {
    for (const host of [
      undefined,
      '',
      'preview.localhost:7070',
      `${ID}.preview.localhost`,
      `0-${ID}.preview.localhost`,
      `65536-${ID}.preview.localhost`,
      `123456-${ID}.preview.localhost`,
      `5173-${ID.slice(0, -1)}.preview.localhost`,
      `5173-xx${ID.slice(2)}.preview.localhost`,
      `5173-${ID}.preview.localhost.evil.test`,
      `5173-${ID}.other.localhost`,
      `5173-${ID}.previewXlocalhost`,
      `a.5173-${ID}.preview.localhost`,
    ]) {
      assert.equal(address.parseHost(host), null, String(host));
    }
  });

  it('builds the origin a preview is served from', () => {
    assert.equal(address.origin(5173, ID), `http://5173-${ID}.preview.localhost:7070`);
    const tls = new PreviewAddress('https://Preview.Example.com');
    assert.equal(tls.scheme, 'https');
    assert.equal(tls.origin(80, ID), `https://80-${ID}.preview.example.com`);
    assert.deepEqual(tls.parseHost(`80-${ID}.preview.example.com`), { port: 80, sandboxId: ID });
  });

  it('refuses a base that is not scheme://domain[:port]', () => {
    for (const base of ['preview.localhost', 'ftp://preview.localhost', 'http://p.localhost/x']) {
      assert.throws(
        () => new PreviewAddress(base),
        (err: unknown) => err instanceof PaddockError && err.code === 'bad_request',
        base,
      );
    }
  });
});
