import { describe, expect, it } from 'vitest';
import { UserError, allocBarColumns } from '../../engine/domain/index.js';
import type { Indicator } from '../../engine/api/indicator.js';
import * as I from '../../engine/api/indicators/index.js';

type Bar = [o: number, h: number, l: number, c: number, v: number];

/** A deterministic pseudo-random walk of bars (no Math.random: a fixed LCG). */
function walk(n: number, start = 100, seed = 7): Bar[] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const bars: Bar[] = [];
  let c = start;
  for (let i = 0; i < n; i++) {
    const o = c;
    c = o * (1 + (u() - 0.5) * 0.02);
    const h = Math.max(o, c) * (1 + u() * 0.005);
    const l = Math.min(o, c) * (1 - u() * 0.005);
    bars.push([o, h, l, c, 100 + Math.floor(u() * 1000)]);
  }
  return bars;
}

const feed = (ind: Indicator, bars: readonly Bar[]): number[] => bars.map(([o, h, l, c, v]) => ind.next(o, h, l, c, v));

const all: Array<[string, () => Indicator]> = [
  ['sma', () => I.sma(10)], ['ema', () => I.ema(10)], ['wma', () => I.wma(10)], ['rsi', () => I.rsi(14)],
  ['macd', () => I.macd(12, 26, 9)], ['bollinger', () => I.bollinger(20, 2)], ['stddev', () => I.stddev(20)],
  ['atr', () => I.atr(14)], ['stochastic', () => I.stochastic(14, 3)], ['adx', () => I.adx(14)], ['cci', () => I.cci(20)],
  ['williamsR', () => I.williamsR(14)], ['mfi', () => I.mfi(14)], ['obv', () => I.obv()], ['ad', () => I.ad()],
  ['roc', () => I.roc(10)], ['donchian', () => I.donchian(20)], ['highest', () => I.highest(20)], ['lowest', () => I.lowest(20)],
];

describe('indicator contract', () => {
  const bars = walk(300);

  it.each(all)('%s is not ready and NaN before its warm-up, ready with a number from bar `warmup` on', (_n, make) => {
    const ind = make();
    bars.forEach(([o, h, l, c, v], i) => {
      const out = ind.next(o, h, l, c, v);
      expect(out).toBe(ind.value);
      expect(ind.ready).toBe(i + 1 >= ind.warmup);
      if (i + 1 < ind.warmup) expect(out).toBeNaN();
      else expect(Number.isFinite(out)).toBe(true);
    });
  });

  it.each(all)('%s keeps the previous output in prev', (_n, make) => {
    const ind = make();
    let last = NaN;
    for (const [o, h, l, c, v] of bars) {
      ind.next(o, h, l, c, v);
      expect(Object.is(ind.prev, last)).toBe(true);
      last = ind.value;
    }
  });

  it.each(all)('%s gives the same values after reset() as a fresh instance', (_n, make) => {
    const ind = make();
    const first = feed(ind, bars);
    ind.reset();
    expect(ind.ready).toBe(false);
    expect(ind.value).toBeNaN();
    expect(ind.prev).toBeNaN();
    expect(feed(ind, bars)).toEqual(first);
    expect(feed(make(), bars)).toEqual(first);
  });

  it('names each indicator after its arguments', () => {
    expect(I.sma(20).name).toBe('sma(20)');
    expect(I.sma(20, 'hl2').name).toBe('sma(20,hl2)');
    expect(I.macd(12, 26, 9).name).toBe('macd(12,26,9)');
    expect(I.bollinger(20, 2).name).toBe('bollinger(20,2)');
    expect(I.highest(5).name).toBe('highest(5)');
    expect(I.highest(5, 'close').name).toBe('highest(5,close)');
    expect(I.obv().name).toBe('obv');
  });

  it('multi-output indicators list their output fields, each a Series', () => {
    const m = I.macd();
    expect(m.outputs).toEqual(['macd', 'signal', 'histogram']);
    expect(I.bollinger().outputs).toEqual(['upper', 'middle', 'lower']);
    expect(I.stochastic().outputs).toEqual(['k', 'd']);
    expect(I.adx().outputs).toEqual(['adx', 'plusDI', 'minusDI']);
    expect(I.donchian().outputs).toEqual(['upper', 'middle', 'lower']);
    feed(m, bars);
    expect(m.value).toBe(m.macd.value);
    expect(m.histogram.value).toBe(m.macd.value - m.signal.value);
  });
});

