import { beforeAll, describe, expect, it } from 'vitest';
import type { BarColumns } from '../../engine/domain/index.js';
import type { Indicator, Series } from '../../engine/api/indicator.js';
import * as I from '../../engine/api/indicators/index.js';
import { GOLDEN_FILES, loadBars, loadGolden } from './indicators-fixtures.js';

/**
 * Every indicator we expose against TA-Lib 0.4 on two real series (../shared/golden), on every bar:
 * NaN exactly where TA-Lib has no value, and within 1e-9 × max(|TA-Lib|, scale) where it has one,
 * from TA-Lib's first value on. `scale` is the natural size of the output: the bar's close for
 * price-denominated outputs (their rounding error is in price units), 100 for 0–100 oscillators, 1 otherwise.
 * Measured: EMA, RSI, MACD, ATR, stochastic %K, ADX, ±DI, CCI, W%R, OBV, A/D, ROC are bit-identical;
 * SMA/WMA/%D/MFI differ by ≤ 1e-12 relative (rolling-sum order); Bollinger bands by ≤ 4e-11 relative
 * (TA-Lib's Σx²/n − mean² cancellation; ours is the more accurate).
 */
type Scale = 'price' | 'pct' | 'unit';
type Case = { column: string; warmup: number; scale: Scale; make: () => Indicator; out: (ind: Indicator) => Series };

const self = (ind: Indicator): Series => ind;
const cases: Case[] = [
  { column: 'sma_20', warmup: 20, scale: 'price', make: () => I.sma(20), out: self },
  { column: 'ema_20', warmup: 20, scale: 'price', make: () => I.ema(20), out: self },
  { column: 'wma_20', warmup: 20, scale: 'price', make: () => I.wma(20), out: self },
  { column: 'rsi_14', warmup: 15, scale: 'pct', make: () => I.rsi(14), out: self },
  { column: 'macd_12_26_9', warmup: 34, scale: 'price', make: () => I.macd(12, 26, 9), out: (m) => (m as I.Macd).macd },
  { column: 'macd_signal_12_26_9', warmup: 34, scale: 'price', make: () => I.macd(12, 26, 9), out: (m) => (m as I.Macd).signal },
  { column: 'macd_hist_12_26_9', warmup: 34, scale: 'price', make: () => I.macd(12, 26, 9), out: (m) => (m as I.Macd).histogram },
  { column: 'bb_upper_20_2', warmup: 20, scale: 'price', make: () => I.bollinger(20, 2), out: (b) => (b as I.Bollinger).upper },
  { column: 'bb_middle_20_2', warmup: 20, scale: 'price', make: () => I.bollinger(20, 2), out: (b) => (b as I.Bollinger).middle },
  { column: 'bb_lower_20_2', warmup: 20, scale: 'price', make: () => I.bollinger(20, 2), out: (b) => (b as I.Bollinger).lower },
  { column: 'atr_14', warmup: 15, scale: 'price', make: () => I.atr(14), out: self },
  { column: 'stochf_k_14_3', warmup: 16, scale: 'pct', make: () => I.stochastic(14, 3), out: (s) => (s as I.Stochastic).k },
  { column: 'stochf_d_14_3', warmup: 16, scale: 'pct', make: () => I.stochastic(14, 3), out: (s) => (s as I.Stochastic).d },
  { column: 'adx_14', warmup: 28, scale: 'pct', make: () => I.adx(14), out: (a) => (a as I.Adx).adx },
  // ±DI start earlier than the ADX (TA-Lib PLUS_DI/MINUS_DI lookback 14): first value on bar 15.
  { column: 'plus_di_14', warmup: 28, scale: 'pct', make: () => I.adx(14), out: (a) => (a as I.Adx).plusDI },
  { column: 'minus_di_14', warmup: 28, scale: 'pct', make: () => I.adx(14), out: (a) => (a as I.Adx).minusDI },
  { column: 'cci_20', warmup: 20, scale: 'pct', make: () => I.cci(20), out: self },
  { column: 'willr_14', warmup: 14, scale: 'pct', make: () => I.williamsR(14), out: self },
  { column: 'mfi_14', warmup: 15, scale: 'pct', make: () => I.mfi(14), out: self },
  { column: 'obv', warmup: 1, scale: 'unit', make: () => I.obv(), out: self },
  { column: 'ad', warmup: 1, scale: 'unit', make: () => I.ad(), out: self },
  { column: 'roc_10', warmup: 11, scale: 'pct', make: () => I.roc(10), out: self },
];

type Diff = { checked: number; firstValue: number; nanMismatches: number[]; worst: { bar: number; ours: number; talib: number; excess: number } | undefined; readyAt: number };

