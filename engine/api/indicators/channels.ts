import type { PriceSource } from '../indicator.js';
import { BarIndicator, pickBar, type MultiOutput, OutputSeries, label, requirePeriod, requireSource, type OhlcvBar } from './base.js';
import { WindowMax, WindowMin } from './rolling.js';

/**
 * The extreme `source` value of the last `period` bars, current bar included: one monotonic window over
 * sign × value, so the highest (sign 1) and the lowest (sign −1) share one implementation.
 */
abstract class WindowExtreme extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private readonly win: WindowMax;
  private readonly src: number;
  constructor(fn: 'highest' | 'lowest', readonly period: number, source: PriceSource, defaultSource: PriceSource, private readonly sign: 1 | -1) {
    requirePeriod(fn, 'period', period);
    const src = requireSource(fn, source);
    super(label(fn, [period], source, defaultSource), period);
    this.src = src;
    this.win = new WindowMax(period);
  }
  nextBar(b: OhlcvBar): number {
    const m = this.sign * this.win.push(this.sign * pickBar(this.src, b));
    return this.emit(++this.bars >= this.period ? m : NaN);
  }
  reset(): void {
    this.clear();
    this.win.reset();
  }
}

/** Highest `source` (default high) of the last `period` bars, current bar included (TA-Lib MAX). */
export class Highest extends WindowExtreme {
  constructor(period: number, source: PriceSource = 'high') {
    super('highest', period, source, 'high', 1);
  }
}

/** Lowest `source` (default low) of the last `period` bars, current bar included (TA-Lib MIN). */
export class Lowest extends WindowExtreme {
  constructor(period: number, source: PriceSource = 'low') {
    super('lowest', period, source, 'low', -1);
  }
}

/**
 * Donchian channel: upper = highest high and lower = lowest low of the last `period` bars (current
 * bar included), middle = (upper + lower) / 2. `value` is the middle. For a breakout entry compare
 * the close with the previous bar's band (`.upper.prev`), since the current bar is part of the window.
 */
export class Donchian extends BarIndicator implements MultiOutput {
  readonly outputs = ['upper', 'middle', 'lower'] as const;
  readonly upper = new OutputSeries();
  readonly middle = new OutputSeries();
  readonly lower = new OutputSeries();
  private readonly hi: WindowMax;
  private readonly lo: WindowMin;
  constructor(readonly period: number) {
    requirePeriod('donchian', 'period', period);
    super(label('donchian', [period]), period);
    this.hi = new WindowMax(period);
    this.lo = new WindowMin(period);
  }
  nextBar(b: OhlcvBar): number {
    const h = b.high, l = b.low;
    const up = this.hi.push(h);
    const dn = this.lo.push(l);
    if (++this.bars < this.period) {
      this.upper.set(NaN);
      this.lower.set(NaN);
      this.middle.set(NaN);
      return this.emit(NaN);
    }
    const mid = (up + dn) / 2;
    this.upper.set(up);
    this.lower.set(dn);
    this.middle.set(mid);
    return this.emit(mid);
  }
  reset(): void {
    this.clear();
    this.upper.clear();
    this.middle.clear();
    this.lower.clear();
    this.hi.reset();
    this.lo.reset();
  }
}

/** Highest `source` (default high) over `period` bars. */
export const highest = (period: number, source?: PriceSource): Highest => new Highest(period, source);
/** Lowest `source` (default low) over `period` bars. */
export const lowest = (period: number, source?: PriceSource): Lowest => new Lowest(period, source);
/** Donchian channel over `period` bars: `.upper`, `.middle`, `.lower`. */
export const donchian = (period = 20): Donchian => new Donchian(period);
