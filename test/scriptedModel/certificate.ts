import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway CA (EC P-256, one day) and a server certificate it signs for the model API hosts,
 * made with openssl. A CA and a separate leaf, not one self-signed certificate: rustls (Codex)
 * refuses a CA certificate presented as a server's ("CaUsedAsEndEntity").
 */
export interface ModelCertificate {
  key: Buffer;
  cert: Buffer;
  /** The CA's PEM file: PADDOCK_EGRESS_UPSTREAM_CA, or a CLI's CA variable on the host. */
  caFile: string;
  remove: () => void;
}

export function modelCertificate(
  names: readonly string[] = ['api.anthropic.com', 'api.openai.com', 'localhost'],
): ModelCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdk-model-cert-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=Paddock scripted model test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  openssl([
    'req',
    ...ec,
    '-keyout',
    file('key.pem'),
    '-out',
    file('leaf.csr'),
    '-subj',
    `/CN=${names[0]}`,
  ]);
  const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
  fs.writeFileSync(
    file('leaf.cnf'),
    [
      `subjectAltName=${san}`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  openssl([
    'x509',
    '-req',
    '-in',
    file('leaf.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('cert.pem'),
    '-days',
    '1',
    '-extfile',
    file('leaf.cnf'),
  ]);
  return {
    key: fs.readFileSync(file('key.pem')),
    cert: fs.readFileSync(file('cert.pem')),
    caFile: file('ca.pem'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
