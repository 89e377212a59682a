/** Seeded synthetic bar series for offline demos and tests (always flagged synthetic). */
export { synthBars, MAX_SYNTH_BARS, type SynthOptions } from './synth-bars.js';
export { synthSeries, type SynthReport } from './synth-series.js';
export { seededRng, normalRng } from '../../engine/stats/random.js';
