/** Aggregating bars into longer UTC-aligned timeframes. */
export { resampleBars, checkResample, type ResampleResult } from './resample-bars.js';
export { resampleSeries, type ResampleReport } from './resample-series.js';
