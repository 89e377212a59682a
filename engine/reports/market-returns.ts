/**
 * Per-bar log returns of the primary series' closes, with their mean and sum of squared deviations
 * (two passes: stable): the market side of beta (metrics.ts).
 */
export type MarketReturns = {
  /** y[i − 1] = ln(close[i] / close[i − 1]) for i = 1 … n − 1. */
  readonly y: Float64Array;
  readonly mean: number;
  /** Σ (y − mean)². */
  readonly m2: number;
};

/** Log returns of the first `n` closes (default all). */
export function marketLogReturns(close: Float64Array, n = close.length): MarketReturns {
  const m = Math.max(0, Math.min(n, close.length) - 1);
  const y = new Float64Array(m);
  let s = 0;
  for (let i = 0; i < m; i++) {
    const v = Math.log(close[i + 1]! / close[i]!);
    y[i] = v;
    s += v;
  }
  const mean = m > 0 ? s / m : NaN;
  let m2 = 0;
  for (let i = 0; i < m; i++) {
    const d = y[i]! - mean;
    m2 += d * d;
  }
  return { y, mean, m2 };
}
