import { createRequire } from 'node:module';
import { UserError, unknownName } from '../../domain/errors.js';
import type { Indicator, PriceSource, Series } from '../indicator.js';
import { BaseIndicator, type MultiOutput, OutputSeries, pick, requireFinite, requirePeriod, requireSource } from './base.js';
import { sma, ema, wma } from './moving-averages.js';
import { rsi } from './rsi.js';
import { macd } from './macd.js';
import { bollinger, stddev, atr } from './volatility.js';
import { donchian, highest, lowest } from './channels.js';
import { stochastic, williamsR, cci, roc } from './oscillators.js';
import { mfi, obv, ad } from './volume.js';
import { adx } from './directional.js';

type TiModule = typeof import('technicalindicators');
type TiInstance = { nextValue(input: unknown): unknown };
type OptionValue = number | boolean | string;
type Options = Readonly<Record<string, OptionValue>>;

/** How an option is validated: a period (integer ≥ 1), a positive number, a flag or a price source. */
type OptionKind = 'period' | 'number' | 'flag' | 'source';
type OptionSpec = readonly [kind: OptionKind, defaultValue: OptionValue];

type LibrarySpec = {
  readonly summary: string;
  /** 'value': the library gets one number per bar (options.source, default close); 'bar': the OHLCV of the bar. */
  readonly input: 'value' | 'bar';
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Object outputs, exposed as Series fields; the first is `value`. Absent: the output is a number. */
  readonly outputs?: readonly string[];
  readonly create: (ti: TiModule, o: Readonly<Record<string, number | boolean>>) => TiInstance;
  /** Bars consumed up to and including the first defined value (checked by test/unit/indicators-catalogue.test.ts). */
  readonly warmup: (o: Readonly<Record<string, number>>) => number;
};

/** Inputs technicalindicators' constructors insist on; `format` identity disables its global rounding option. */
const EMPTY = { open: [], high: [], low: [], close: [], volume: [], values: [], format: (v: number) => v };
const num = (o: Readonly<Record<string, number | boolean>>, k: string): number => o[k] as number;

/**
 * Indicators we take from technicalindicators (streaming `nextValue`), for breadth. Our own kernels
 * cover the core names (see CORE); technicalindicators' RSI, MFI, A/D, OBV, CCI/W%R, MACD and ADX are
 * never used (defects: golden/README.md). Each entry is checked on both golden series against its
 * definition built from our TA-Lib-verified kernels (test/golden/indicators-catalogue.test.ts).
 * Not offered: StochasticRSI (built on the library's 2-decimal RSI) and PSAR (its start is arbitrary —
 * it assumes an up-trend on the first bar — and there is no reference to prove it against).
 */
