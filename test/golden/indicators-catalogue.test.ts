import { beforeAll, describe, expect, it } from 'vitest';
import type { BarColumns } from '../../engine/domain/index.js';
import type { Indicator, Series } from '../../engine/api/indicator.js';
import * as I from '../../engine/api/indicators/index.js';
import { EmaKernel } from '../../engine/api/indicators/rolling.js';
import { GOLDEN_FILES, loadBars } from './indicators-fixtures.js';

/**
 * The technicalindicators-backed entries of `ta()` have no TA-Lib column in ../shared/golden. Each is
 * checked on both real series against its textbook definition composed from our own kernels (which
 * test/golden/indicators.test.ts proves against TA-Lib): where the library has a value, it must agree
 * within 1e-9 × max(|expected|, scale), scale = the close for price-denominated outputs, 1 otherwise.
 */
type Expected = { name: I.LibraryIndicatorName; options: Record<string, number | boolean>; output: string; scale: 'price' | 'unit'; expected: (b: BarColumns) => Float64Array };

function each(b: BarColumns, inds: Indicator[], f: (i: number) => number): Float64Array {
  const out = new Float64Array(b.length);
  for (let i = 0; i < b.length; i++) {
    for (const ind of inds) ind.next(b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!);
    out[i] = f(i);
  }
  return out;
}

const cases: Expected[] = [
  {
    name: 'vwap', options: {}, output: 'value', scale: 'price',
    expected: (b) => {
      let pv = 0;
      let v = 0;
      return each(b, [], (i) => {
        pv += ((b.high[i]! + b.low[i]! + b.close[i]!) / 3) * b.volume[i]!;
        v += b.volume[i]!;
        return pv / v;
      });
    },
  },
  ...(['conversion', 'base', 'spanA', 'spanB'] as const).map((output): Expected => ({
    name: 'ichimoku', options: {}, output, scale: 'price',
    expected: (b) => {
      const [c, k, s] = [I.donchian(9), I.donchian(26), I.donchian(52)];
      return each(b, [c, k, s], () => {
        const conv = c.middle.value;
        const base = k.middle.value;
        return output === 'conversion' ? conv : output === 'base' ? base : output === 'spanA' ? (conv + base) / 2 : s.middle.value;
      });
    },
  })),
  ...(['kst', 'signal'] as const).map((output): Expected => ({
    name: 'kst', options: {}, output, scale: 'unit',
    expected: (b) => {
      // KST = Σ w·SMA(ROC): ROC 10/15/20/30, SMA 10/10/10/15, weights 1–4; signal = SMA(9) of KST.
      const rocs = [I.roc(10), I.roc(15), I.roc(20), I.roc(30)];
      const smas = [I.sma(10), I.sma(10), I.sma(10), I.sma(15)];
      const sig = I.sma(9);
      return each(b, rocs, () => {
        let k = 0;
        rocs.forEach((r, j) => {
          if (!Number.isNaN(r.value)) smas[j]!.next(0, 0, 0, r.value, 0);
          k += (j + 1) * smas[j]!.value;
        });
        if (!Number.isNaN(k)) sig.next(0, 0, 0, k, 0);
        return output === 'kst' ? k : sig.value;
      });
    },
  })),
  {
    name: 'trix', options: { period: 18 }, output: 'value', scale: 'unit',
    expected: (b) => {
      // TA-Lib TRIX: one-bar rate of change (percent) of EMA(EMA(EMA(close))), each EMA SMA-seeded.
      const [e1, e2, e3] = [new EmaKernel(18), new EmaKernel(18), new EmaKernel(18)];
      let prev = NaN;
      return each(b, [], (i) => {
        const a = e1.push(b.close[i]!);
        const c = Number.isNaN(a) ? NaN : e2.push(a);
        const t = Number.isNaN(c) ? NaN : e3.push(c);
        const r = ((t - prev) / prev) * 100;
        prev = t;
        return r;
      });
    },
  },
  {
    name: 'awesomeOscillator', options: {}, output: 'value', scale: 'price',
    expected: (b) => {
      const [f, s] = [I.sma(5, 'hl2'), I.sma(34, 'hl2')];
      return each(b, [f, s], () => f.value - s.value);
    },
  },
  {
    name: 'forceIndex', options: {}, output: 'value', scale: 'unit',
    expected: (b) => {
      const e = new EmaKernel(13);
      return each(b, [], (i) => (i === 0 ? NaN : e.push((b.close[i]! - b.close[i - 1]!) * b.volume[i]!)));
    },
  },
  ...(['middle', 'upper', 'lower'] as const).map((output): Expected => ({
    name: 'keltner', options: {}, output, scale: 'price',
    expected: (b) => {
      const [m, a] = [I.ema(20), I.atr(10)];
      return each(b, [m, a], () => (output === 'middle' ? m.value : output === 'upper' ? m.value + a.value : m.value - a.value));
    },
  })),
  ...(['exitLong', 'exitShort'] as const).map((output): Expected => ({
    name: 'chandelierExit', options: {}, output, scale: 'price',
    expected: (b) => {
      const [h, l, a] = [I.highest(22), I.lowest(22), I.atr(22)];
      return each(b, [h, l, a], () => (output === 'exitLong' ? h.value - 3 * a.value : l.value + 3 * a.value));
    },
  })),
  {
    name: 'wema', options: {}, output: 'value', scale: 'price',
    expected: (b) => {
      // Wilder's average: SMA of the first 14, then (avg·13 + x) / 14.
      let avg = NaN;
      let sum = 0;
      return each(b, [], (i) => {
        const x = b.close[i]!;
        if (i < 14) {
          sum += x;
          avg = i === 13 ? sum / 14 : NaN;
        } else avg = (avg * 13 + x) / 14;
        return avg;
      });
    },
  },
];

describe.each(GOLDEN_FILES)('ta() library indicators against their definitions on $label', (file) => {
  let bars: BarColumns;
  beforeAll(() => {
    bars = loadBars(file.data);
  });

  it.each(cases)('$name.$output agrees with its definition on every bar where it has a value', ({ name, options, output, scale, expected }) => {
    const exp = expected(bars);
    const ind = I.ta(name, options) as I.LibraryIndicator & Record<string, Series>;
    const s: Series = output === 'value' ? ind : ind[output]!;
    let checked = 0;
    let worst: { bar: number; ours: number; expected: number } | undefined;
    for (let i = 0; i < bars.length; i++) {
      ind.next(bars.open[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!, bars.volume[i]!);
      if (i + 1 < ind.warmup) continue;
      const a = s.value;
      const e = exp[i]!;
      if (Number.isNaN(a) && Number.isNaN(e)) continue;
      checked++;
      const tol = 1e-9 * Math.max(Math.abs(e), scale === 'price' ? bars.close[i]! : 1);
      if (!(Math.abs(a - e) <= tol) && !worst) worst = { bar: i, ours: a, expected: e };
    }
    expect(worst).toBeUndefined();
    expect(checked).toBeGreaterThan(bars.length - 80);
  });
});
