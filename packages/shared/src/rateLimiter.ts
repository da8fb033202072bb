/** Buckets kept at most; a bucket per source address must not grow without end. */
const MAX_KEYS = 50_000;

/**
 * A token bucket per key: it holds a window's worth of calls (`perWindow`, a minute unless
 * told) and refills continuously. The rate is read at every call, so a changed setting applies
 * at once: a lower one caps the bucket, a higher one fills it. The broker limits each app's
 * calls with it; the preview proxy each sandbox's and each address's requests.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; rate: number }>();

  constructor(
    private readonly perWindow: () => number,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 60_000,
  ) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string): boolean {
    const b = this.refill(key);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Whole seconds until `key` has a token again (0 when it has one now). */
  retryAfterSeconds(key: string): number {
    const b = this.refill(key);
    if (b.tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - b.tokens) * this.windowMs) / b.rate / 1000));
  }

  /** Forgets `key` (an app uninstalled, a sandbox gone). */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  private refill(key: string) {
    const rate = Math.max(1, this.perWindow());
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: rate, at: now, rate };
    if (rate > b.rate) b.tokens = rate;
    b.tokens = Math.min(rate, b.tokens + ((now - b.at) * rate) / this.windowMs);
    b.at = now;
    b.rate = rate;
    if (!this.buckets.has(key) && this.buckets.size >= MAX_KEYS) {
      // Many addresses: the oldest bucket goes (its key starts full again, which only errs kind).
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    this.buckets.set(key, b);
    return b;
  }
}
