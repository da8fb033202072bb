import crypto from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/** How long a bundle link lasts at most; never beyond the window's app session. */
export const BUNDLE_TOKEN_TTL_SECONDS = 60 * 60;
/** A token longer than this is not one of ours (and is not verified). */
const MAX_TOKEN_LENGTH = 1024;
const AUDIENCE = 'paddock-app-bundle';
/** Verified tokens kept; cleared when full. */
const CACHE_SIZE = 10_000;

/** What a bundle token speaks for. */
export interface BundleClaims {
  appId: string;
  /** The version in use at launch: an update or a rollback makes the token stale. */
  version: number;
  /** The API key (or `admin-token`) of the person who launched it: a revoked key ends it. */
  keyId: string;
  /** A keyed hash of the credential the launch carried (`bind`), never the credential. */
  binding: string;
  /** The console origin that launched it: the only one that may frame the bundle. */
  ancestor: string;
}

/**
 * Short-lived HS256 tokens carried in the bundle's URL path (`/t/{token}/index.html`): the
 * sandboxed page's origin is opaque, so its requests carry no cookie, and the path is the one
 * thing every relative URL of the bundle keeps. One key per install.
 */
export class BundleTokens {
  private readonly key: Uint8Array;
  /**
   * Verified tokens' claims, so a page's many asset requests check the signature once.
   * Bounded; an entry is used only before its token's own expiry.
   */
  private readonly verified = new Map<string, { claims: BundleClaims; expMs: number }>();

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  /** The binding of a credential (a session cookie or bearer token): a keyed hash of it. */
  bind(credential: string): string {
    return crypto
      .createHmac('sha256', this.key)
      .update(`app-bundle:${credential}`)
      .digest('base64url')
      .slice(0, 32);
  }

  async issue(claims: BundleClaims, notAfter?: Date): Promise<{ token: string; expiresAt: Date }> {
    let exp = Math.floor(Date.now() / 1000) + BUNDLE_TOKEN_TTL_SECONDS;
    if (notAfter) exp = Math.min(exp, Math.floor(notAfter.getTime() / 1000));
    const token = await new SignJWT({
      ver: claims.version,
      kid: claims.keyId,
      bnd: claims.binding,
      anc: claims.ancestor,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.appId)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * The claims of a valid, unexpired token for `appId`; null for anything else (forged,
   * expired, malformed, or another app's). The version and the key are the caller's to check
   * against what is installed and active now.
   */
  async verify(token: string, appId: string): Promise<BundleClaims | null> {
    if (token.length > MAX_TOKEN_LENGTH) return null;
    const claims = this.cached(token) ?? (await this.check(token));
    return claims !== null && claims.appId === appId ? claims : null;
  }

  private async check(token: string): Promise<BundleClaims | null> {
    let payload: Record<string, unknown>;
    try {
      payload = (await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE }))
        .payload;
    } catch {
      return null;
    }
    const claims = {
      appId: payload.sub,
      version: payload.ver,
      keyId: payload.kid,
      binding: payload.bnd,
      ancestor: payload.anc,
    };
    if (
      typeof claims.appId !== 'string' ||
      typeof claims.version !== 'number' ||
      typeof claims.keyId !== 'string' ||
      typeof claims.binding !== 'string' ||
      typeof claims.ancestor !== 'string' ||
      typeof payload.exp !== 'number'
    ) {
      return null;
    }
    if (this.verified.size >= CACHE_SIZE) this.verified.clear();
    this.verified.set(token, { claims: claims as BundleClaims, expMs: payload.exp * 1000 });
    return claims as BundleClaims;
  }

  private cached(token: string): BundleClaims | undefined {
    const hit = this.verified.get(token);
    if (hit === undefined) return undefined;
    if (hit.expMs > Date.now()) return hit.claims;
    this.verified.delete(token);
    return undefined;
  }
}
