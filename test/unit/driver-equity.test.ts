import { describe, expect, it } from 'vitest';
import { removeAt, truncate } from '../../engine/core/index.js';
import { runBacktest } from '../../engine/app/run-backtest.js';
import { crossedAbove, crossedBelow, defineStrategy, sma } from '../../engine/api/index.js';
import { readReferenceCsv, referenceCsv } from '../helpers/reference-data.js';

const KEY = { instrument: 'synth:GBM/USD', timeframe: '1m' } as const;

describe('the one-series driver marks equity from its one position', () => {
  it('records, bar by bar, the equity and in-market state the strategy saw at that close (Ledger.equity)', () => {
    const seen: { equity: number; inMarket: boolean }[] = [];
    // Long and flat in turn, fractional units (a fixed quote amount), so cash and size both move.
    const strategy = defineStrategy({
      id: 'equity-probe', version: 1, params: {},
      init: (ctx) => ({ fast: ctx.indicator(sma(5)), slow: ctx.indicator(sma(20)) }),
      onBar(_bar, s, ctx) {
        seen.push({ equity: ctx.equity, inMarket: !ctx.position().isFlat });
        if (ctx.position().isFlat && crossedAbove(s.fast, s.slow)) ctx.submit({ type: 'market', side: 'buy', size: { quote: 2500.5 } });
        else if (ctx.position().isLong && crossedBelow(s.fast, s.slow)) ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
      },
    });
    const bars = readReferenceCsv(referenceCsv(3000, { seed: 11 }));
    const out = runBacktest({ strategy, data: [{ key: KEY, bars, hash: 'h', synthetic: true }], cash: 10_000, feeRate: 0.001 });
    expect(out.trades.length).toBeGreaterThan(10);
    // onBar runs from the warm-up on; the curve has every bar. Orders fill at the next open, so nothing moves the
    // ledger between onBar and the driver's record of that bar.
    const first = bars.length - seen.length;
    expect(first).toBe(19);
    for (let i = 0; i < seen.length; i++) {
      expect(out.equity.equity[first + i]).toBe(seen[i]!.equity);
      expect(out.equity.inMarket[first + i]).toBe(seen[i]!.inMarket ? 1 : 0);
    }
    for (let i = 0; i < first; i++) expect(out.equity.equity[i]).toBe(10_000);
  });
});

describe('list edits that keep the storage (the order path)', () => {
  it('truncate drops the tail, like length = n', () => {
    const a = [1, 2, 3, 4, 5];
    truncate(a, 2);
    expect(a).toEqual([1, 2]);
    truncate(a, 5);
    expect(a).toEqual([1, 2]);
    truncate(a, 0);
    expect(a).toEqual([]);
  });

  it('removeAt removes one entry and keeps the others in order, like splice(i, 1)', () => {
    for (let i = 0; i < 5; i++) {
      const a = ['a', 'b', 'c', 'd', 'e'];
      const b = [...a];
      removeAt(a, i);
      b.splice(i, 1);
      expect(a).toEqual(b);
    }
    const one = [7];
    removeAt(one, 0);
    expect(one).toEqual([]);
  });
});
