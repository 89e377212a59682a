import { describe, expect, it } from 'vitest';
import {
  Sma, ad, adx, atr, bollinger, cci, ema, highest, lowest, macd, mfi, obv, roc, rsi, sma, stddev, stochastic, ta, williamsR, wma,
} from '../../engine/api/index.js';
import type { Indicator } from '../../engine/api/indicator.js';
import { IndicatorCache, isReplayable } from '../../engine/core/index.js';
import { runBacktest, type BacktestSeries } from '../../engine/app/run-backtest.js';
import { loadStrategy } from '../../engine/app/load-strategy.js';
import { makeBars } from './report-fixture.js';

const BARS = makeBars(3000, 7);
// Flat stretches (equal closes, high == low) exercise the indicators' special cases.
for (let i = 1200; i < 1260; i++) {
  BARS.open[i] = BARS.high[i] = BARS.low[i] = BARS.close[i] = 123.25;
}

const SHARED = () => [sma(10), sma(20, 'hl2'), ema(12), wma(9), rsi(14), atr(14), stddev(20), cci(20), williamsR(14), roc(10), mfi(14), obv(), ad(), highest(20), lowest(20, 'close')];

function feed(ind: Indicator, i: number): void {
  ind.next(BARS.open[i]!, BARS.high[i]!, BARS.low[i]!, BARS.close[i]!, BARS.volume[i]!);
}

describe('IndicatorCache', () => {
  it('replays every shareable indicator bit for bit: value, prev and ready on every bar', () => {
    const cache = new IndicatorCache();
    for (const [fed, shared] of SHARED().map((a, k) => [a, SHARED()[k]!] as const)) {
      const col = cache.column(BARS, shared);
      expect(col, fed.name).toBeDefined();
      if (!isReplayable(shared)) throw new Error(`${fed.name} is not replayable`);
      for (let i = 0; i < BARS.length; i++) {
        feed(fed, i);
        shared.replay(col!, i); // what the kernel does per bar
        expect(Object.is(shared.value, fed.value) && Object.is(shared.prev, fed.prev) && shared.ready === fed.ready, `${fed.name} at bar ${i}`).toBe(true);
      }
    }
  });

  it('computes each column once per bars and indicator, and tells different arguments, sources and bars apart', () => {
    const cache = new IndicatorCache();
    const a = cache.column(BARS, sma(10));
    expect(cache.column(BARS, sma(10))).toBe(a);
    expect(cache.column(BARS, sma(11))).not.toBe(a);
    expect(cache.column(BARS, sma(10, 'open'))).not.toBe(a);
    expect(cache.column(makeBars(3000, 7), sma(10))).not.toBe(a); // other bars (even with equal values)
    expect(cache.stats).toEqual({ computed: 4, reused: 1 });
  });

  it('leaves the indicator it computed a column with as freshly constructed', () => {
    const ind = sma(5);
    new IndicatorCache().column(BARS, ind);
    expect(Number.isNaN(ind.value) && Number.isNaN(ind.prev) && !ind.ready).toBe(true);
  });

  it('never shares multi-output indicators, library (technicalindicators) ones or user subclasses with another class', () => {
    const cache = new IndicatorCache();
    for (const ind of [macd(12, 26, 9), bollinger(20, 2), stochastic(14, 3), adx(14), ta('kst', {})]) {
      expect(isReplayable(ind), ind.name).toBe(false);
      expect(cache.column(BARS, ind)).toBeUndefined();
    }
    class DoubledSma extends Sma {
      override next(o: number, h: number, l: number, c: number, v: number): number {
        return super.next(o, h, l, 2 * c, v);
      }
    }
    const plain = cache.column(BARS, sma(10))!;
    const doubled = cache.column(BARS, new DoubledSma(10))!;
    expect(doubled).not.toBe(plain);
    expect(doubled[50]).toBeCloseTo(2 * plain[50]!, 9);
  });

  it('stops keeping columns beyond its size limit (those indicators are fed as usual)', () => {
    const cache = new IndicatorCache(BARS.length * 8 * 2);
    expect(cache.column(BARS, sma(3))).toBeDefined();
    expect(cache.column(BARS, sma(4))).toBeDefined();
    expect(cache.column(BARS, sma(5))).toBeUndefined();
    expect(cache.column(BARS, sma(3))).toBeDefined(); // kept ones still serve
  });
});

describe('backtests sharing an IndicatorCache', () => {
  it('give the same outcomes as backtests feeding every indicator, for every example strategy', async () => {
    const data: BacktestSeries[] = [{ key: { instrument: 'synth:X/USD', timeframe: '1h' }, bars: BARS, hash: 'h', synthetic: true }];
    const cache = new IndicatorCache();
    let trades = 0;
    for (const name of ['sma-cross', 'rsi-reversion', 'bollinger-breakout', 'macd-trend', 'donchian-turtle']) {
      const strategy = await loadStrategy(name);
      for (let round = 0; round < 2; round++) {
        const plain = runBacktest({ strategy, data, cash: 10_000, feeRate: 0.001 });
        const shared = runBacktest({ strategy, data, cash: 10_000, feeRate: 0.001, indicatorCache: cache });
        expect(JSON.stringify({ ...shared, equity: [...shared.equity.equity] }), name).toBe(JSON.stringify({ ...plain, equity: [...plain.equity.equity] }));
        trades += plain.trades.length;
      }
    }
    expect(cache.stats.reused).toBeGreaterThan(0);
    expect(trades).toBeGreaterThan(50);
  });
});
