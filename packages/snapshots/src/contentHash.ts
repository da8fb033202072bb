import crypto from 'node:crypto';

/** An object's name: the lowercase hex SHA-256 of its bytes. */
export const SHA256 = /^[0-9a-f]{64}$/;

export function sha256Of(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
