import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT, importPKCS8, jwtVerify, type CryptoKey, type KeyObject } from 'jose';
import type { FilestoreOp } from '@paddock/shared';

/** A sandbox token lives this long at most; it is replaced well before (see sandboxCredentials). */
export const SANDBOX_TOKEN_TTL_SECONDS = 15 * 60;

const ISSUER = 'paddockd';
const AUDIENCE = 'paddock-control-plane';

/** What a sandbox may do with its token. Routes opt in by scope; everything else is refused. */
export type SandboxScope = 'sandbox:read';

/**
 * Seed 004's data scope: one filestore (`filesystem_id`) and what the token may do with it.
 * The broker maps the pair (owner, filesystem_id) to a place; the token never names one.
 */
export interface DataScope {
  filesystem_id: string;
  ops: FilestoreOp[];
}

export interface SandboxTokenClaims {
  sandboxId: string;
  appId: string | null;
  owner: string;
  scopes: SandboxScope[];
  /** The sandbox's start time when the token was issued: a stop or restart revokes it. */
  boot: string;
  /** The filestores the sandbox may reach through the broker (its mounts, and any it named). */
  data: DataScope[];
}

/**
 * Short-lived tokens a sandbox uses to call the control plane: EdDSA (Ed25519) signed with a
 * per-install key kept in the state dir (0600), naming one sandbox, its app, owner and scopes.
 */
export class SandboxTokens {
  private constructor(
    private readonly privateKey: CryptoKey | KeyObject,
    private readonly publicKey: KeyObject,
  ) {}

  static async open(stateDir: string): Promise<SandboxTokens> {
    const file = path.join(stateDir, 'sandbox-token-key.pem');
    let pem: string;
    try {
      pem = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const { privateKey } = crypto.generateKeyPairSync('ed25519');
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
    }
    const privateKey = await importPKCS8(pem, 'EdDSA');
    const publicKey = crypto.createPublicKey(crypto.createPrivateKey(pem));
    return new SandboxTokens(privateKey, publicKey);
  }

  async issue(claims: SandboxTokenClaims): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + SANDBOX_TOKEN_TTL_SECONDS) * 1000);
    const token = await new SignJWT({
      app: claims.appId,
      owner: claims.owner,
      scope: claims.scopes.join(' '),
      boot: claims.boot,
      ...(claims.data.length > 0 ? { data: claims.data } : {}),
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.sandboxId)
      .setJti(crypto.randomBytes(12).toString('base64url'))
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.privateKey);
    return { token, expiresAt };
  }

  /** The claims of a valid, unexpired token of ours; null for anything else. */
  async verify(token: string): Promise<SandboxTokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['EdDSA'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.owner !== 'string') return null;
      if (typeof payload.boot !== 'string' || typeof payload.scope !== 'string') return null;
      return {
        sandboxId: payload.sub,
        appId: typeof payload.app === 'string' ? payload.app : null,
        owner: payload.owner,
        scopes: payload.scope.split(' ').filter(Boolean) as SandboxScope[],
        boot: payload.boot,
        data: dataScopes(payload.data),
      };
    } catch {
      return null;
    }
  }
}

/** The `data` claim as issued: anything malformed grants nothing. */
function dataScopes(claim: unknown): DataScope[] {
  if (!Array.isArray(claim)) return [];
  const out: DataScope[] = [];
  for (const item of claim as unknown[]) {
    const { filesystem_id: id, ops } = (item ?? {}) as { filesystem_id?: unknown; ops?: unknown };
    if (typeof id !== 'string' || !Array.isArray(ops)) continue;
    const known = ops.filter((op): op is FilestoreOp => op === 'read' || op === 'write');
    out.push({ filesystem_id: id, ops: known });
  }
  return out;
}

/** A bearer token shaped like a JWT (three base64url parts), so API keys never reach jose. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}
