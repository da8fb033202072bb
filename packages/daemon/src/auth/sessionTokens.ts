import { SignJWT, jwtVerify } from 'jose';
import type { Principal } from '../http/principal.js';

export const SESSION_COOKIE = 'paddock_session';
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

/** A session token's claims, once its signature and expiry are checked. */
export interface SessionClaims {
  principal: Principal;
  /** The owner's session epoch when it was issued (0 for sessions from before epochs). */
  epoch: number;
  /** When it expires, ISO-8601. */
  expiresAt: string;
}

/**
 * The console's session: an HttpOnly cookie holding a signed claim of which API key signed in
 * (never the token itself) and the owner's session epoch then. Each request re-checks that key
 * and that epoch, so revoking the key or signing out everywhere ends the session.
 */
export class SessionTokens {
  private readonly key: Uint8Array;

  /** `adminFingerprint` ties admin sessions to the current admin token: a new token ends them. */
  constructor(
    secret: string,
    private readonly adminFingerprint: string,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(p: Principal, epoch: number): Promise<{ token: string; expiresAt: string }> {
    const exp = Math.floor(Date.now() / 1000) + SESSION_TTL_SECONDS;
    const token = await new SignJWT({
      owner: p.owner,
      role: p.role,
      ep: epoch,
      ...(p.keyId === 'admin-token' ? { admin_fp: this.adminFingerprint } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(p.keyId)
      .setAudience('paddock-session')
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * The claims, or null; the caller still checks that the key is active and the epoch is the
   * owner's.
   */
  async verify(token: string): Promise<SessionClaims | null> {
    if (token.length > 4096) return null;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: 'paddock-session',
      });
      const { sub, owner, role, ep, exp } = payload;
      if (typeof sub !== 'string' || typeof owner !== 'string') return null;
      if (role !== 'admin' && role !== 'user' && role !== 'agent') return null;
      if (sub === 'admin-token' && payload.admin_fp !== this.adminFingerprint) return null;
      const epoch = ep === undefined ? 0 : ep;
      if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch)) return null;
      if (typeof exp !== 'number') return null;
      return {
        principal: { keyId: sub, owner, role },
        epoch,
        expiresAt: new Date(exp * 1000).toISOString(),
      };
    } catch {
      return null;
    }
  }

  cookie(token: string): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_SECONDS}`;
  }

  clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}
