import type { FastifyBaseLogger } from 'fastify';
import type { SandboxDriver } from '@paddock/shared';
import type { DataScope, SandboxTokenClaims, SandboxTokens } from '../auth/sandboxTokens.js';
import type { SandboxRow, SandboxStore } from './sandboxStore.js';

/** The file inside the sandbox: `/run/paddock/token`. */
export const TOKEN_FILE = 'token';
/** Tokens are replaced when less than this is left of their 15 minutes. */
const RENEW_BEFORE_MS = 6 * 60_000;
const CHECK_EVERY_MS = 60_000;

/**
 * Each running sandbox's control-plane token: written into the sandbox at every boot, replaced
 * before it expires, and worthless once the sandbox stops or restarts (a token names the boot
 * it was issued for, and only a running sandbox's current boot is accepted).
 */
export class SandboxCredentials {
  private readonly expiries = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: {
      tokens: SandboxTokens;
      driver: SandboxDriver;
      store: SandboxStore;
      log: FastifyBaseLogger;
      /** The filestores a sandbox's token names (see SandboxLifecycle's data mounts). */
      dataScopes: (row: SandboxRow) => Promise<DataScope[]>;
    },
  ) {}

  async deliver(row: SandboxRow): Promise<void> {
    if (row.started_at === null) return;
    const { token, expiresAt } = await this.o.tokens.issue({
      sandboxId: row.id,
      appId: row.app_id,
      owner: row.owner_id,
      scopes: ['sandbox:read'],
      boot: row.started_at,
      data: await this.o.dataScopes(row),
    });
    await this.o.driver.writeRunFile(row.id, TOKEN_FILE, `${token}\n`);
    this.expiries.set(row.id, expiresAt.getTime());
  }

  forget(id: string): void {
    this.expiries.delete(id);
  }

  /** Renews every running sandbox's token that is near its expiry (or was never written). */
  async renewDue(now = Date.now()): Promise<number> {
    let renewed = 0;
    for (const row of await this.o.store.listLive()) {
      if (row.status !== 'running') {
        this.expiries.delete(row.id);
        continue;
      }
      if ((this.expiries.get(row.id) ?? 0) - now > RENEW_BEFORE_MS) continue;
      try {
        await this.deliver(row);
        renewed++;
      } catch (err) {
        this.o.log.warn({ err, sandbox_id: row.id }, 'renewing a sandbox token failed');
      }
    }
    return renewed;
  }

  start(): void {
    this.timer = setInterval(() => void this.renewDue(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * The sandbox a bearer token speaks for: a valid token whose sandbox is running the very boot
   * it was issued for, under the same owner. Anything else is null (then 401).
   */
  async check(token: string): Promise<{ claims: SandboxTokenClaims; row: SandboxRow } | null> {
    const claims = await this.o.tokens.verify(token);
    if (claims === null) return null;
    const row = await this.o.store.getForPreview(claims.sandboxId);
    if (!row || row.status !== 'running') return null;
    if (row.started_at !== claims.boot || row.owner_id !== claims.owner) return null;
    return { claims, row };
  }
}