function compare(bars: BarColumns, expected: Float64Array, ind: Indicator, out: Series, scale: Scale): Diff {
  const d: Diff = { checked: 0, firstValue: -1, nanMismatches: [], worst: undefined, readyAt: -1 };
  for (let i = 0; i < bars.length; i++) {
    ind.next(bars.open[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!, bars.volume[i]!);
    if (d.readyAt < 0 && ind.ready) d.readyAt = i;
    const e = expected[i]!;
    const a = out.value;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) d.nanMismatches.push(i);
      continue;
    }
    if (d.firstValue < 0) d.firstValue = i;
    d.checked++;
    const s = scale === 'price' ? bars.close[i]! : scale === 'pct' ? 100 : 1;
    const tol = 1e-9 * Math.max(Math.abs(e), s);
    const excess = Math.abs(a - e) / tol;
    if (excess > 1 && (!d.worst || excess > d.worst.excess)) d.worst = { bar: i, ours: a, talib: e, excess };
  }
  return d;
}

describe.each(GOLDEN_FILES)('indicators against TA-Lib on $label', (file) => {
  let bars: BarColumns;
  let golden: ReturnType<typeof loadGolden>;
  beforeAll(() => {
    bars = loadBars(file.data);
    golden = loadGolden(file.golden);
  });

  it('reads aligned input and golden rows', () => {
    expect(golden.timestamps.length).toBe(bars.length);
    expect(golden.timestamps[0]).toBe(bars.openTime[0]);
    expect(golden.timestamps[bars.length - 1]).toBe(bars.openTime[bars.length - 1]);
  });

  it.each(cases)('$column matches TA-Lib on every bar from its first value (warm-up $warmup bars)', ({ column, make, out, scale, warmup }) => {
    const expected = golden.columns.get(column)!;
    expect(expected).toBeDefined();
    const ind = make();
    expect(ind.warmup).toBe(warmup);
    const d = compare(bars, expected, ind, out(ind), scale);
    expect(d.nanMismatches.slice(0, 5)).toEqual([]);
    expect(d.worst).toBeUndefined();
    expect(d.checked).toBeGreaterThan(bars.length - 40);
    // `ready` turns true on the bar of the primary output's first value.
    expect(d.readyAt).toBe(warmup - 1);
    if (!column.includes('_di_')) expect(d.firstValue).toBe(warmup - 1);
    else expect(d.firstValue).toBe(14);
  });

  it('stddev(20) is the Bollinger(20, 2) half-width / 2 of TA-Lib, and exact against a two-pass computation', () => {
    const upper = golden.columns.get('bb_upper_20_2')!;
    const lower = golden.columns.get('bb_lower_20_2')!;
    const sd = I.stddev(20);
    let checked = 0;
    for (let i = 0; i < bars.length; i++) {
      const v = sd.next(bars.open[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!, bars.volume[i]!);
      if (i < 19) {
        expect(v).toBeNaN();
        continue;
      }
      // TA-Lib's σ carries its Σx²/n − mean² cancellation error, in price units: scale by the close.
      const talib = (upper[i]! - lower[i]!) / 4;
      expect(Math.abs(v - talib)).toBeLessThanOrEqual(1e-9 * bars.close[i]!);
      let mean = 0;
      for (let j = i - 19; j <= i; j++) mean += bars.close[j]!;
      mean /= 20;
      let m2 = 0;
      for (let j = i - 19; j <= i; j++) m2 += (bars.close[j]! - mean) ** 2;
      const exact = Math.sqrt(m2 / 20);
      expect(Math.abs(v - exact)).toBeLessThanOrEqual(1e-9 * Math.max(exact, 1e-6 * bars.close[i]!));
      checked++;
    }
    expect(checked).toBe(bars.length - 19);
  });

  it('highest, lowest and donchian equal a direct scan of the window on every bar (TA-Lib MAX/MIN semantics)', () => {
    // No TA-Lib column exists for these; MAX/MIN are the plain window extremes, current bar included.
    for (const n of [1, 2, 20, 55]) {
      const hi = I.highest(n);
      const lo = I.lowest(n);
      const dc = I.donchian(n);
      const hiClose = I.highest(n, 'close');
      for (let i = 0; i < bars.length; i++) {
        const o = bars.open[i]!, h = bars.high[i]!, l = bars.low[i]!, c = bars.close[i]!, v = bars.volume[i]!;
        hi.next(o, h, l, c, v);
        lo.next(o, h, l, c, v);
        dc.next(o, h, l, c, v);
        hiClose.next(o, h, l, c, v);
        if (i < n - 1) {
          expect([hi.value, lo.value, dc.upper.value, dc.lower.value, dc.middle.value, hiClose.value].every(Number.isNaN)).toBe(true);
          continue;
        }
        let mx = -Infinity, mn = Infinity, mc = -Infinity;
        for (let j = i - n + 1; j <= i; j++) {
          mx = Math.max(mx, bars.high[j]!);
          mn = Math.min(mn, bars.low[j]!);
          mc = Math.max(mc, bars.close[j]!);
        }
        if (hi.value !== mx || lo.value !== mn || dc.upper.value !== mx || dc.lower.value !== mn || dc.middle.value !== (mx + mn) / 2 || hiClose.value !== mc) {
          expect({ n, bar: i, highest: hi.value, lowest: lo.value, donchian: [dc.upper.value, dc.lower.value], closeMax: hiClose.value }).toEqual({ n, bar: i, highest: mx, lowest: mn, donchian: [mx, mn], closeMax: mc });
        }
      }
    }
  });
});
