import type { BarColumns } from '../domain/index.js';
import type { SeriesKey } from '../ports/index.js';

/** Bars of one series in a SharedArrayBuffer: handed to worker threads without copying. */
export type SharedSeries = {
  /** Unique within the process that shared the bars: workers keep their views over the buffer by this id. */
  readonly id: string;
  readonly key: SeriesKey;
  readonly length: number;
  readonly buffer: SharedArrayBuffer;
  readonly hash?: string;
  readonly synthetic?: boolean;
};

let sharedCount = 0;

export function shareBars(key: SeriesKey, c: BarColumns, extra: { hash?: string; synthetic?: boolean } = {}): SharedSeries {
  const n = c.length;
  const buffer = new SharedArrayBuffer(n * 6 * 8);
  const f = new Float64Array(buffer);
  f.set(c.openTime, 0); f.set(c.open, n); f.set(c.high, 2 * n); f.set(c.low, 3 * n); f.set(c.close, 4 * n); f.set(c.volume, 5 * n);
  return { id: `bars-${++sharedCount}`, key, length: n, buffer, ...extra };
}

export function sharedColumns(s: SharedSeries): BarColumns {
  const n = s.length;
  const f = new Float64Array(s.buffer);
  return {
    length: n,
    openTime: f.subarray(0, n), open: f.subarray(n, 2 * n), high: f.subarray(2 * n, 3 * n),
    low: f.subarray(3 * n, 4 * n), close: f.subarray(4 * n, 5 * n), volume: f.subarray(5 * n, 6 * n),
  };
}
