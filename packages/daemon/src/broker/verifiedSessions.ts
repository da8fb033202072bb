import crypto from 'node:crypto';
import type { AppSessionClaims, AppSessions } from '@paddock/broker';

const MAX_ENTRIES = 4096;

/**
 * App sessions already verified, so a window's every call does not check the signature again:
 * kept until the session's own expiry, and on each hit the request's credential must still
 * bind to it (a keyed hash, compared in constant time). Bounded; cleared when full.
 */
export class VerifiedSessions {
  private readonly known = new Map<string, { claims: AppSessionClaims; exp: number }>();

  async verify(
    sessions: AppSessions,
    token: string,
    credential: string,
  ): Promise<AppSessionClaims | null> {
    const hit = this.known.get(token);
    if (hit) {
      if (Date.now() / 1000 >= hit.exp) {
        this.known.delete(token);
        return null;
      }
      const expected = Buffer.from(sessions.bind(credential));
      const bound = Buffer.from(hit.claims.binding);
      return expected.length === bound.length && crypto.timingSafeEqual(expected, bound)
        ? hit.claims
        : null;
    }
    const claims = await sessions.verify(token, credential);
    if (!claims) return null;
    // Verified just now, so its payload is the signed one.
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      exp: number;
    };
    if (this.known.size >= MAX_ENTRIES) this.known.clear();
    this.known.set(token, { claims, exp: payload.exp });
    return claims;
  }
}
