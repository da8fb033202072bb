import { SignJWT, jwtVerify } from 'jose';
import type { Principal } from '../http/principal.js';

export const SESSION_COOKIE = 'paddock_session';
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

/**
 * The console's session: an HttpOnly cookie holding a signed claim of which API key signed in
 * (never the token itself). Each request re-checks that key, so revoking it ends the session.
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

  async issue(p: Principal): Promise<string> {
    return new SignJWT({
      owner: p.owner,
      role: p.role,
      ...(p.keyId === 'admin-token' ? { admin_fp: this.adminFingerprint } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(p.keyId)
      .setAudience('paddock-session')
      .setIssuedAt()
      .setExpirationTime(`${SESSION_TTL_SECONDS}s`)
      .sign(this.key);
  }

  /** The claimed principal, or null; the caller still checks that the key is active. */
  async verify(token: string): Promise<Principal | null> {
    if (token.length > 4096) return null;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: 'paddock-session',
      });
      const { sub, owner, role } = payload;
      if (typeof sub !== 'string' || typeof owner !== 'string') return null;
      if (role !== 'admin' && role !== 'user' && role !== 'agent') return null;
      if (sub === 'admin-token' && payload.admin_fp !== this.adminFingerprint) return null;
      return { keyId: sub, owner, role };
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
