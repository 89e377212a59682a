import { timeframeMs, type EpochMs, type Timeframe } from '../../engine/domain/index.js';

/**
 * The timeframe's grid of bar open times, UTC-aligned. Weekly bars open on Monday 00:00 UTC
 * (as on Binance and most exchanges); the epoch was a Thursday, hence the 4-day offset.
 */
export function gridOffsetMs(tf: Timeframe): number {
  return tf === '1w' ? 4 * 86_400_000 : 0;
}

export function isOnGrid(t: EpochMs, tf: Timeframe): boolean {
  const step = timeframeMs(tf);
  return (((t - gridOffsetMs(tf)) % step) + step) % step === 0;
}

/** The first grid time at or after `t`. */
export function ceilToGrid(t: EpochMs, tf: Timeframe): EpochMs {
  const step = timeframeMs(tf);
  const off = gridOffsetMs(tf);
  return Math.ceil((t - off) / step) * step + off;
}

/** The last grid time at or before `t`. */
export function floorToGrid(t: EpochMs, tf: Timeframe): EpochMs {
  const step = timeframeMs(tf);
  const off = gridOffsetMs(tf);
  return Math.floor((t - off) / step) * step + off;
}
