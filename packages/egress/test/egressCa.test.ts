import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import tls from 'node:tls';
import { EgressCa, certificateName } from '../src/egressCa.js';

/** The certificate a TLS client trusting only `caPem` is shown for `host`, on loopback. */
async function leafSeenBy(
  ca: EgressCa,
  caPem: string,
  host: string,
): Promise<crypto.X509Certificate> {
  const server = tls.createServer({
    SNICallback: (name, done) => {
      ca.contextFor(name).then((context) => done(null, context), done);
    },
  });
  server.on('secureConnection', (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      servername: host,
      ca: caPem,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    assert.equal(socket.authorized, true);
    const leaf = socket.getPeerX509Certificate()!;
    socket.destroy();
    return leaf;
  } finally {
    server.close();
  }
}

describe('egress CA', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-ca-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('signs leaves a client trusting only the CA accepts, and keeps its key across opens', async () => {
    const ca = EgressCa.open(dir);
    const file = path.join(dir, 'egress-ca.pem');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const caCert = new crypto.X509Certificate(ca.certPem);
    assert.equal(caCert.ca, true);
    assert.ok(caCert.verify(caCert.publicKey), 'the CA certificate is self-signed');

    const leaf = await leafSeenBy(ca, ca.certPem, 'api.example.test');
    assert.ok(leaf.verify(caCert.publicKey));
    assert.ok(leaf.checkIssued(caCert));
    assert.equal(leaf.checkHost('api.example.test'), 'api.example.test');
    assert.equal(leaf.ca, false);
    assert.notEqual(leaf.serialNumber, caCert.serialNumber);

    // Reopened: the same CA, and what it signs still chains to the certificate sandboxes trust.
    const again = EgressCa.open(dir);
    assert.equal(again.certPem, ca.certPem);
    const next = await leafSeenBy(again, ca.certPem, 'other.example.test');
    assert.ok(next.verify(caCert.publicKey));
    assert.equal(next.checkHost('other.example.test'), 'other.example.test');
  });

  it('names a wildcard only one label under a wildcard rule', () => {
    assert.equal(certificateName('a.example.test', ['*.example.test']), '*.example.test');
    assert.equal(certificateName('a.b.example.test', ['*.example.test']), 'a.b.example.test');
    assert.equal(certificateName('example.test', ['*.example.test']), 'example.test');
  });
});
