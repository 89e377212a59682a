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

export function dailyReturns(time: ArrayLike<EpochMs>, equity: ArrayLike<number>): DailyReturns {
  const n = Math.min(time.length, equity.length);
  const closes: number[] = [];
  let dayStart = Infinity, dayEnd = -Infinity, last = NaN;
  for (let i = 0; i < n; i++) {
    const t = time[i]!;
    if (t >= dayEnd || t < dayStart) {
      if (i > 0) closes.push(last);
      dayStart = Math.floor(t / DAY_MS) * DAY_MS;
      dayEnd = dayStart + DAY_MS;
    }
    last = equity[i]!;
  }
  if (n > 0) closes.push(last);
  const dayCloses = Float64Array.from(closes);
  const returns = new Float64Array(Math.max(0, dayCloses.length - 1));
  for (let i = 1; i < dayCloses.length; i++) returns[i - 1] = dayCloses[i]! / dayCloses[i - 1]! - 1;
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
