import crypto from 'node:crypto';
import { PaddockError } from '@paddock/shared';
import { appIdOf, publicKeyObject, rawPublicKey } from './appKeys.js';

/** The signature file at the root of a package; the content digest leaves it out. */
export const PACKAGE_SIGNATURE_FILE = 'paddock-app.sig';

/** What is signed: a fixed label, then the SHA-256 of the package's canonical content. */
const LABEL = Buffer.from('paddock-app-package-v1\0');

interface SignatureFile {
  alg: 'ed25519';
  /** The raw public key, base64url. */
  public_key: string;
  signature: string;
}

/** The signature file's text for a package whose content digest is `digest`. */
export function signPackage(privateKeyPem: string, digest: Buffer): string {
  const key = crypto.createPrivateKey(privateKeyPem);
  const file: SignatureFile = {
    alg: 'ed25519',
    public_key: rawPublicKey(crypto.createPublicKey(key)).toString('base64url'),
    signature: crypto.sign(null, Buffer.concat([LABEL, digest]), key).toString('base64url'),
  };
  return `${JSON.stringify(file)}\n`;
}

/**
 * Checks a package's signature over its content digest, and that the manifest's id is the
 * signing key's. Returns the key (the app's identity); refuses with a stable code otherwise.
 */
export function verifyPackage(
  signatureFile: Buffer | null,
  digest: Buffer,
  manifestId: string,
): { appId: string; publicKey: Buffer } {
  if (signatureFile === null) {
    throw new PaddockError('package_unsigned', `the package has no ${PACKAGE_SIGNATURE_FILE}`);
  }
  const file = parse(signatureFile);
  const publicKey = Buffer.from(file.public_key, 'base64url');
  let ok = false;
  try {
    ok = crypto.verify(
      null,
      Buffer.concat([LABEL, digest]),
      publicKeyObject(publicKey),
      Buffer.from(file.signature, 'base64url'),
    );
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new PaddockError(
      'package_signature_invalid',
      'the package signature does not match its content',
    );
  }
  const appId = appIdOf(publicKey);
  if (appId !== manifestId) {
    throw new PaddockError(
      'package_id_mismatch',
      `the manifest's id is not the signing key's (${appId})`,
      { signed_by: appId },
    );
  }
  return { appId, publicKey };
}

function parse(bytes: Buffer): SignatureFile {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    value = null;
  }
  const f = value as Partial<SignatureFile> | null;
  if (
    f === null ||
    typeof f !== 'object' ||
    f.alg !== 'ed25519' ||
    typeof f.public_key !== 'string' ||
    typeof f.signature !== 'string' ||
    Buffer.from(f.public_key, 'base64url').length !== 32
  ) {
    throw new PaddockError(
      'package_signature_invalid',
      `${PACKAGE_SIGNATURE_FILE} is not an Ed25519 signature file`,
    );
  }
  return f as SignatureFile;
}
