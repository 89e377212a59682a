import type { SeriesKey } from '../ports/index.js';
import { backtestFromStore, type StoredBacktestResult } from './backtest-from-store.js';

/** The synthetic series the demo creates when the store is empty. */
export const DEMO_SERIES: SeriesKey = { instrument: 'synth:BTC/USDT', timeframe: '1h' };
export const DEMO_STRATEGY = 'sma-cross';

export type DemoResult = StoredBacktestResult & { readonly series: SeriesKey; readonly generated: boolean; readonly synthetic: boolean };

/**
 * `candlekeep demo` (`npm start`): offline, no keys. Uses the first stored series, or generates a seeded
 * synthetic one (flagged synthetic) when the store is empty, then backtests an example strategy on it.
 */
export async function runDemo(opts: { home: string; resultsDir: string }): Promise<DemoResult> {
  const { openBarStore, synthSeries } = await import('../../data/index.js');
  const store = openBarStore(opts.home);
  let series: SeriesKey;
  let generated = false;
  try {
    const list = store.list();
    const existing = list.find((s) => s.instrument === DEMO_SERIES.instrument && s.timeframe === DEMO_SERIES.timeframe) ?? list[0];
    if (existing) series = { instrument: existing.instrument, timeframe: existing.timeframe };
    else {
      synthSeries(store, DEMO_SERIES, { bars: 2 * 365 * 24, seed: 7, start: Date.UTC(2023, 0, 1) });
      series = DEMO_SERIES;
      generated = true;
    }
  } finally {
    store.close();
  }
  const r = await backtestFromStore(
    { strategy: DEMO_STRATEGY, instrument: series.instrument, timeframe: series.timeframe, cash: 10_000, fee: 0.001, params: { fast: 20, slow: 50 } },
    opts,
  );
  return { ...r, series, generated, synthetic: r.outcome.data[0]!.synthetic };
}
