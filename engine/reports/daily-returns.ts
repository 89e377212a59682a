import type { EpochMs } from '../domain/index.js';

/** Crypto markets trade every day: annualised figures use 365 periods per year (backtesting.py picks 365 when weekends are present). */
export const ANNUAL_TRADING_DAYS = 365;

export const DAY_MS = 86_400_000;

/**
 * The equity curve resampled to UTC calendar days (the last equity of each day that has points,
 * like pandas `resample('D').last().dropna()`), and the simple returns between consecutive days.
 * `returns.length === closes.length - 1` (or 0 when there are no points).
 */
export type DailyReturns = {
  readonly dayCloses: Float64Array;
  readonly returns: Float64Array;
};

/** Reused buffer for the day closes (one per thread; dailyReturns copies out of it). */
let dayScratch: Float64Array = new Float64Array(1024);

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Daily closes and returns of an equity curve (one pass over the times; no allocation per point). */
export function dailyReturns(time: ArrayLike<EpochMs>, equity: ArrayLike<number>): DailyReturns {
  const n = Math.min(time.length, equity.length);
  let closes: Float64Array = dayScratch;
  let count = 0;
  let dayStart = Infinity, dayEnd = -Infinity;
  let i = 0;
  while (i < n) {
    // Skip blocks of four points inside the current day (most points), then look at up to four one by one.
    for (; i + 4 <= n; i += 4) {
      const a = time[i]!, b = time[i + 1]!, c = time[i + 2]!, d = time[i + 3]!;
      if (!(a >= dayStart && a < dayEnd && b >= dayStart && b < dayEnd && c >= dayStart && c < dayEnd && d >= dayStart && d < dayEnd)) break;
    }
    for (const end = Math.min(n, i + 4); i < end; i++) {
      const t = time[i]!;
      if (t >= dayEnd || t < dayStart) {
        if (i > 0) {
          if (count === closes.length) closes = dayScratch = grow(closes);
          closes[count++] = equity[i - 1]!;
        }
        dayStart = Math.floor(t / DAY_MS) * DAY_MS;
        dayEnd = dayStart + DAY_MS;
      }
    }
  }
  if (n > 0) {
    if (count === closes.length) closes = dayScratch = grow(closes);
    closes[count++] = equity[n - 1]!;
  }
  const dayCloses = closes.slice(0, count);
  const returns = new Float64Array(Math.max(0, count - 1));
  for (let i = 1; i < count; i++) returns[i - 1] = dayCloses[i]! / dayCloses[i - 1]! - 1;
  return { dayCloses, returns };
}

/**
 * backtesting.py's geometric mean: exp(Σ ln(1 + rᵢ) / count) − 1, where `count` includes the
 * leading undefined return (counted as 0), i.e. `count = returns.length + leadingZeros`.
 * Any return ≤ −100 % makes it 0 (as backtesting.py does).
 */
export function geometricMean(returns: ArrayLike<number>, leadingZeros = 0): number {
  const count = returns.length + leadingZeros;
  if (count === 0) return NaN;
  let s = 0;
  for (let i = 0; i < returns.length; i++) {
    const g = 1 + returns[i]!;
    if (!(g > 0)) return 0;
    s += Math.log(g);
  }
  return Math.exp(s / count) - 1;
}

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Sample variance (ddof = 1); NaN with fewer than two values. */
export function sampleVariance(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - m;
    s += d * d;
  }
  return s / (n - 1);
}