const LIBRARY = {
  vwap: {
    summary: 'volume-weighted average of the typical price, cumulative from the first bar (no session reset)',
    input: 'bar', options: {},
    create: (ti) => new ti.VWAP({ ...EMPTY }),
    warmup: () => 1,
  },
  ichimoku: {
    summary: 'Ichimoku cloud: conversion, base, spanA, spanB (current values; spans are not shifted forward)',
    input: 'bar',
    options: { conversionPeriod: ['period', 9], basePeriod: ['period', 26], spanPeriod: ['period', 52], displacement: ['period', 26] },
    outputs: ['conversion', 'base', 'spanA', 'spanB'],
    create: (ti, o) => new ti.IchimokuCloud({ ...EMPTY, conversionPeriod: num(o, 'conversionPeriod'), basePeriod: num(o, 'basePeriod'), spanPeriod: num(o, 'spanPeriod'), displacement: num(o, 'displacement') }),
    warmup: (o) => Math.max(o.conversionPeriod!, o.basePeriod!, o.spanPeriod!, o.displacement!),
  },
  kst: {
    summary: 'Know Sure Thing: kst and signal',
    input: 'value',
    options: {
      roc1: ['period', 10], roc2: ['period', 15], roc3: ['period', 20], roc4: ['period', 30],
      sma1: ['period', 10], sma2: ['period', 10], sma3: ['period', 10], sma4: ['period', 15], signal: ['period', 9],
    },
    outputs: ['kst', 'signal'],
    create: (ti, o) => new ti.KST({
      ...EMPTY,
      ROCPer1: num(o, 'roc1'), ROCPer2: num(o, 'roc2'), ROCPer3: num(o, 'roc3'), ROCPer4: num(o, 'roc4'),
      SMAROCPer1: num(o, 'sma1'), SMAROCPer2: num(o, 'sma2'), SMAROCPer3: num(o, 'sma3'), SMAROCPer4: num(o, 'sma4'),
      signalPeriod: num(o, 'signal'),
    }),
    warmup: (o) => Math.max(o.roc1! + o.sma1!, o.roc2! + o.sma2!, o.roc3! + o.sma3!, o.roc4! + o.sma4!),
  },
  trix: {
    summary: 'TRIX: one-bar rate of change (percent) of a triple EMA',
    input: 'value', options: { period: ['period', 18] },
    create: (ti, o) => new ti.TRIX({ ...EMPTY, period: num(o, 'period') }),
    warmup: (o) => 3 * (o.period! - 1) + 2,
  },
  awesomeOscillator: {
    summary: 'Awesome Oscillator: SMA(fast) − SMA(slow) of the median price (high + low) / 2',
    input: 'bar', options: { fastPeriod: ['period', 5], slowPeriod: ['period', 34] },
    create: (ti, o) => new ti.AwesomeOscillator({ ...EMPTY, fastPeriod: num(o, 'fastPeriod'), slowPeriod: num(o, 'slowPeriod') }),
    warmup: (o) => Math.max(o.fastPeriod!, o.slowPeriod!),
  },
  forceIndex: {
    summary: 'Force Index: EMA(period) of (close − previous close) · volume',
    input: 'bar', options: { period: ['period', 13] },
    create: (ti, o) => new ti.ForceIndex({ ...EMPTY, period: num(o, 'period') }),
    warmup: (o) => o.period! + 1,
  },
  keltner: {
    summary: 'Keltner channels: middle = EMA (or SMA) of close, upper/lower = middle ± multiplier · ATR',
    input: 'bar',
    options: { maPeriod: ['period', 20], atrPeriod: ['period', 10], useSMA: ['flag', false], multiplier: ['number', 1] },
    outputs: ['middle', 'upper', 'lower'],
    create: (ti, o) => new ti.KeltnerChannels({ ...EMPTY, maPeriod: num(o, 'maPeriod'), atrPeriod: num(o, 'atrPeriod'), useSMA: o.useSMA as boolean, multiplier: num(o, 'multiplier') }),
    warmup: (o) => Math.max(o.maPeriod!, o.atrPeriod! + 1),
  },
  chandelierExit: {
    summary: 'Chandelier exit: exitLong = highest high − multiplier · ATR, exitShort = lowest low + multiplier · ATR',
    input: 'bar', options: { period: ['period', 22], multiplier: ['number', 3] },
    outputs: ['exitLong', 'exitShort'],
    create: (ti, o) => new ti.ChandelierExit({ ...EMPTY, period: num(o, 'period'), multiplier: num(o, 'multiplier') }),
    warmup: (o) => o.period! + 1,
  },
  wema: {
    summary: "Wilder's moving average (seeded with the SMA of the first `period` values)",
    input: 'value', options: { period: ['period', 14] },
    create: (ti, o) => new ti.WEMA({ ...EMPTY, period: num(o, 'period') }),
    warmup: (o) => o.period!,
  },
} as const satisfies Record<string, LibrarySpec>;

type CoreSpec = {
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly create: (o: Readonly<Record<string, OptionValue>>) => Indicator;
};
const P = (o: Readonly<Record<string, OptionValue>>, k: string): number => o[k] as number;
const S = (o: Readonly<Record<string, OptionValue>>): PriceSource => o.source as PriceSource;