describe('argument validation', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => I.sma(0), /^sma: period must be an integer from 1 to 100000, got 0$/],
    [() => I.sma(2.5), /^sma: period must be an integer from 1 to 100000, got 2\.5$/],
    [() => I.ema(Number.NaN), /^ema: period must be an integer/],
    [() => I.wma(200_000), /^wma: period must be an integer from 1 to 100000, got 200000$/],
    [() => I.rsi(1), /^rsi: period must be an integer from 2 to 100000, got 1$/],
    [() => I.macd(26, 12, 9), /^macd: slow \(12\) must be greater than fast \(26\)$/],
    [() => I.macd(12, 26, 0), /^macd: signal must be an integer from 1/],
    [() => I.bollinger(20, -1), /^bollinger: k must be a finite number ≥ 0, got -1$/],
    [() => I.bollinger(1, 2), /^bollinger: period must be an integer from 2/],
    [() => I.stochastic(14, 0), /^stochastic: dPeriod must be an integer from 1/],
    [() => I.adx(1), /^adx: period must be an integer from 2/],
    [() => I.cci(-3), /^cci: period must be an integer from 2/],
    [() => I.williamsR(1), /^williamsR: period must be an integer from 2/],
    [() => I.mfi(0), /^mfi: period must be an integer from 2/],
    [() => I.roc(0), /^roc: period must be an integer from 1/],
    [() => I.donchian(0), /^donchian: period must be an integer from 1/],
    [() => I.atr(0), /^atr: period must be an integer from 1/],
    [() => I.stddev(1), /^stddev: period must be an integer from 2/],
    // @ts-expect-error a wrong source from untyped input
    [() => I.sma(20, 'hlc4'), /^sma: source must be one of open, high, low, close, volume, hl2, hlc3, ohlc4, got "hlc4"$/],
  ];
  it.each(cases)('rejects bad arguments with a UserError naming the indicator and the bound (%#)', (make, message) => {
    expect(make).toThrow(UserError);
    expect(make).toThrow(message);
  });
});

describe('TA-Lib semantics on edge cases', () => {
  const flat: Bar[] = Array.from({ length: 40 }, () => [100, 100, 100, 100, 5]);

  it('CCI and Williams %R give 0 on a perfectly flat window, not NaN', () => {
    expect(feed(I.cci(20), flat).slice(19)).toEqual(Array(21).fill(0));
    expect(feed(I.williamsR(14), flat).slice(13)).toEqual(Array(27).fill(0));
  });

  it('CCI gives 0 on a flat window whose mean is not exactly representable', () => {
    // 0.1 summed 20 times and divided by 20 is not exactly 0.1: a naive CCI divides rounding noise by noise.
    const bars: Bar[] = Array.from({ length: 25 }, () => [0.1, 0.1, 0.1, 0.1, 1]);
    expect(feed(I.cci(20), bars).slice(19)).toEqual(Array(6).fill(0));
  });

  it('stochastic %K is 0 on a flat window; RSI is 0 when nothing moved', () => {
    const s = I.stochastic(14, 3);
    feed(s, flat);
    expect([s.k.value, s.d.value]).toEqual([0, 0]);
    expect(feed(I.rsi(14), flat).at(-1)).toBe(0);
  });

  it('MFI counts an unchanged typical price as neither positive nor negative flow', () => {
    // Rising, then unchanged typical price: only positive flow in the window → 100 (a negative-flow bug gives less).
    const bars: Bar[] = [];
    for (let i = 0; i < 10; i++) bars.push([100 + i, 101 + i, 99 + i, 100 + i, 10]);
    for (let i = 0; i < 10; i++) bars.push([109, 110, 108, 109, 10]);
    expect(feed(I.mfi(14), bars).at(-1)).toBe(100);
    // Entirely unchanged window: no flow at all → 0 (TA-Lib).
    expect(feed(I.mfi(14), flat).at(-1)).toBe(0);
  });

  it('A/D adds nothing on a bar with high == low', () => {
    const bars: Bar[] = [[10, 12, 8, 11, 100], [11, 11, 11, 11, 5000], [11, 13, 11, 13, 10]];
    // bar 0: ((11-8)-(12-11))/4·100 = 50; bar 1 adds nothing; bar 2: ((13-11)-0)/2·10 = 10
    expect(feed(I.ad(), bars)).toEqual([50, 50, 60]);
  });

  it('OBV starts at the first bar\'s volume like TA-Lib', () => {
    const bars: Bar[] = [[1, 1, 1, 10, 7], [1, 1, 1, 11, 3], [1, 1, 1, 11, 100], [1, 1, 1, 9, 2]];
    expect(feed(I.obv(), bars)).toEqual([7, 10, 10, 8]);
  });

  it('ROC is 0 when the old value is 0', () => {
    const bars: Bar[] = [[0, 0, 0, 0, 1], [0, 0, 0, 5, 1]];
    expect(feed(I.roc(1), bars)).toEqual([NaN, 0]);
  });

  it('an SMA of a window of zeros is exactly 0 (no rounding residue from earlier values)', () => {
    const bars: Bar[] = [[1, 1, 1, 1, 0.1], [1, 1, 1, 1, 0.7], [1, 1, 1, 1, 1e9], [1, 1, 1, 1, 0], [1, 1, 1, 1, 0], [1, 1, 1, 1, 0]];
    expect(feed(I.sma(3, 'volume'), bars).at(-1)).toBe(0);
  });

  it('ATR(1) is the true range from the second bar', () => {
    const bars: Bar[] = [[10, 11, 9, 10, 1], [10, 15, 12, 14, 1], [14, 14, 8, 9, 1]];
    expect(feed(I.atr(1), bars)).toEqual([NaN, 5, 6]);
  });
});

