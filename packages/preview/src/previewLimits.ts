import { RateLimiter } from '@paddock/shared';

/** Requests per minute, read at each request (settings apply without a restart); 0: no limit. */
export interface PreviewRates {
  perSandbox: number;
  perAddress: number;
}

/**
 * Preview traffic never reaches the API's rate limiter: these buckets, looser than the API's,
 * keep one client from flooding every preview (per source address) and one preview from
 * taking the daemon (per sandbox, everyone together).
 */
export class PreviewLimits {
  private readonly byAddress: RateLimiter;
  private readonly bySandbox: RateLimiter;

  constructor(private readonly rates: () => PreviewRates) {
    this.byAddress = new RateLimiter(() => rates().perAddress);
    this.bySandbox = new RateLimiter(() => rates().perSandbox);
  }

  /** Takes a token from both buckets; null when the request may go on, else seconds to wait. */
  take(sandboxId: string, address: string): number | null {
    const r = this.rates();
    if (r.perAddress > 0 && !this.byAddress.take(address)) {
      return this.byAddress.retryAfterSeconds(address);
    }
    if (r.perSandbox > 0 && !this.bySandbox.take(sandboxId)) {
      return this.bySandbox.retryAfterSeconds(sandboxId);
    }
    return null;
  }

  /** True when either bucket is empty now (nothing is taken). */
  exhausted(sandboxId: string, address: string): boolean {
    const r = this.rates();
    return (
      (r.perAddress > 0 && this.byAddress.retryAfterSeconds(address) > 0) ||
      (r.perSandbox > 0 && this.bySandbox.retryAfterSeconds(sandboxId) > 0)
    );
  }
}
