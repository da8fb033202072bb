import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway self-signed certificate (EC P-256, one day) for an HTTPS server on loopback,
 * made with openssl, valid for `commonName` and any `otherNames`; `remove` deletes its files.
 */
export function selfSignedCertificate(
  commonName: string,
  otherNames: string[] = [],
): {
  key: Buffer;
  cert: Buffer;
  /** The certificate's PEM file (a CA file for whoever should trust it). */
  certFile: string;
  remove: () => void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-cert-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=${[commonName, ...otherNames].map((n) => `DNS:${n}`).join(',')}`,
    ],
    { stdio: 'ignore' },
  );
  return {
    key: fs.readFileSync(keyFile),
    cert: fs.readFileSync(certFile),
    certFile,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