/** Core names: always our own TA-Lib-exact kernels, never technicalindicators'. */
const CORE = {
  sma: { summary: 'simple moving average', options: { period: ['period', 20], source: ['source', 'close'] }, create: (o) => sma(P(o, 'period'), S(o)) },
  ema: { summary: 'exponential moving average', options: { period: ['period', 20], source: ['source', 'close'] }, create: (o) => ema(P(o, 'period'), S(o)) },
  wma: { summary: 'weighted moving average', options: { period: ['period', 20], source: ['source', 'close'] }, create: (o) => wma(P(o, 'period'), S(o)) },
  rsi: { summary: 'relative strength index', options: { period: ['period', 14], source: ['source', 'close'] }, create: (o) => rsi(P(o, 'period'), S(o)) },
  macd: { summary: 'MACD: macd, signal, histogram', options: { fast: ['period', 12], slow: ['period', 26], signal: ['period', 9], source: ['source', 'close'] }, create: (o) => macd(P(o, 'fast'), P(o, 'slow'), P(o, 'signal'), S(o)) },
  bollinger: { summary: 'Bollinger Bands: upper, middle, lower', options: { period: ['period', 20], k: ['number', 2], source: ['source', 'close'] }, create: (o) => bollinger(P(o, 'period'), P(o, 'k'), S(o)) },
  stddev: { summary: 'population standard deviation', options: { period: ['period', 20], source: ['source', 'close'] }, create: (o) => stddev(P(o, 'period'), S(o)) },
  atr: { summary: 'average true range', options: { period: ['period', 14] }, create: (o) => atr(P(o, 'period')) },
  stochastic: { summary: 'fast stochastic: k, d', options: { kPeriod: ['period', 14], dPeriod: ['period', 3] }, create: (o) => stochastic(P(o, 'kPeriod'), P(o, 'dPeriod')) },
  adx: { summary: 'ADX: adx, plusDI, minusDI', options: { period: ['period', 14] }, create: (o) => adx(P(o, 'period')) },
  cci: { summary: 'commodity channel index', options: { period: ['period', 20] }, create: (o) => cci(P(o, 'period')) },
  williamsR: { summary: 'Williams %R', options: { period: ['period', 14] }, create: (o) => williamsR(P(o, 'period')) },
  mfi: { summary: 'money flow index', options: { period: ['period', 14] }, create: (o) => mfi(P(o, 'period')) },
  obv: { summary: 'on-balance volume', options: {}, create: () => obv() },
  ad: { summary: 'accumulation/distribution line', options: {}, create: () => ad() },
  roc: { summary: 'rate of change (percent)', options: { period: ['period', 10], source: ['source', 'close'] }, create: (o) => roc(P(o, 'period'), S(o)) },
  donchian: { summary: 'Donchian channel: upper, middle, lower', options: { period: ['period', 20] }, create: (o) => donchian(P(o, 'period')) },
  highest: { summary: 'highest value of the window', options: { period: ['period', 20], source: ['source', 'high'] }, create: (o) => highest(P(o, 'period'), S(o)) },
  lowest: { summary: 'lowest value of the window', options: { period: ['period', 20], source: ['source', 'low'] }, create: (o) => lowest(P(o, 'period'), S(o)) },
} as const satisfies Record<string, CoreSpec>;

/** technicalindicators' names for core indicators, routed to our kernels too. */
const ALIASES = { bollingerbands: 'bollinger', williamsr: 'williamsR', adl: 'ad', sd: 'stddev' } as const satisfies Record<string, keyof typeof CORE>;

export type CoreIndicatorName = keyof typeof CORE;
export type LibraryIndicatorName = keyof typeof LIBRARY;
export type CatalogueName = CoreIndicatorName | LibraryIndicatorName | keyof typeof ALIASES;

type LibraryOutputs<N extends LibraryIndicatorName> = (typeof LIBRARY)[N] extends { outputs: readonly (infer O extends string)[] } ? O : never;
/** What `ta(name)` returns: for library indicators with object outputs, one Series field per output. */
export type CatalogueIndicator<N extends string = string> = N extends LibraryIndicatorName
  ? LibraryIndicator & MultiOutput & { readonly [K in LibraryOutputs<N>]: Series }
  : N extends CoreIndicatorName
    ? ReturnType<(typeof CORE)[N]['create']>
    : N extends keyof typeof ALIASES
      ? ReturnType<(typeof CORE)[(typeof ALIASES)[N]]['create']>
      : Indicator;

/** Names and one-line summaries of everything `ta()` knows, for help text and `did you mean`. */
export function catalogue(): ReadonlyArray<{ name: string; summary: string; implementation: 'candlekeep' | 'technicalindicators'; options: Readonly<Record<string, OptionValue>> }> {
  const defaults = (o: Readonly<Record<string, OptionSpec>>) => Object.fromEntries(Object.entries(o).map(([k, [, d]]) => [k, d]));
  return [
    ...Object.entries(CORE).map(([name, s]) => ({ name, summary: s.summary, implementation: 'candlekeep' as const, options: defaults(s.options) })),
    ...Object.entries(LIBRARY).map(([name, s]) => ({ name, summary: s.summary, implementation: 'technicalindicators' as const, options: defaults(s.options) })),
  ];
}

function resolveOptions(name: string, specs: Readonly<Record<string, OptionSpec>>, given: unknown): Record<string, OptionValue> {
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    throw new UserError(`ta("${name}"): options must be an object, got ${JSON.stringify(given)}`);
  }
  const out: Record<string, OptionValue> = {};
  for (const [k, [, d]] of Object.entries(specs)) out[k] = d;
  for (const [k, v] of Object.entries((given ?? {}) as Record<string, unknown>)) {
    const spec = specs[k];
    if (!spec) {
      const known = Object.keys(specs);
      if (!known.length) throw new UserError(`ta("${name}"): takes no options, got "${k}"`);
      throw unknownName(`option of ta("${name}")`, k, known);
    }
    const ctx = `ta("${name}")`;
    switch (spec[0]) {
      case 'period': out[k] = requirePeriod(ctx, k, v); break;
      case 'number': out[k] = requireFinite(ctx, k, v, 0); break;
      case 'flag':
        if (typeof v !== 'boolean') throw new UserError(`${ctx}: ${k} must be true or false, got ${JSON.stringify(v)}`);
        out[k] = v;
        break;
      case 'source': requireSource(ctx, v); out[k] = v as PriceSource; break;
    }
  }
  return out;
}

