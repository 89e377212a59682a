import type { EpochMs, Timeframe } from './time.js';
import type { InstrumentId } from './instrument.js';

/** One closed OHLCV bar. `openTime` is the bar's open time (UTC ms). */
export type Bar = {
  readonly instrument: InstrumentId;
  readonly timeframe: Timeframe;
  readonly openTime: EpochMs;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
};

/**
 * A run of bars of one series in columnar typed arrays, ascending by openTime, no duplicates.
 * This is what the store returns and what backtests and sweeps consume.
 */
export type BarColumns = {
  readonly length: number;
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
};

export function allocBarColumns(n: number, opts: { readonly shared?: boolean } = {}): BarColumns {
  // One buffer, six views: cheap to transfer or share with worker threads (shared: a SharedArrayBuffer).
  const buf = new Float64Array(opts.shared ? new SharedArrayBuffer(n * 48) : new ArrayBuffer(n * 48));
  return {
    length: n,
    openTime: buf.subarray(0, n),
    open: buf.subarray(n, 2 * n),
    high: buf.subarray(2 * n, 3 * n),
    low: buf.subarray(3 * n, 4 * n),
    close: buf.subarray(4 * n, 5 * n),
    volume: buf.subarray(5 * n, 6 * n),
  };
}

export function sliceBarColumns(c: BarColumns, from: number, to: number): BarColumns {
  return {
    length: Math.max(0, to - from),
    openTime: c.openTime.subarray(from, to),
    open: c.open.subarray(from, to),
    high: c.high.subarray(from, to),
    low: c.low.subarray(from, to),
    close: c.close.subarray(from, to),
    volume: c.volume.subarray(from, to),
  };
}

/** One broken OHLC consistency rule: `${field} is ${relation} ${other}` (e.g. high is below low). */
export type OhlcViolation = {
  readonly field: 'high' | 'low';
  readonly relation: 'below' | 'above';
  readonly other: 'low' | 'open' | 'close';
};

type OhlcRule = OhlcViolation & { readonly broken: (o: number, h: number, l: number, c: number) => boolean };

/** The rules every bar must satisfy, in the order problems are reported. */
const OHLC_RULES: readonly OhlcRule[] = [
  { field: 'high', relation: 'below', other: 'low', broken: (_o, h, l) => h < l },
  { field: 'high', relation: 'below', other: 'open', broken: (o, h) => h < o },
  { field: 'high', relation: 'below', other: 'close', broken: (_o, h, _l, c) => h < c },
  { field: 'low', relation: 'above', other: 'open', broken: (o, _h, l) => l > o },
  { field: 'low', relation: 'above', other: 'close', broken: (_o, _h, l, c) => l > c },
];
const NO_VIOLATIONS: readonly OhlcViolation[] = Object.freeze([]);

/**
 * The OHLC rules a bar breaks (high below low/open/close, low above open/close), in report order; empty
 * (shared, no allocation) for a consistent bar. Callers format the message with their own view of the values.
 */
export function ohlcViolations(o: number, h: number, l: number, c: number): readonly OhlcViolation[] {
  if (h >= l && h >= o && h >= c && l <= o && l <= c) return NO_VIOLATIONS;
  return OHLC_RULES.filter((r) => r.broken(o, h, l, c));
}

/** Index of the first bar with openTime >= t in ascending open times (binary search; `times.length` when none). */
export function lowerBound(times: Float64Array, t: number): number {
  let lo = 0, hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
