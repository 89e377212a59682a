import type { EpochMs } from '../domain/index.js';

/**
 * Per-key token bucket: `ratePerSec` tokens per second, burst of one second's worth.
 * Applied after the signature check and before the nonce insert, so it bounds the nonce table
 * (≤ rate × 31 s rows per key) and cannot be drained by someone who only knows a key id.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: EpochMs }>();
  constructor(private readonly ratePerSec: number) {}

  /** 0 when allowed (a token is taken), else the seconds to wait (Retry-After, ≥ 1). */
  take(key: string, now: EpochMs): number {
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.ratePerSec, at: now };
      this.#buckets.set(key, b);
    }
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(this.ratePerSec, b.tokens + (elapsed * this.ratePerSec) / 1000);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerSec));
  }

  /** Drops idle full buckets (called by the minute timer). */
  prune(now: EpochMs): void {
    for (const [k, b] of this.#buckets) if (now - b.at > 10_000) this.#buckets.delete(k);
  }
}
