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

export function allocBarColumns(n: number): BarColumns {
  // One buffer, six views: cheap to transfer or share with worker threads.
  const buf = new Float64Array(n * 6);
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
