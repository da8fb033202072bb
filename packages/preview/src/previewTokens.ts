import { SignJWT, jwtVerify } from 'jose';

/** How long a preview link works; the console asks for a fresh one on every read. */
export const LINK_TTL_SECONDS = 15 * 60;
/** How long the cookie a link is exchanged for works (an open tab keeps hot-reloading). */
export const COOKIE_TTL_SECONDS = 12 * 60 * 60;

export type PreviewTokenKind = 'link' | 'cookie';

export interface PreviewClaims {
  sandboxId: string;
  port: number;
  /** The sandbox's preview epoch: a restart or rotation makes older tokens invalid. */
  epoch: number;
}

/**
 * Signed preview tokens (HS256 with a per-install key). A token names one sandbox, one port
 * and one epoch, and whether it is a shareable link or the cookie a link was exchanged for.
 */
export class PreviewTokens {
  private readonly key: Uint8Array;
  /**
   * Verified tokens' claims, so a page's hundreds of requests with one cookie check the
   * signature once. Bounded; an entry is used only before its token's own expiry.
   */
  private readonly verified = new Map<string, { claims: Record<string, unknown>; expMs: number }>();

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(
    kind: PreviewTokenKind,
    claims: PreviewClaims,
  ): Promise<{ token: string; expiresAt: Date }> {
    const ttl = kind === 'link' ? LINK_TTL_SECONDS : COOKIE_TTL_SECONDS;
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + ttl) * 1000);
    const token = await new SignJWT({ port: claims.port, epoch: claims.epoch, kind })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sandboxId)
      .setAudience('paddock-preview')
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
    return { token, expiresAt };
  }

  /** True only for an unexpired token of this kind for exactly this sandbox, port and epoch. */
  async verify(token: string, kind: PreviewTokenKind, expected: PreviewClaims): Promise<boolean> {
    if (token.length > 2048) return false;
    let payload = this.cached(token);
    if (payload === undefined) {
      try {
        payload = (
          await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: 'paddock-preview' })
        ).payload;
      } catch {
        return false;
      }
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, { claims: payload, expMs: Number(payload.exp) * 1000 });
    }
    return (
      payload.sub === expected.sandboxId &&
      payload.kind === kind &&
      payload.port === expected.port &&
      payload.epoch === expected.epoch
    );
  }

  private cached(token: string): Record<string, unknown> | undefined {
    const hit = this.verified.get(token);
    if (hit === undefined) return undefined;
    if (hit.expMs > Date.now()) return hit.claims;
    this.verified.delete(token);
    return undefined;
  }
}
