import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** API tokens are 256 random bits; a fast hash is enough because they cannot be guessed. */
export function generateToken(): string {
  return `pdk_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The part of a token shown in lists: enough to recognise it, useless to an attacker. */
export function tokenPrefix(token: string): string {
  return token.slice(0, 10);
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
