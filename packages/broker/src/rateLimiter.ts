/**
 * A token bucket per app: it holds a minute of calls (`perMinute`) and refills continuously.
 * The rate is read at every call, so a changed setting applies at once: a lower one caps the
 * bucket, a higher one fills it.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; rate: number }>();

  constructor(
    private readonly perMinute: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string): boolean {
    const rate = Math.max(1, this.perMinute());
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: rate, at: now, rate };
    if (rate > b.rate) b.tokens = rate;
    b.tokens = Math.min(rate, b.tokens + ((now - b.at) * rate) / 60_000);
    b.at = now;
    b.rate = rate;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets `key` (an app uninstalled). */
  forget(key: string): void {
    this.buckets.delete(key);
  }
}