let tiModule: TiModule | undefined;
/** technicalindicators is loaded on the first library indicator, so strategies that do not use one never pay for it. */
function loadTi(): TiModule {
  tiModule ??= createRequire(import.meta.url)('technicalindicators') as TiModule;
  return tiModule;
}

/**
 * An indicator from the catalogue by name: `ta('ichimoku', { conversionPeriod: 9 })`, `ta('sma', { period: 20 })`.
 * Core names build our own kernels; the others wrap technicalindicators' streaming `nextValue`
 * (allocates per bar and is slower than our kernels; `warmup` is declared per entry and tested).
 * Unknown names and options get a UserError with a suggestion.
 */
export function ta<N extends CatalogueName>(name: N, options?: Readonly<Record<string, OptionValue>>): CatalogueIndicator<N>;
export function ta(name: string, options?: Readonly<Record<string, OptionValue>>): Indicator;
export function ta(name: string, options?: Readonly<Record<string, OptionValue>>): Indicator {
  const coreName: string = name in ALIASES ? ALIASES[name as keyof typeof ALIASES] : name;
  if (Object.hasOwn(CORE, coreName)) {
    const spec: CoreSpec = CORE[coreName as CoreIndicatorName];
    return spec.create(resolveOptions(name, spec.options, options));
  }
  if (Object.hasOwn(LIBRARY, name)) {
    const spec: LibrarySpec = LIBRARY[name as LibraryIndicatorName];
    const resolved = resolveOptions(name, { ...spec.options, ...(spec.input === 'value' ? { source: ['source', 'close'] as const } : {}) }, options);
    return new LibraryIndicator(name, spec, resolved);
  }
  throw unknownName('indicator', name, [...Object.keys(CORE), ...Object.keys(LIBRARY)]);
}

/** A technicalindicators streaming indicator behind our Indicator contract. */
export class LibraryIndicator extends BaseIndicator implements MultiOutput {
  readonly outputs: readonly string[];
  private lib: TiInstance;
  private readonly fields: OutputSeries[];
  private readonly src: number;
  private readonly numeric: Readonly<Record<string, number | boolean>>;

  constructor(name: string, private readonly spec: LibrarySpec, options: Readonly<Record<string, OptionValue>>) {
    const numeric: Record<string, number | boolean> = {};
    const args: string[] = [];
    for (const [k, v] of Object.entries(options)) {
      if (k === 'source') continue;
      numeric[k] = v as number | boolean;
      args.push(`${k}=${v}`);
    }
    if (spec.input === 'value' && options.source !== 'close') args.push(`source=${options.source}`);
    super(`${name}(${args.join(',')})`, spec.warmup(numeric as Record<string, number>));
    this.numeric = numeric;
    this.src = spec.input === 'value' ? requireSource(name, options.source) : 3;
    this.outputs = spec.outputs ?? ['value'];
    this.fields = (spec.outputs ?? []).map(() => new OutputSeries());
    (spec.outputs ?? []).forEach((k, j) => Object.defineProperty(this, k, { value: this.fields[j], enumerable: true }));
    this.lib = spec.create(loadTi(), numeric);
  }

  next(o: number, h: number, l: number, c: number, v: number): number {
    this.bars++;
    const r = this.spec.input === 'value' ? this.lib.nextValue(pick(this.src, o, h, l, c, v)) : this.lib.nextValue({ open: o, high: h, low: l, close: c, volume: v });
    const fields = this.fields;
    if (fields.length === 0) return this.emit(typeof r === 'number' ? r : NaN);
    const obj = r !== null && typeof r === 'object' ? (r as Record<string, unknown>) : undefined;
    const names = this.outputs;
    for (let j = 0; j < fields.length; j++) {
      const x = obj?.[names[j]!];
      fields[j]!.set(typeof x === 'number' ? x : NaN);
    }
    return this.emit(fields[0]!.value);
  }

  reset(): void {
    this.clear();
    for (const f of this.fields) f.clear();
    this.lib = this.spec.create(loadTi(), this.numeric);
  }
}

