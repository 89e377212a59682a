import { describe, expect, it } from 'vitest';
import { DriverScratch } from '../../engine/core/index.js';
import { runBacktest } from '../../engine/app/run-backtest.js';
import { loadStrategy } from '../../engine/app/load-strategy.js';
import { evaluateTrial } from '../../engine/research/trial.js';
import { readReferenceCsv, referenceCsv } from '../helpers/reference-data.js';

const KEY = { instrument: 'synth:GBM/USD', timeframe: '1m' } as const;

describe('DriverScratch (reused output buffers for sweep trials)', () => {
  it('gives the same curve as fresh buffers, for runs of different lengths in any order', async () => {
    const strategy = await loadStrategy('sma-cross');
    const long = readReferenceCsv(referenceCsv(3000, { seed: 3 }));
    const short = readReferenceCsv(referenceCsv(1200, { seed: 4 }));
    const scratch = new DriverScratch();
    for (const [bars, fast] of [[short, 5], [long, 8], [short, 12], [long, 3]] as const) {
      const data = [{ key: KEY, bars, hash: 'h', synthetic: true }];
      const params = { fast, slow: 30 };
      const fresh = runBacktest({ strategy, params, data });
      const reused = runBacktest({ strategy, params, data, scratch });
      expect(reused.equity.equity.length).toBe(bars.length);
      expect(Array.from(reused.equity.equity)).toEqual(Array.from(fresh.equity.equity));
      expect(Array.from(reused.equity.time)).toEqual(Array.from(fresh.equity.time));
      expect(Array.from(reused.equity.inMarket)).toEqual(Array.from(fresh.equity.inMarket));
      expect(reused.trades).toEqual(fresh.trades);
    }
  });

  it('is overwritten by the next run that uses it (why only trials, which keep figures, use it)', async () => {
    const strategy = await loadStrategy('sma-cross');
    const bars = readReferenceCsv(referenceCsv(3000, { seed: 3 }));
    const data = [{ key: KEY, bars, hash: 'h', synthetic: true }];
    const scratch = new DriverScratch();
    const first = runBacktest({ strategy, params: { fast: 5, slow: 30 }, data, scratch });
    const kept = Float64Array.from(first.equity.equity);
    runBacktest({ strategy, params: { fast: 20, slow: 60 }, data, scratch });
    expect(Array.from(first.equity.equity)).not.toEqual(Array.from(kept));
  });

  it('leaves trial results unchanged: each trial equals a fresh backtest reduced the same way', async () => {
    const strategy = await loadStrategy('sma-cross');
    const bars = readReferenceCsv(referenceCsv(3000, { seed: 5 }));
    const data = [{ key: KEY, bars, hash: 'h', synthetic: true }];
    const settings = { cash: 10_000, feeRate: 0.001 };
    const trials = [4, 9, 4, 15].map((fast, i) => evaluateTrial(strategy, data, settings, 'sharpe', i, { fast, slow: 40 }));
    expect(trials[2]!.metrics).toEqual(trials[0]!.metrics);
    expect(trials[2]!.returns).toEqual(trials[0]!.returns);
    expect(trials[1]!.metrics).not.toEqual(trials[0]!.metrics);
    const fresh = runBacktest({ ...settings, strategy, params: { fast: 9, slow: 40 }, data });
    expect(trials[1]!.metrics!.equityFinal).toBe(fresh.equity.equity[fresh.equity.equity.length - 1]);
  });
});
