import crypto, { type KeyObject } from 'node:crypto';
import { PaddockError } from '@paddock/shared';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, without padding: a DNS label for a 32-byte key. */
export function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** An app's identity is its key (Sandstorm's rule): the id is the public key, in base32. */
export function appIdOf(publicKey: Buffer): string {
  if (publicKey.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return base32(publicKey);
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ type: 'spki', format: 'der' });
  return Buffer.from(der.subarray(der.length - 32));
}

export function publicKeyObject(raw: Buffer): KeyObject {
  return crypto.createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  });
}

export interface AppKeyPair {
  appId: string;
  publicKey: Buffer;
  /** PKCS#8 PEM: a secret; the daemon keeps it sealed. */
  privateKeyPem: string;
}

/** A new app's key pair, and so its id. */
export function generateAppKey(): AppKeyPair {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  return {
    appId: appIdOf(raw),
    publicKey: raw,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * The key pair of an app key read back from its PEM (PKCS#8, as `generateAppKey` writes it).
 * Refuses with `bad_request` what is not an Ed25519 private key.
 */
export function appKeyFromPem(privateKeyPem: string): AppKeyPair {
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey(privateKeyPem);
  } catch {
    throw new PaddockError('bad_request', 'not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new PaddockError('bad_request', 'not an Ed25519 private key');
  }
  const raw = rawPublicKey(crypto.createPublicKey(key));
  return { appId: appIdOf(raw), publicKey: raw, privateKeyPem };
}
