import type { EpochMs } from '../domain/index.js';

/** One drawdown episode: from the peak bar to the recovery bar (or the last bar when never recovered). */
export type DrawdownPeriod = {
  readonly peakIndex: number;
  readonly endIndex: number;
  /** Deepest drawdown in the episode as a positive fraction of the running peak. */
  readonly depthFrac: number;
  readonly durationMs: number;
  readonly recovered: boolean;
};

export type Drawdowns = {
  /** Deepest drawdown, max over points of 1 − equity / running peak (≥ 0). */
  readonly maxFrac: number;
  readonly periods: readonly DrawdownPeriod[];
};

/**
 * backtesting.py's drawdown definition: dd = 1 − equity / cummax(equity); an episode is a run of
 * points with dd > 0, measured from the last point at the peak (dd = 0) to the first point back at
 * dd = 0, or to the last point if it never recovers. Duration is the time between those points.
 * (backtesting.py drops an episode consisting only of the very last point; we keep it.)
 */
export function drawdowns(time: ArrayLike<EpochMs>, equity: ArrayLike<number>): Drawdowns {
  const n = Math.min(time.length, equity.length);
  const periods: DrawdownPeriod[] = [];
  let peak = -Infinity;
  let maxFrac = 0;
  let start = -1; // peak index of the open episode
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i]!;
    if (e >= peak) peak = e;
    const d = peak > 0 ? 1 - e / peak : 0;
    if (d > maxFrac) maxFrac = d;
    if (d > 0) {
      if (start < 0) {
        start = Math.max(0, i - 1);
        depth = 0;
      }
      if (d > depth) depth = d;
    } else if (start >= 0) {
      periods.push({ peakIndex: start, endIndex: i, depthFrac: depth, durationMs: time[i]! - time[start]!, recovered: true });
      start = -1;
    }
  }
  if (start >= 0) periods.push({ peakIndex: start, endIndex: n - 1, depthFrac: depth, durationMs: time[n - 1]! - time[start]!, recovered: false });
  return { maxFrac, periods };
}