describe('numerical drift', () => {
  it('SMA, WMA and Bollinger stay exact after a huge value leaves the window', () => {
    // A naive running sum keeps ~1e12·2^-53 ≈ 1e-4 of residue for ever after the spike has left.
    const bars: Bar[] = [];
    for (let i = 0; i < 5000; i++) {
      const x = i === 100 ? 1e12 : 1 + (i % 7) * 0.001;
      bars.push([x, x, x, x, 1]);
    }
    const s = I.sma(20);
    const w = I.wma(20);
    const b = I.bollinger(20, 2);
    bars.forEach(([o, h, l, c, v], i) => {
      s.next(o, h, l, c, v);
      w.next(o, h, l, c, v);
      b.next(o, h, l, c, v);
      if (i < 100) return;
      const win = bars.slice(i - 19, i + 1).map((r) => r[3]);
      const mean = win.reduce((a, x) => a + x, 0) / 20;
      const wmean = win.reduce((a, x, j) => a + (j + 1) * x, 0) / 210;
      const sd = Math.sqrt(win.reduce((a, x) => a + (x - mean) ** 2, 0) / 20);
      // Rounding relative to the largest value in the window: ~1e12 while the spike is inside, ~1 after.
      const scale = Math.max(...win);
      expect(Math.abs(s.value - mean)).toBeLessThan(1e-14 * scale);
      expect(Math.abs(w.value - wmean)).toBeLessThan(1e-14 * scale);
      expect(Math.abs(b.upper.value - (mean + 2 * sd))).toBeLessThan(1e-13 * scale);
    });
  });

  it('Bollinger width is accurate at high prices with a tiny spread (no Σx² cancellation)', () => {
    const bars: Bar[] = Array.from({ length: 1000 }, (_, i) => {
      const x = 1e7 + (i % 2 ? 0.0001 : -0.0001);
      return [x, x, x, x, 1];
    });
    const sd = I.stddev(20);
    feed(sd, bars);
    // Alternating ±1e-4 around 1e7: σ = 1e-4 (up to the rounding of the inputs themselves, ~2e-9).
    expect(Math.abs(sd.value - 1e-4)).toBeLessThan(1e-8);
  });
});

describe('batch helpers', () => {
  const bars = walk(500);
  const cols = allocBarColumns(bars.length);
  bars.forEach(([o, h, l, c, v], i) => {
    cols.openTime[i] = i * 60_000;
    cols.open[i] = o; cols.high[i] = h; cols.low[i] = l; cols.close[i] = c; cols.volume[i] = v;
  });

  it('computeSeries gives exactly the values the streaming kernel gives bar by bar', () => {
    for (const [, make] of all) {
      const expected = feed(make(), bars);
      expect(Array.from(I.computeSeries(make, cols))).toEqual(expected);
    }
  });

  it('computeSeries resets an instance it is given, so it can be reused', () => {
    const ind = I.rsi(14);
    const a = I.computeSeries(ind, cols);
    const b = I.computeSeries(ind, cols);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('computeOutputs gives one array per output field', () => {
    const out = I.computeOutputs(() => I.macd(12, 26, 9), cols);
    expect(Object.keys(out)).toEqual(['macd', 'signal', 'histogram']);
    const m = I.macd(12, 26, 9);
    bars.forEach(([o, h, l, c, v], i) => {
      m.next(o, h, l, c, v);
      expect(Object.is(out.signal![i], m.signal.value)).toBe(true);
      expect(Object.is(out.histogram![i], m.histogram.value)).toBe(true);
    });
    expect(Object.keys(I.computeOutputs(() => I.sma(5), cols))).toEqual(['value']);
  });
});
