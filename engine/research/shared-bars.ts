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

/**
 * The bars in one SharedArrayBuffer (six columns, one after the other). Bars already laid out that way
 * (a bar store read with `shared: true`, allocBarColumns' layout) are shared as they are; others are copied once.
 */
export function shareBars(key: SeriesKey, c: BarColumns, extra: { hash?: string; synthetic?: boolean } = {}): SharedSeries {
  const n = c.length;
  const own = c.openTime.buffer;
  const cols = [c.openTime, c.open, c.high, c.low, c.close, c.volume];
  const inPlace = own instanceof SharedArrayBuffer && own.byteLength === n * 48 && cols.every((col, k) => col.buffer === own && col.byteOffset === k * n * 8 && col.length === n);
  let buffer: SharedArrayBuffer;
  if (inPlace) buffer = own;
  else {
    buffer = new SharedArrayBuffer(n * 6 * 8);
    const f = new Float64Array(buffer);
    cols.forEach((col, k) => f.set(col, k * n));
  }
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
