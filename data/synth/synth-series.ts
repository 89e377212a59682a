import { parseInstrument, UserError, type EpochMs } from '../../engine/domain/index.js';
import type { BarStore, SeriesKey, UpsertResult } from '../../engine/ports/index.js';
import { synthBars, type SynthOptions } from './synth-bars.js';

export type SynthReport = UpsertResult & {
  readonly instrument: string;
  readonly timeframe: string;
  readonly bars: number;
  readonly first: EpochMs;
  readonly last: EpochMs;
  readonly source: string;
  readonly synthetic: true;
};

/**
 * Generates a synthetic series and stores it, flagged synthetic with source `synthetic:seed=N`.
 * Synthetic series must use the `synth` exchange id (`synth:BTC/USDT`), so they can never be mistaken
 * for (or merged into) real market data.
 */
export function synthSeries(store: Pick<BarStore, 'upsert'>, key: SeriesKey, opts: Omit<SynthOptions, 'timeframe'>): SynthReport {
  const inst = parseInstrument(key.instrument, '--instrument');
  if (inst.exchange !== 'synth') {
    throw new UserError(`--instrument: synthetic series must use the "synth" exchange id (e.g. synth:${inst.symbol}), not "${inst.exchange}"`);
  }
  const bars = synthBars({ ...opts, timeframe: key.timeframe });
  const source = `synthetic:seed=${opts.seed}`;
  const r = store.upsert(key, bars, { source, synthetic: true });
  return {
    instrument: key.instrument,
    timeframe: key.timeframe,
    bars: bars.length,
    first: bars.openTime[0]!,
    last: bars.openTime[bars.length - 1]!,
    source,
    synthetic: true,
    ...r,
  };
}
