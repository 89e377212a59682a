import { describe, expect, it } from 'vitest';
import { defineStrategy, type AnyStrategy } from '../../engine/api/index.js';
import { listStrategies, loadStrategy, runBacktest, type BacktestSeries } from '../../engine/app/index.js';
import { resampleBars, synthBars } from '../../data/index.js';

describe('defineStrategy', () => {
  it('returns the definition unchanged', () => {
    const def = { id: 'ok-1', version: 2, params: {}, init: () => ({}), onBar() {} };
    expect(defineStrategy(def)).toBe(def);
  });

  it('refuses an id that is not kebab-case and a version that is not a positive integer', () => {
    expect(() => defineStrategy({ id: 'Bad Id', version: 1, params: {}, init: () => ({}), onBar() {} })).toThrow('strategy id "Bad Id" must be kebab-case');
    expect(() => defineStrategy({ id: 'x', version: 0, params: {}, init: () => ({}), onBar() {} })).toThrow('strategy "x": version must be a positive integer');
  });
});

describe('loading strategies', () => {
  it('lists the example strategies', () => {
    const ids = listStrategies();
    for (const id of ['sma-cross', 'rsi-reversion', 'bollinger-breakout', 'macd-trend', 'donchian-turtle', 'mtf-trend']) expect(ids).toContain(id);
  });

  it('loads a strategy by id and suggests the closest id for a typo', async () => {
    expect((await loadStrategy('sma-cross')).id).toBe('sma-cross');
    await expect(loadStrategy('sma-crosss')).rejects.toThrow('unknown strategy "sma-crosss" — did you mean "sma-cross"?');
    await expect(loadStrategy('./no/such/file.ts')).rejects.toThrow('strategy file "./no/such/file.ts" does not exist');
  });
});

describe('example strategies', () => {
  const hourly = synthBars({ timeframe: '1h', bars: 24 * 200, seed: 11, start: Date.UTC(2024, 0, 1) });
  const cases: [string, Record<string, string>][] = [
    ['sma-cross', {}],
    ['rsi-reversion', {}],
    ['bollinger-breakout', {}],
    ['macd-trend', {}],
    ['donchian-turtle', {}],
    ['mtf-trend', {}],
  ];
  for (const [id, params] of cases) {
    it(`${id} runs to the end on synthetic bars and trades`, async () => {
      const s: AnyStrategy = await loadStrategy(id);
      const data: BacktestSeries[] = [{ key: { instrument: 'synth:BTC/USDT', timeframe: '1h' }, bars: hourly }];
      if (s.subscriptions?.length) data.push({ key: { instrument: 'synth:BTC/USDT', timeframe: '1d' }, bars: resampleBars(hourly, '1h', '1d').bars });
      const o = runBacktest({ strategy: s, params, data });
      expect(o.stoppedEarly).toBeUndefined();
      expect(o.trades.length).toBeGreaterThan(0);
      expect(o.counters.rejectedOrders).toBe(0);
    });
  }
});
