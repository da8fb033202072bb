import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { ConfigError } from '../config.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificates every sandbox trusts beyond the system's: the egress proxy's CA, and, for
 * development and tests only, the CAs of `PADDOCK_SANDBOX_EXTRA_CA` (a loopback registry's
 * certificate, which no sandbox would otherwise trust, since its TLS passes the proxy
 * untouched). A file that is unreadable or holds anything but certificates stops the start; a
 * good one is announced with a warning, so nobody takes it for production configuration.
 */
export function sandboxTrust(
  egressCaPem: string,
  extraCaFile: string | undefined,
  log: { warn(fields: object, message: string): void },
): string {
  if (extraCaFile === undefined) return egressCaPem;
  let text: string;
  try {
    text = fs.readFileSync(extraCaFile, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `PADDOCK_SANDBOX_EXTRA_CA: cannot read ${extraCaFile}: ${(err as Error).message}`,
    );
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  const rest = text.replace(PEM_BLOCK, '').trim();
  if (blocks.length === 0 || rest !== '') {
    throw new ConfigError(
      `PADDOCK_SANDBOX_EXTRA_CA: ${extraCaFile} must hold PEM certificates and nothing else`,
    );
  }
  const subjects = blocks.map((pem) => {
    try {
      return new X509Certificate(pem).subject.replace(/\n/g, ', ');
    } catch (err) {
      throw new ConfigError(
        `PADDOCK_SANDBOX_EXTRA_CA: ${extraCaFile}: not a certificate: ${(err as Error).message}`,
      );
    }
  });
  log.warn(
    { file: extraCaFile, subjects },
    'PADDOCK_SANDBOX_EXTRA_CA is set: every sandbox trusts these extra CAs for all TLS. ' +
      'For development and tests only; never set it in production',
  );
  return `${egressCaPem.trim()}\n${blocks.join('\n')}\n`;
}
