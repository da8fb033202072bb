import { setTimeout as sleep } from 'node:timers/promises';

/** What a pool logs through: the driver's logger. */
export interface PoolLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WarmPoolOptions {
  /** How many booted, unclaimed sandboxes to keep; 0 disables the pool. */
  size: number;
  /** Boot one pool member and return its id. */
  boot: () => Promise<string>;
  destroy: (id: string) => Promise<void>;
  log: PoolLogger;
  minBackoffMs?: number;
  /** How long after a claim the replacement starts booting. */
  refillDelayMs?: number;
  maxBackoffMs?: number;
}

/**
 * Sandboxes booted ahead of demand with the default limits, so create() is a claim instead of a
 * boot. Members are used once: a claimed sandbox never comes back. Refills run in the background
 * one boot at a time; failures are logged and retried with exponential backoff, never thrown.
 */
export class WarmPool {
  private readonly ready: string[] = [];
  private filling: Promise<void> | null = null;
  private closed = false;
  private readonly abort = new AbortController();

  constructor(private readonly o: WarmPoolOptions) {}

  get size(): number {
    return this.o.size;
  }

  get readyCount(): number {
    return this.ready.length;
  }

  /** Start (or resume) filling up to the target size. */
  refill(): void {
    if (this.filling !== null || this.closed || this.ready.length >= this.o.size) return;
    this.filling = this.fill().finally(() => {
      this.filling = null;
    });
  }

  private async fill(): Promise<void> {
    const min = this.o.minBackoffMs ?? 1_000;
    const max = this.o.maxBackoffMs ?? 60_000;
    let backoff = min;
    while (!this.closed && this.ready.length < this.o.size) {
      try {
        const id = await this.o.boot();
        if (this.closed) {
          await this.o.destroy(id).catch(() => undefined);
          return;
        }
        this.ready.push(id);
        backoff = min;
      } catch (err) {
        this.o.log.error({ err, retry_ms: backoff }, 'warm pool: booting a sandbox failed');
        try {
          await sleep(backoff, undefined, { signal: this.abort.signal, ref: false });
        } catch {
          return; // closed while waiting
        }
        backoff = Math.min(backoff * 2, max);
      }
    }
  }

  /**
   * Hand out a booted member (oldest first) and boot its replacement shortly after: a claimer
   * usually runs its first command at once, and a boot's mkfs, mount and spawn would compete with it.
   */
  take(): string | undefined {
    const id = this.ready.shift();
    setTimeout(() => this.refill(), this.o.refillDelayMs ?? 100).unref();
    return id;
  }

  /** Drop a member that is being destroyed elsewhere. */
  forget(id: string): void {
    const i = this.ready.indexOf(id);
    if (i >= 0) this.ready.splice(i, 1);
  }

  /** Stop refilling, wait for a boot in flight, and destroy every unclaimed member. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await this.filling;
    for (const id of this.ready.splice(0)) {
      await this.o
        .destroy(id)
        .catch((err: unknown) =>
          this.o.log.warn({ err, sandbox_id: id }, 'warm pool: destroying a member failed'),
        );
    }
  }
}
