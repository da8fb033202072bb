import crypto from 'node:crypto';
import type { MasterKey } from './masterKey.js';

/**
 * Sealed values: `v1.<key id>.<nonce>.<ciphertext>.<tag>` (base64url), AES-256-GCM with a fresh
 * 96-bit nonce per value. The additional data binds a value to its place (app and key), so a
 * sealed value copied to another row does not open there.
 */
export function seal(key: MasterKey, plaintext: string, aad: string): string {
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key.key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ['v1', key.id, nonce, ciphertext, tag]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export type OpenResult =
  { ok: true; plaintext: string } | { ok: false; reason: 'other_key' | 'corrupt' };

/** Never returns garbage: a value sealed with another key, or altered, says so instead. */
export function open(key: MasterKey, sealed: string, aad: string): OpenResult {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1') return { ok: false, reason: 'corrupt' };
  if (parts[1] !== key.id) return { ok: false, reason: 'other_key' };
  try {
    const [nonce, ciphertext, tag] = parts.slice(2).map((p) => Buffer.from(p, 'base64url'));
    const decipher = crypto.createDecipheriv('aes-256-gcm', key.key, nonce!);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag!);
    const plaintext = Buffer.concat([decipher.update(ciphertext!), decipher.final()]);
    return { ok: true, plaintext: plaintext.toString('utf8') };
  } catch {
    return { ok: false, reason: 'corrupt' };
  }
}

/** The key id a sealed value names. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 ? parts[1]! : null;
}
