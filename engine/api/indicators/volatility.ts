import type { PriceSource } from '../indicator.js';
import { BarIndicator, pickBar, type MultiOutput, OutputSeries, label, requireFinite, requirePeriod, requireSource, type OhlcvBar } from './base.js';
import { CompensatedSum, RollingWindow } from './rolling.js';

/**
 * Rolling population variance in O(1): compensated sums of d = x − shift and d², where `shift` is the
 * window mean at the last exact recompute, so the squares stay small and subtracting them loses
 * little (the naive Σx²/n − mean² cancels catastrophically at BTC prices). Recomputed exactly (two
 * passes) once per window, and at once when an update cancels more than 8 digits (a spike leaving
 * the window), so a result is never worse than that.
 */
class RollingVariance {
  readonly win: RollingWindow;
  private shift = 0;
  private readonly s1 = new CompensatedSum();
  private readonly s2 = new CompensatedSum();
  private sinceExact = 0;
  constructor(readonly period: number) {
    this.win = new RollingWindow(period);
  }
  /** Pushes x; returns the population variance once the window is full, else NaN. */
  push(x: number): number {
    const win = this.win;
    const n = this.period;
    if (win.count < n) return this.fill(x);
    const dOld = win.oldest - this.shift;
    win.push(x);
    const dNew = x - this.shift;
    this.s1.add(dNew);
    this.s1.add(-dOld);
    this.s2.add(dNew * dNew);
    this.s2.add(-dOld * dOld);
    if (++this.sinceExact >= n) return this.exact();
    const m = this.s1.value / n;
    const meanSq = this.s2.value / n;
    const variance = meanSq - m * m;
    // An update that cancelled more than 8 digits (a spike leaving the window): recompute.
    return variance < meanSq * 1e-8 ? this.exact() : variance;
  }
  private fill(x: number): number {
    this.win.push(x);
    return this.win.count < this.period ? NaN : this.exact();
  }
  get mean(): number {
    return this.win.sum / this.period;
  }
  private exact(): number {
    const buf = this.win.buf;
    const n = this.period;
    this.win.recompute();
    const shift = this.win.sum / n;
    const s1 = this.s1;
    const s2 = this.s2;
    s1.set(0);
    s2.set(0);
    for (let i = 0; i < n; i++) {
      const d = buf[i]! - shift;
      s1.add(d);
      s2.add(d * d);
    }
    this.shift = shift;
    this.sinceExact = 0;
    const m = s1.value / n;
    const variance = s2.value / n - m * m;
    return variance > 0 ? variance : 0;
  }
  reset(): void {
    this.win.reset();
    this.shift = 0;
    this.s1.set(0);
    this.s2.set(0);
    this.sinceExact = 0;
  }
}

/**
 * Population standard deviation of the last `period` values (TA-Lib STDDEV with nbDev 1).
 * Deviation from TA-Lib, on purpose: TA-Lib returns 0 whenever the variance is below 1e-8, which
 * flattens low-priced assets (ETH/BTC); we return 0 only for an exactly flat window.
 */
export class StdDev extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private readonly rv: RollingVariance;
  private readonly src: number;
  constructor(readonly period: number, source: PriceSource = 'close') {
    requirePeriod('stddev', 'period', period, 2);
    const src = requireSource('stddev', source);
    super(label('stddev', [period], source), period);
    this.src = src;
    this.rv = new RollingVariance(period);
  }
  nextBar(b: OhlcvBar): number {
    this.bars++;
    return this.emit(Math.sqrt(this.rv.push(pickBar(this.src, b))));
  }
  reset(): void {
    this.clear();
    this.rv.reset();
  }
}

/**
 * Bollinger Bands (TA-Lib BBANDS, SMA middle): middle = SMA(period), upper/lower = middle ± k·σ with
 * σ the population standard deviation of the same window. `value` is the middle band.
 * σ is computed more accurately than TA-Lib's Σx²/n − mean² (bands agree to ~4e-11 relative on BTC
 * data) and, unlike TA-Lib, is not zeroed when the variance is below 1e-8 (see StdDev).
 */
export class Bollinger extends BarIndicator implements MultiOutput {
  readonly outputs = ['upper', 'middle', 'lower'] as const;
  readonly upper = new OutputSeries();
  readonly middle = new OutputSeries();
  readonly lower = new OutputSeries();
  private readonly rv: RollingVariance;
  private readonly src: number;
  constructor(readonly period: number, readonly k: number, source: PriceSource = 'close') {
    requirePeriod('bollinger', 'period', period, 2);
    requireFinite('bollinger', 'k', k, 0);
    const src = requireSource('bollinger', source);
    super(label('bollinger', [period, k], source), period);
    this.src = src;
    this.rv = new RollingVariance(period);
  }
  nextBar(b: OhlcvBar): number {
    this.bars++;
    const variance = this.rv.push(pickBar(this.src, b));
    const mid = this.rv.mean;
    const width = this.k * Math.sqrt(variance);
    // NaN during the warm-up flows through to all three bands.
    this.upper.set(mid + width);
    this.middle.set(variance === variance ? mid : NaN);
    this.lower.set(mid - width);
    return this.emit(this.middle.value);
  }
  reset(): void {
    this.clear();
    this.upper.clear();
    this.middle.clear();
    this.lower.clear();
    this.rv.reset();
  }
}

/**
 * Average True Range, TA-Lib ATR: true range = max(high − low, |high − prevClose|, |low − prevClose|)
 * from the second bar; the first ATR (bar period + 1) is the mean of the first `period` true ranges,
 * then Wilder smoothing atr = (atr·(period − 1) + tr) / period. ATR(1) is the true range.
 */
export class Atr extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private prevClose = NaN;
  private atr = NaN;
  private trSum = 0;
  constructor(readonly period: number) {
    requirePeriod('atr', 'period', period, 1);
    super(label('atr', [period]), period + 1);
  }
  nextBar(b: OhlcvBar): number {
    const h = b.high, l = b.low, c = b.close;
    const i = this.bars++;
    const pc = this.prevClose;
    this.prevClose = c;
    if (i === 0) return this.emit(NaN);
    const tr = trueRange(h, l, pc);
    const n = this.period;
    if (i < n) {
      this.trSum += tr;
      return this.emit(NaN);
    }
    if (i === n) {
      this.trSum += tr;
      this.atr = this.trSum / n;
    } else {
      let a = this.atr * (n - 1);
      a += tr;
      this.atr = a / n;
    }
    return this.emit(this.atr);
  }
  reset(): void {
    this.clear();
    this.prevClose = NaN;
    this.atr = NaN;
    this.trSum = 0;
  }
}

/** True range (TA-Lib TRANGE order of comparisons). */
export function trueRange(h: number, l: number, prevClose: number): number {
  let out = h - l;
  const a = Math.abs(h - prevClose);
  if (a > out) out = a;
  const b = Math.abs(l - prevClose);
  if (b > out) out = b;
  return out;
}

/** Population standard deviation of `source` over `period` bars. */
export const stddev = (period: number, source?: PriceSource): StdDev => new StdDev(period, source);
/** Bollinger Bands(period, k): `.upper`, `.middle`, `.lower`; `value` is the middle band. */
export const bollinger = (period = 20, k = 2, source?: PriceSource): Bollinger => new Bollinger(period, k, source);
/** Average True Range over `period` bars (Wilder). */
export const atr = (period = 14): Atr => new Atr(period);
