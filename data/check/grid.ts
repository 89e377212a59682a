import { timeframeMs, type EpochMs, type Timeframe } from '../../engine/domain/index.js';
import { gridOffsetMs, isOnGrid } from '../store/bar-grid.js';

// The grid itself (UTC-aligned, weeks from Monday) is defined once, beside the store.
export { gridOffsetMs, isOnGrid };

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
