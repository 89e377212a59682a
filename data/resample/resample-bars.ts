import { allocBarColumns, sliceBarColumns, timeframeMs, UserError, type BarColumns, type Timeframe } from '../../engine/domain/index.js';
import { gridFloor, gridOffsetMs } from '../store/bar-grid.js';

export type ResampleResult = {
  readonly bars: BarColumns;
  /** Emitted buckets that lacked some source bars (aggregated from the bars present). */
  readonly partial: number;
  /** Interior buckets dropped for missing source bars (only with completeOnly). */
  readonly droppedPartial: number;
  /** Buckets dropped because the series starts after their start or ends before their end. */
  readonly droppedEdges: number;
};

/** Checks that `to` is made of whole `from` bars on aligned grids. */
export function checkResample(from: Timeframe, to: Timeframe): void {
  const a = timeframeMs(from), b = timeframeMs(to);
  if (b <= a) throw new UserError(`--to: "${to}" must be a longer timeframe than --from "${from}"`);
  if (b % a !== 0 || (gridOffsetMs(to) - gridOffsetMs(from)) % a !== 0) {
    throw new UserError(`--to: a ${to} bar is not made of whole ${from} bars; choose a timeframe that ${from} divides`);
  }
}

/**
 * Aggregates bars into UTC-aligned buckets of the longer timeframe: open = first open, high = max,
 * low = min, close = last close, volume = sum.
 * Rules where data are missing:
 * - the first and last bucket are dropped when the series starts after the bucket's start or ends before its
 *   last source bar (a truncated or still-forming bucket would have a wrong open or close);
 * - an interior bucket with missing source bars is kept, aggregated from the bars present, and counted as
 *   partial (what exchanges do for quiet periods); with `completeOnly` it is dropped instead.
 */
export function resampleBars(src: BarColumns, from: Timeframe, to: Timeframe, opts: { completeOnly?: boolean } = {}): ResampleResult {
  checkResample(from, to);
  const srcMs = timeframeMs(from);
  const dstMs = timeframeMs(to);
  const per = dstMs / srcMs;
  const n = src.length;
  const out = allocBarColumns(Math.ceil(n / per) + 2);
  let k = 0, partial = 0, droppedPartial = 0, droppedEdges = 0;
  let i = 0;
  while (i < n) {
    const b0 = gridFloor(src.openTime[i]!, to);
    const end = b0 + dstMs;
    let j = i;
    let hi = -Infinity, lo = Infinity, vol = 0;
    while (j < n && src.openTime[j]! < end) {
      if (src.high[j]! > hi) hi = src.high[j]!;
      if (src.low[j]! < lo) lo = src.low[j]!;
      vol += src.volume[j]!;
      j++;
    }
    const count = j - i;
    const firstT = src.openTime[i]!;
    const lastT = src.openTime[j - 1]!;
    const truncatedStart = i === 0 && firstT > b0;
    const truncatedEnd = j === n && lastT < end - srcMs;
    if (truncatedStart || truncatedEnd) {
      droppedEdges++;
    } else if (count < per && opts.completeOnly) {
      droppedPartial++;
    } else {
      if (count < per) partial++;
      out.openTime[k] = b0;
      out.open[k] = src.open[i]!;
      out.high[k] = hi;
      out.low[k] = lo;
      out.close[k] = src.close[j - 1]!;
      out.volume[k] = vol;
      k++;
    }
    i = j;
  }
  return { bars: sliceBarColumns(out, 0, k), partial, droppedPartial, droppedEdges };
}
