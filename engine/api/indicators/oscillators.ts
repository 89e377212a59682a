import type { PriceSource } from '../indicator.js';
import { BarIndicator, pickBar, type MultiOutput, OutputSeries, label, requirePeriod, requireSource, type OhlcvBar } from './base.js';
import { RollingWindow, WindowMax, WindowMin } from './rolling.js';

/**
 * Fast stochastic, TA-Lib STOCHF with an SMA %D: %K = (close − lowest low) / ((highest high − lowest low) / 100)
 * over `kPeriod` bars (0 when the window is flat), %D = SMA(dPeriod) of %K. Both outputs start on
 * bar kPeriod + dPeriod − 1, as in TA-Lib. `value` is %K.
 */
export class Stochastic extends BarIndicator implements MultiOutput {
  readonly outputs = ['k', 'd'] as const;
  readonly k = new OutputSeries();
  readonly d = new OutputSeries();
  private readonly hi: WindowMax;
  private readonly lo: WindowMin;
  private readonly dWin: RollingWindow;
  constructor(readonly kPeriod: number, readonly dPeriod: number) {
    requirePeriod('stochastic', 'kPeriod', kPeriod);
    requirePeriod('stochastic', 'dPeriod', dPeriod);
    super(label('stochastic', [kPeriod, dPeriod]), kPeriod + dPeriod - 1);
    this.hi = new WindowMax(kPeriod);
    this.lo = new WindowMin(kPeriod);
    this.dWin = new RollingWindow(dPeriod);
  }
  nextBar(b: OhlcvBar): number {
    const h = b.high, l = b.low, c = b.close;
    const hh = this.hi.push(h);
    const ll = this.lo.push(l);
    if (++this.bars < this.warmup) return this.warmupStep(hh, ll, c);
    const diff = (hh - ll) / 100;
    const k = diff !== 0 ? (c - ll) / diff : 0;
    const dw = this.dWin;
    dw.push(k);
    return this.publish(k, dw.sum / dw.size);
  }
  private warmupStep(hh: number, ll: number, c: number): number {
    if (this.bars >= this.kPeriod) {
      const diff = (hh - ll) / 100;
      this.dWin.push(diff !== 0 ? (c - ll) / diff : 0);
    }
    return this.publish(NaN, NaN);
  }
  private publish(k: number, d: number): number {
    this.k.set(k);
    this.d.set(d);
    return this.emit(k);
  }
  reset(): void {
    this.clear();
    this.k.clear();
    this.d.clear();
    this.hi.reset();
    this.lo.reset();
    this.dWin.reset();
  }
}

/**
 * Williams %R, TA-Lib WILLR: (highest high − close) / ((highest high − lowest low) / −100) over `period`
 * bars, in [−100, 0]; 0 on a flat window (technicalindicators gives NaN there).
 */
export class WilliamsR extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private readonly hi: WindowMax;
  private readonly lo: WindowMin;
  constructor(readonly period: number) {
    requirePeriod('williamsR', 'period', period, 2);
    super(label('williamsR', [period]), period);
    this.hi = new WindowMax(period);
    this.lo = new WindowMin(period);
  }
  nextBar(b: OhlcvBar): number {
    const h = b.high, l = b.low, c = b.close;
    const hh = this.hi.push(h);
    const ll = this.lo.push(l);
    if (++this.bars < this.period) return this.emit(NaN);
    const diff = (hh - ll) / -100;
    return this.emit(diff !== 0 ? (hh - c) / diff : 0);
  }
  reset(): void {
    this.clear();
    this.hi.reset();
    this.lo.reset();
  }
}

/**
 * Commodity Channel Index, TA-Lib CCI: typical price tp = (high + low + close) / 3,
 * cci = (tp − mean) / (0.015 · mean absolute deviation) over `period` bars; 0 when tp equals the mean
 * or the window is flat (technicalindicators gives NaN or ±66.67 there).
 * Cost O(period) per bar: the mean absolute deviation around a moving mean has no exact O(1) update.
 */
export class Cci extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private readonly buf: Float64Array;
  constructor(readonly period: number) {
    requirePeriod('cci', 'period', period, 2);
    super(label('cci', [period]), period);
    this.buf = new Float64Array(period);
  }
  nextBar(b: OhlcvBar): number {
    const h = b.high, l = b.low, c = b.close;
    const n = this.period;
    const tp = (h + l + c) / 3;
    const buf = this.buf;
    // Slot = bar index mod n, and sums run over the slots in order: the same order as TA-Lib.
    buf[this.bars % n] = tp;
    if (++this.bars < n) return this.emit(NaN);
    let sum = 0;
    let flat = true;
    for (let j = 0; j < n; j++) {
      const x = buf[j]!;
      sum += x;
      if (x !== tp) flat = false;
    }
    if (flat) return this.emit(0);
    const mean = sum / n;
    let dev = 0;
    for (let j = 0; j < n; j++) dev += Math.abs(buf[j]! - mean);
    const num = tp - mean;
    return this.emit(num !== 0 && dev !== 0 ? num / (0.015 * (dev / n)) : 0);
  }
  reset(): void {
    this.clear();
    this.buf.fill(0);
  }
}

/**
 * Rate of change in percent, TA-Lib ROC: (x / x[period bars ago] − 1) · 100; 0 when the old value is 0.
 * First value on bar period + 1.
 */
export class Roc extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private readonly win: Float64Array;
  private readonly src: number;
  constructor(readonly period: number, source: PriceSource = 'close') {
    requirePeriod('roc', 'period', period);
    const src = requireSource('roc', source);
    super(label('roc', [period], source), period + 1);
    this.src = src;
    this.win = new Float64Array(period);
  }
  nextBar(b: OhlcvBar): number {
    const x = pickBar(this.src, b);
    const slot = this.bars % this.period;
    const old = this.win[slot]!;
    this.win[slot] = x;
    if (++this.bars <= this.period) return this.emit(NaN);
    return this.emit(old !== 0 ? (x / old - 1) * 100 : 0);
  }
  reset(): void {
    this.clear();
    this.win.fill(0);
  }
}

/** Fast stochastic(kPeriod, dPeriod): `.k`, `.d` (SMA of %K); `value` is %K. */
export const stochastic = (kPeriod = 14, dPeriod = 3): Stochastic => new Stochastic(kPeriod, dPeriod);
/** Williams %R over `period` bars. */
export const williamsR = (period = 14): WilliamsR => new WilliamsR(period);
/** Commodity Channel Index over `period` bars. */
export const cci = (period = 20): Cci => new Cci(period);
/** Rate of change (percent) of `source` over `period` bars. */
export const roc = (period = 10, source?: PriceSource): Roc => new Roc(period, source);
