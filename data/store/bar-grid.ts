import { timeframeMs, type EpochMs, type Timeframe } from '../../engine/domain/index.js';

const DAY_MS = 86_400_000;

/**
 * Where a timeframe's grid starts relative to the epoch. Bars open at `offset + k × timeframe` (UTC).
 * Everything is epoch-aligned except weeks, which open on Monday 00:00 UTC as on the exchanges
 * (1970-01-01 was a Thursday, so the weekly grid is shifted by four days).
 */
export function gridOffsetMs(tf: Timeframe): number {
  return tf === '1w' ? 4 * DAY_MS : 0;
}

/** True when `t` is a bar open time on the timeframe's UTC grid. */
export function isOnGrid(t: EpochMs, tf: Timeframe): boolean {
  return (t - gridOffsetMs(tf)) % timeframeMs(tf) === 0;
}

/** The open time of the grid bar containing `t`. */
export function gridFloor(t: EpochMs, tf: Timeframe): EpochMs {
  const step = timeframeMs(tf);
  const off = gridOffsetMs(tf);
  return Math.floor((t - off) / step) * step + off;
}
