import type { EpochMs } from '../domain/index.js';

export type FloodAggregate = { readonly remote: string; readonly reason: string; readonly minute: EpochMs; readonly suppressed: number };

/**
 * SIGNING.md 6.7 flood control: per (remote, reason, minute) the first `rowsPerMinute` rejected requests
 * get their own audit row; the rest are counted and written as one aggregate row once the minute is over.
 */
export class FloodControl {
  readonly #buckets = new Map<string, { remote: string; reason: string; minute: EpochMs; rows: number; suppressed: number }>();
  constructor(private readonly rowsPerMinute: number) {}

  /** True when this rejection gets its own audit row. */
  admit(remote: string, reason: string, now: EpochMs): boolean {
    const minute = now - (now % 60_000);
    const k = `${remote}\u0000${reason}\u0000${minute}`;
    let b = this.#buckets.get(k);
    if (!b) {
      b = { remote, reason, minute, rows: 0, suppressed: 0 };
      this.#buckets.set(k, b);
    }
    if (b.rows < this.rowsPerMinute) {
      b.rows++;
      return true;
    }
    b.suppressed++;
    return false;
  }

  /** Aggregates of minutes that are over (all of them with `all`), removed from memory. */
  drain(now: EpochMs, all = false): FloodAggregate[] {
    const current = now - (now % 60_000);
    const out: FloodAggregate[] = [];
    for (const [k, b] of this.#buckets) {
      if (!all && b.minute >= current) continue;
      this.#buckets.delete(k);
      if (b.suppressed > 0) out.push({ remote: b.remote, reason: b.reason, minute: b.minute, suppressed: b.suppressed });
    }
    return out;
  }
}
