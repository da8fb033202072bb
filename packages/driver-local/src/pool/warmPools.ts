import type { WorkspaceMount } from '@paddock/shared';
import { WarmPool, type PoolLogger } from './warmPool.js';

export interface WarmPoolsOptions {
  /** Members of the plain pool (no mounts); 0 turns every pool off. */
  size: number;
  /** Members of each pool for a mount set. */
  flavorSize: number;
  /** Mount-set pools kept at once; the least recently used beyond this is closed. */
  maxFlavors: number;
  boot: (mounts: WorkspaceMount[]) => Promise<string>;
  destroy: (id: string) => Promise<void>;
  log: PoolLogger;
}

function keyOf(mounts: WorkspaceMount[]): string {
  return mounts.map((m) => `${m.name}${m.writable === true ? '+' : ''}=${m.source}`).join('\n');
}

/**
 * The plain warm pool plus a small one per mount set in use (an app preset's dependency cache):
 * a running jail cannot gain a mount, so sandboxes that need one are booted with it ahead of
 * demand too. A mount set's pool is made the first time it is asked for (that create boots
 * cold) and refilled after every claim, so the next app of the same preset is a claim.
 */
export class WarmPools {
  /** In least-recently-used order; the plain pool has the key ''. */
  private readonly pools = new Map<string, WarmPool>();

  constructor(private readonly o: WarmPoolsOptions) {
    if (o.size > 0) this.pools.set('', this.make([], o.size));
  }

  get size(): number {
    return [...this.pools.values()].reduce((n, p) => n + p.size, 0);
  }

  get readyCount(): number {
    return [...this.pools.values()].reduce((n, p) => n + p.readyCount, 0);
  }

  /** Start filling the plain pool. */
  refill(): void {
    this.pools.get('')?.refill();
  }

  /** A booted member with exactly these mounts, or undefined (and the pool for them fills). */
  take(mounts: WorkspaceMount[]): string | undefined {
    if (this.o.size === 0) return undefined;
    const key = keyOf(mounts);
    const pool = this.pools.get(key);
    if (!pool) {
      const made = this.make(mounts, this.o.flavorSize);
      this.pools.set(key, made);
      this.evict();
      made.refill();
      return undefined;
    }
    this.pools.delete(key);
    this.pools.set(key, pool);
    return pool.take();
  }

  forget(id: string): void {
    for (const pool of this.pools.values()) pool.forget(id);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }

  private make(mounts: WorkspaceMount[], size: number): WarmPool {
    return new WarmPool({
      size,
      log: this.o.log,
      boot: () => this.o.boot(mounts),
      destroy: (id) => this.o.destroy(id),
    });
  }

  private evict(): void {
    const flavors = [...this.pools.keys()].filter((k) => k !== '');
    for (const key of flavors.slice(0, Math.max(0, flavors.length - this.o.maxFlavors))) {
      const pool = this.pools.get(key)!;
      this.pools.delete(key);
      void pool.close().catch((err: unknown) => {
        this.o.log.warn({ err }, 'warm pool: closing an unused mount-set pool failed');
      });
    }
  }
}
