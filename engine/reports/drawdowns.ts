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

/** The running peak and the deepest drawdown of a curve, from one pass (see drawdownScan). */
export type DrawdownScan = {
  /** Highest equity point (−Infinity when there is none). */
  readonly peak: number;
  readonly maxFrac: number;
};

/**
 * backtesting.py's drawdown definition: dd = 1 − equity / cummax(equity); an episode is a run of
 * points with dd > 0, measured from the last point at the peak (dd = 0) to the first point back at
 * dd = 0, or to the last point if it never recovers. Duration is the time between those points.
 * (backtesting.py drops an episode consisting only of the very last point; we keep it.)
 */
export function drawdowns(time: ArrayLike<EpochMs>, equity: ArrayLike<number>): Drawdowns {
  const periods: DrawdownPeriod[] = [];
  const { maxFrac } = drawdownScan(time, equity, periods);
  return { maxFrac, periods };
}

/**
 * One pass over the curve: the running peak, the deepest drawdown and, when `periods` is given, the
 * episodes appended to it. Same figures as evaluating dd at every point, without a division per point:
 * while the peak stays the same, dd is largest at the lowest equity, so an episode's depth is
 * 1 − trough / peak; and dd > 0 exactly when equity < peak (with peak > 0).
 */
export function drawdownScan(time: ArrayLike<EpochMs>, equity: ArrayLike<number>, periods: DrawdownPeriod[] | null = null): DrawdownScan {
  const n = Math.min(time.length, equity.length);
  let peak = -Infinity;
  let maxFrac = 0;
  let i = 0;
  // (−∞ under a +∞ peak has an undefined dd, NaN, which like NaN equity counts as no drawdown.)
  while (i < n) {
    // At the peak: follow it until a point below it.
    for (; i < n; i++) {
      const e = equity[i]!;
      if (e < peak && peak > 0 && (e !== -Infinity || peak !== Infinity)) break;
      if (e > peak) peak = e;
    }
    if (i >= n) break;
    // In a drawdown, measured from the point before: until a point is back at the peak.
    const start = Math.max(0, i - 1);
    let trough = equity[i]!;
    for (i++; i < n; i++) {
      // Skip blocks of four points that neither set a new trough nor recover, then look at one.
      for (; i + 4 <= n; i += 4) {
        const a = equity[i]!, b = equity[i + 1]!, c = equity[i + 2]!, d = equity[i + 3]!;
        if (!(a >= trough && a < peak && b >= trough && b < peak && c >= trough && c < peak && d >= trough && d < peak)) break;
      }
      if (i >= n) break;
      const e = equity[i]!;
      if (!(e < peak)) break;
      if (e < trough) {
        if (e === -Infinity && peak === Infinity) break;
        trough = e;
      }
    }
    const depthFrac = 1 - trough / peak;
    if (depthFrac > maxFrac) maxFrac = depthFrac;
    if (periods) {
      const end = Math.min(i, n - 1);
      periods.push({ peakIndex: start, endIndex: end, depthFrac, durationMs: time[end]! - time[start]!, recovered: i < n });
    }
  }
  return { peak, maxFrac };
}
