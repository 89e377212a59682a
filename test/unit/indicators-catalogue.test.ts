import { beforeAll, describe, expect, it } from 'vitest';
import * as tiLib from 'technicalindicators';
import { UserError, type BarColumns } from '../../engine/domain/index.js';
import type { Indicator, Series } from '../../engine/api/indicator.js';
import * as I from '../../engine/api/indicators/index.js';
import { GOLDEN_FILES, loadBars } from '../golden/indicators-fixtures.js';

let bars: BarColumns;
beforeAll(() => {
  bars = loadBars(GOLDEN_FILES[0].data);
});

function run(ind: Indicator, n = bars.length): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(ind.next(bars.open[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!, bars.volume[i]!));
  return out;
}

describe('ta() core names', () => {
  it('routes core names to our kernels, with the same values as the factories', () => {
    const pairs: Array<[Indicator, Indicator, new (...a: never[]) => Indicator]> = [
      [I.ta('sma', { period: 20 }), I.sma(20), I.Sma],
      [I.ta('ema', { period: 9, source: 'hl2' }), I.ema(9, 'hl2'), I.Ema],
      [I.ta('rsi'), I.rsi(14), I.Rsi],
      [I.ta('macd', { fast: 5, slow: 35, signal: 5 }), I.macd(5, 35, 5), I.Macd],
      [I.ta('bollinger', { k: 2.5 }), I.bollinger(20, 2.5), I.Bollinger],
      [I.ta('stochastic'), I.stochastic(14, 3), I.Stochastic],
      [I.ta('adx', { period: 10 }), I.adx(10), I.Adx],
      [I.ta('cci'), I.cci(20), I.Cci],
      [I.ta('williamsR'), I.williamsR(14), I.WilliamsR],
      [I.ta('mfi'), I.mfi(14), I.Mfi],
      [I.ta('obv'), I.obv(), I.Obv],
      [I.ta('ad'), I.ad(), I.Ad],
      [I.ta('roc'), I.roc(10), I.Roc],
      [I.ta('atr'), I.atr(14), I.Atr],
      [I.ta('donchian', { period: 55 }), I.donchian(55), I.Donchian],
      [I.ta('highest', { period: 5 }), I.highest(5), I.Highest],
      [I.ta('lowest', { period: 5 }), I.lowest(5), I.Lowest],
      [I.ta('stddev'), I.stddev(20), I.StdDev],
      [I.ta('wma'), I.wma(20), I.Wma],
    ];
    for (const [viaTa, direct, cls] of pairs) {
      expect(viaTa).toBeInstanceOf(cls);
      expect(viaTa.name).toBe(direct.name);
      expect(run(viaTa, 500)).toEqual(run(direct, 500));
    }
  });

  it('routes technicalindicators\' names for core indicators to our kernels too', () => {
    expect(I.ta('bollingerbands')).toBeInstanceOf(I.Bollinger);
    expect(I.ta('williamsr')).toBeInstanceOf(I.WilliamsR);
    expect(I.ta('adl')).toBeInstanceOf(I.Ad);
    expect(I.ta('sd')).toBeInstanceOf(I.StdDev);
  });

  it('lists every name once with its implementation', () => {
    const names = I.catalogue().map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(I.catalogue().find((e) => e.name === 'rsi')?.implementation).toBe('candlekeep');
    expect(I.catalogue().find((e) => e.name === 'ichimoku')?.implementation).toBe('technicalindicators');
  });
});

