import crypto from 'node:crypto';
import { PaddockError } from '@paddock/shared';
import { SIGNATURE_PATH } from '../archive/walk.js';
import { appIdOf, publicKeyObject, rawPublicKey } from './appKeys.js';

/** What is signed: a fixed label, then the SHA-256 of the package's canonical content. */
const LABEL = Buffer.from('paddock-app-package-v1\0');

interface SignatureFile {
  alg: 'ed25519';
  /** The raw public key, base64url. */
  public_key: string;
  signature: string;
}

/** The signature file's text for a package whose content digest (hex, `contentDigest`) is `digest`. */
export function signPackage(privateKeyPem: string, digest: string): string {
  const key = crypto.createPrivateKey(privateKeyPem);
  const file: SignatureFile = {
    alg: 'ed25519',
    public_key: rawPublicKey(crypto.createPublicKey(key)).toString('base64url'),
    signature: crypto.sign(null, signed(digest), key).toString('base64url'),
  };
  return `${JSON.stringify(file)}\n`;
}

/**
 * Checks a package's signature over its content digest, and that the manifest's id is the
 * signing key's. Returns the key (the app's identity); refuses with a stable code otherwise.
 */
export function verifyPackage(
  signatureFile: Buffer | null,
  digest: string,
  manifestId: string,
): { appId: string; publicKey: Buffer } {
  if (signatureFile === null) {
    throw new PaddockError('package_unsigned', `the package has no ${SIGNATURE_PATH}`);
  }
  const file = parse(signatureFile);
  const publicKey = Buffer.from(file.public_key, 'base64url');
  let ok = false;
  try {
    ok = crypto.verify(
      null,
      signed(digest),
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

function signed(digest: string): Buffer {
  return Buffer.concat([LABEL, Buffer.from(digest, 'hex')]);
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
      `${SIGNATURE_PATH} is not an Ed25519 signature file`,
    );
  }
  return f as SignatureFile;
}
