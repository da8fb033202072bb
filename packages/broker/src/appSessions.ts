import crypto from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/** How long a window's app session lasts; the desktop launches again for a fresh one. */
export const APP_SESSION_TTL_SECONDS = 60 * 60;

/** What an app session speaks for: one app, one version, one person's session. */
export interface AppSessionClaims {
  appId: string;
  version: number;
  /** The API key (or `admin-token`) of the person who opened the window. */
  keyId: string;
  /**
   * A hash of the credential the window was opened with (the session cookie or bearer token),
   * so a session signed out or replaced ends the app's session too.
   */
  binding: string;
}

/**
 * Signed app sessions (HS256, one key per install). The console holds one per open window and
 * sends it with the window's broker calls; the app itself never sees it. A session is good only
 * with the same person's credential it was bound to at launch.
 */
export class AppSessions {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  /** The binding of the credential a request carries. */
  bind(credential: string): string {
    return crypto
      .createHmac('sha256', this.key)
      .update(`app-session:${credential}`)
      .digest('base64url')
      .slice(0, 32);
  }

  async issue(
    claims: AppSessionClaims,
    notAfter?: Date,
  ): Promise<{ token: string; expiresAt: Date }> {
    let exp = Math.floor(Date.now() / 1000) + APP_SESSION_TTL_SECONDS;
    if (notAfter) exp = Math.min(exp, Math.floor(notAfter.getTime() / 1000));
    const token = await new SignJWT({ ver: claims.version, kid: claims.keyId, bnd: claims.binding })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.appId)
      .setAudience('paddock-app-session')
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * The claims of a valid, unexpired session whose binding matches `credential`; null for
   * anything else (a forged, expired or borrowed session).
   */
  async verify(token: string, credential: string): Promise<AppSessionClaims | null> {
    if (token.length > 2048) return null;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: 'paddock-app-session',
      });
      const claims = {
        appId: payload.sub,
        version: payload.ver,
        keyId: payload.kid,
        binding: payload.bnd,
      };
      if (
        typeof claims.appId !== 'string' ||
        typeof claims.version !== 'number' ||
        typeof claims.keyId !== 'string' ||
        typeof claims.binding !== 'string'
      ) {
        return null;
      }
      const expected = this.bind(credential);
      if (!crypto.timingSafeEqual(Buffer.from(claims.binding), Buffer.from(expected))) return null;
      return claims as AppSessionClaims;
    } catch {
      return null;
    }
  }
}
