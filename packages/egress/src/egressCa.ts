import crypto from 'node:crypto';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { readOrCreateCaFile } from './caFile.js';

const CA_YEARS = 10;
const LEAF_DAYS = 7;
/** A cached leaf is replaced once less than this is left of it. */
const LEAF_RENEW_MS = 24 * 3600_000;
const MAX_LEAVES = 1000;

/**
 * The per-install CA the egress proxy terminates TLS with, for hosts that have a secret to
 * inject (and only those). Its certificate is public and trusted inside every sandbox; its key
 * stays in `<state>/egress-ca.pem` (0600) and never leaves the daemon. Leaf certificates are
 * made on first use per host, with one key per daemon run, and cached.
 */
export class EgressCa {
  private readonly leaves = new Map<
    string,
    Promise<{ context: tls.SecureContext; until: number }>
  >();
  private leafKey: Promise<{ pem: string; forge: forge.pki.PublicKey }> | null = null;

  private constructor(
    readonly certPem: string,
    private readonly caCert: forge.pki.Certificate,
    private readonly caKey: crypto.KeyObject,
    /** The CA key's identifier, named by every leaf it signs. */
    private readonly caKeyId = caCert.generateSubjectKeyIdentifier().getBytes(),
  ) {}

  /** Reads the CA from the state dir, making one on first start. */
  static open(stateDir: string): EgressCa {
    const file = path.join(stateDir, 'egress-ca.pem');
    const text = readOrCreateCaFile(file, createCa, (t) => parseCa(t) !== null);
    const parsed = parseCa(text)!;
    return new EgressCa(forge.pki.certificateToPem(parsed.cert), parsed.cert, parsed.key);
  }

  /** A TLS context that presents a certificate for `host` (or `*.domain`) signed by this CA. */
  contextFor(host: string): Promise<tls.SecureContext> {
    const cached = this.leaves.get(host);
    if (cached) {
      return cached.then((leaf) => {
        if (leaf.until - Date.now() > LEAF_RENEW_MS) return leaf.context;
        this.leaves.delete(host);
        return this.contextFor(host);
      });
    }
    const made = this.makeLeaf(host);
    made.catch(() => this.leaves.delete(host));
    if (this.leaves.size >= MAX_LEAVES) this.leaves.delete(this.leaves.keys().next().value!);
    this.leaves.set(host, made);
    return made.then((leaf) => leaf.context);
  }

  private async makeLeaf(host: string): Promise<{ context: tls.SecureContext; until: number }> {
    // A failed key is not kept: the next certificate tries again.
    const key = await (this.leafKey ??= newLeafKey().catch((err: unknown) => {
      this.leafKey = null;
      throw err;
    }));
    const until = Date.now() + LEAF_DAYS * 24 * 3600_000;
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.forge;
    cert.serialNumber = serialNumber();
    cert.validity.notBefore = new Date(Date.now() - 3600_000);
    cert.validity.notAfter = new Date(until);
    cert.setSubject([{ name: 'commonName', value: host }]);
    cert.setIssuer(this.caCert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: host }] },
      {
        name: 'authorityKeyIdentifier',
        keyIdentifier: this.caKeyId,
      },
    ]);
    const signature = await new Promise<Buffer>((resolve, reject) =>
      crypto.sign('sha256', toBeSigned(cert), this.caKey, (err, sig) =>
        err ? reject(err) : resolve(sig),
      ),
    );
    cert.signature = signature.toString('binary');
    const context = tls.createSecureContext({
      key: key.pem,
      cert: `${forge.pki.certificateToPem(cert)}${this.certPem}`,
      minVersion: 'TLSv1.2',
    });
    return { context, until };
  }
}

/**
 * The name to certify for `host`: `*.domain` when a wildcard rule covers it one label deep (one
 * certificate for all such hosts, so a sandbox cycling through subdomains does not make the
 * daemon sign one each), else the host itself.
 */
export function certificateName(host: string, patterns: string[]): string {
  for (const p of patterns) {
    if (!p.startsWith('*.')) continue;
    const domain = p.slice(2);
    const label = host.slice(0, host.length - domain.length - 1);
    if (host.endsWith(`.${domain}`) && label !== '' && !label.includes('.')) return p;
  }
  return host;
}

function createCa(): string {
  const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + CA_YEARS * 365 * 24 * 3600_000);
  const name = [
    { name: 'commonName', value: `Paddock egress CA ${crypto.randomBytes(4).toString('hex')}` },
    { name: 'organizationName', value: 'Paddock (this install only)' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    // pathLenConstraint 0: it signs leaves, never another CA.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.signature = crypto.sign('sha256', toBeSigned(cert), pair.privateKey).toString('binary');
  return `${keyPem.trim()}\n${forge.pki.certificateToPem(cert).trim()}`;
}

function parseCa(text: string): { key: crypto.KeyObject; cert: forge.pki.Certificate } | null {
  const block = (label: string) =>
    new RegExp(`-----BEGIN ${label}-----[^-]+-----END ${label}-----`).exec(text)?.[0];
  const keyPem = block('PRIVATE KEY');
  const certPem = block('CERTIFICATE');
  if (keyPem === undefined || certPem === undefined) return null;
  try {
    const key = crypto.createPrivateKey(keyPem);
    // Certificates are labelled sha256WithRSA: a key of another type would sign them wrongly.
    if (key.asymmetricKeyType !== 'rsa') return null;
    return { key, cert: forge.pki.certificateFromPem(certPem) };
  } catch {
    return null;
  }
}

async function newLeafKey(): Promise<{ pem: string; forge: forge.pki.PublicKey }> {
  const pair = await new Promise<crypto.KeyPairKeyObjectResult>((resolve, reject) =>
    crypto.generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) =>
      err ? reject(err) : resolve({ publicKey, privateKey }),
    ),
  );
  return {
    pem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    forge: forge.pki.publicKeyFromPem(
      pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ),
  };
}

/**
 * The DER bytes a signature covers, with the algorithm (sha256WithRSA) set first: it is part of
 * them. The signing itself is Node's (native, and off the event loop for leaves); forge's own
 * pure-JS RSA held the event loop for 20-40 ms per certificate.
 */
function toBeSigned(cert: forge.pki.Certificate): Buffer {
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  const tbs = (
    forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
  cert.tbsCertificate = tbs;
  return Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
}

/** 16 random bytes, high bit clear so the serial is positive. */
function serialNumber(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}