describe('ta() library indicators', () => {
  // [name, options, how to drive technicalindicators directly, its constructor input]
  const cases: Array<{ name: I.LibraryIndicatorName; options: Record<string, number | boolean>; make: () => { nextValue(x: never): unknown }; input: 'close' | 'candle' }> = [
    { name: 'vwap', options: {}, make: () => new tiLib.VWAP({ high: [], low: [], close: [], volume: [] }), input: 'candle' },
    { name: 'ichimoku', options: {}, make: () => new tiLib.IchimokuCloud({ high: [], low: [], conversionPeriod: 9, basePeriod: 26, spanPeriod: 52, displacement: 26 }), input: 'candle' },
    { name: 'ichimoku', options: { conversionPeriod: 5, basePeriod: 10, spanPeriod: 20, displacement: 30 }, make: () => new tiLib.IchimokuCloud({ high: [], low: [], conversionPeriod: 5, basePeriod: 10, spanPeriod: 20, displacement: 30 }), input: 'candle' },
    { name: 'kst', options: {}, make: () => new tiLib.KST({ values: [], ROCPer1: 10, ROCPer2: 15, ROCPer3: 20, ROCPer4: 30, SMAROCPer1: 10, SMAROCPer2: 10, SMAROCPer3: 10, SMAROCPer4: 15, signalPeriod: 9 }), input: 'close' },
    { name: 'kst', options: { roc4: 12, sma4: 40 }, make: () => new tiLib.KST({ values: [], ROCPer1: 10, ROCPer2: 15, ROCPer3: 20, ROCPer4: 12, SMAROCPer1: 10, SMAROCPer2: 10, SMAROCPer3: 10, SMAROCPer4: 40, signalPeriod: 9 }), input: 'close' },
    { name: 'trix', options: {}, make: () => new tiLib.TRIX({ values: [], period: 18 }), input: 'close' },
    { name: 'trix', options: { period: 5 }, make: () => new tiLib.TRIX({ values: [], period: 5 }), input: 'close' },
    { name: 'awesomeOscillator', options: {}, make: () => new tiLib.AwesomeOscillator({ high: [], low: [], fastPeriod: 5, slowPeriod: 34 }), input: 'candle' },
    { name: 'forceIndex', options: {}, make: () => new tiLib.ForceIndex({ close: [], volume: [], period: 13 }), input: 'candle' },
    { name: 'forceIndex', options: { period: 1 }, make: () => new tiLib.ForceIndex({ close: [], volume: [], period: 1 }), input: 'candle' },
    { name: 'keltner', options: {}, make: () => new tiLib.KeltnerChannels({ high: [], low: [], close: [], maPeriod: 20, atrPeriod: 10, useSMA: false, multiplier: 1 }), input: 'candle' },
    { name: 'keltner', options: { maPeriod: 5, atrPeriod: 30, useSMA: true, multiplier: 2 }, make: () => new tiLib.KeltnerChannels({ high: [], low: [], close: [], maPeriod: 5, atrPeriod: 30, useSMA: true, multiplier: 2 }), input: 'candle' },
    { name: 'chandelierExit', options: {}, make: () => new tiLib.ChandelierExit({ high: [], low: [], close: [], period: 22, multiplier: 3 }), input: 'candle' },
    { name: 'wema', options: {}, make: () => new tiLib.WEMA({ values: [], period: 14 }), input: 'close' },
  ];

  it.each(cases)('$name $options: declared warm-up is its first value, outputs map to Series fields, reset replays', ({ name, options, make, input }) => {
    const ind = I.ta(name, options) as I.LibraryIndicator & Record<string, Series>;
    const lib = make();
    const next = lib.nextValue.bind(lib) as (x: unknown) => unknown;
    let first = -1;
    const values: number[] = [];
    for (let i = 0; i < 400; i++) {
      const r = next(input === 'close' ? bars.close[i]! : { open: bars.open[i]!, high: bars.high[i]!, low: bars.low[i]!, close: bars.close[i]!, volume: bars.volume[i]! });
      const v = ind.next(bars.open[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!, bars.volume[i]!);
      values.push(v);
      expect(ind.ready).toBe(i + 1 >= ind.warmup);
      if (r === undefined) {
        expect(v).toBeNaN();
        continue;
      }
      if (first < 0) first = i;
      if (typeof r === 'number') {
        expect(ind.outputs).toEqual(['value']);
        expect(v).toBe(r);
      } else {
        for (const k of ind.outputs) {
          const x = (r as Record<string, unknown>)[k];
          expect(Object.is(ind[k]!.value, typeof x === 'number' ? x : NaN)).toBe(true);
        }
        expect(Object.is(v, ind[ind.outputs[0]!]!.value)).toBe(true);
      }
    }
    expect(first).toBe(ind.warmup - 1);
    ind.reset();
    expect(run(ind, 400)).toEqual(values);
  });

  it('reads the source option for single-input library indicators', () => {
    const a = I.ta('trix', { period: 5, source: 'hl2' });
    const lib = new tiLib.TRIX({ values: [], period: 5 });
    for (let i = 0; i < 100; i++) {
      const r = lib.nextValue((bars.high[i]! + bars.low[i]!) / 2);
      const v = a.next(bars.open[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!, bars.volume[i]!);
      expect(Object.is(v, r === undefined ? NaN : r)).toBe(true);
    }
    expect(a.name).toBe('trix(period=5,source=hl2)');
  });
});

describe('ta() bad input', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => I.ta('ichimuko'), /^unknown indicator "ichimuko" — did you mean "ichimoku"\?$/],
    [() => I.ta('nonsense-indicator-name'), /^unknown indicator "nonsense-indicator-name" \(known: sma, ema/],
    [() => I.ta('trix', { perod: 5 }), /^unknown option of ta\("trix"\) "perod" — did you mean "period"\?$/],
    [() => I.ta('trix', { period: 0 }), /^ta\("trix"\): period must be an integer from 1 to 100000, got 0$/],
    [() => I.ta('keltner', { multiplier: -1 }), /^ta\("keltner"\): multiplier must be a finite number ≥ 0, got -1$/],
    [() => I.ta('keltner', { useSMA: 1 }), /^ta\("keltner"\): useSMA must be true or false, got 1$/],
    [() => I.ta('sma', { period: 20, source: 'mid' }), /^ta\("sma"\): source must be one of open, high/],
    [() => I.ta('obv', { period: 3 }), /^ta\("obv"\): takes no options, got "period"$/],
    [() => I.ta('rsi', { period: 1 }), /^rsi: period must be an integer from 2/],
  ];
  it.each(cases)('rejects it with a UserError that names the problem (%#)', (make, message) => {
    expect(make).toThrow(UserError);
    expect(make).toThrow(message);
  });
});
