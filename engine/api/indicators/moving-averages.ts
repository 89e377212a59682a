import type { PriceSource } from '../indicator.js';
import { BaseIndicator, label, pick, requirePeriod, requireSource } from './base.js';
import { CompensatedSum, EmaKernel, RollingWindow } from './rolling.js';

/**
 * Simple moving average of the last `period` values of `source` (default close).
 * TA-Lib SMA: first value on bar `period` (warmup = period).
 */
export class Sma extends BaseIndicator {
  private readonly win: RollingWindow;
  private readonly src: number;
  constructor(readonly period: number, source: PriceSource = 'close') {
    requirePeriod('sma', 'period', period);
    const src = requireSource('sma', source);
    super(label('sma', [period], source), period);
    this.src = src;
    this.win = new RollingWindow(period);
  }
  next(o: number, h: number, l: number, c: number, v: number): number {
    const win = this.win;
    win.push(this.src === 3 ? c : pick(this.src, o, h, l, c, v));
    this.bars++;
    return this.emit(win.count === win.size ? win.sum / win.size : NaN);
  }
  reset(): void {
    this.clear();
    this.win.reset();
  }
}

/**
 * Exponential moving average, TA-Lib EMA: k = 2 / (period + 1), seeded with the SMA of the first
 * `period` values, so the first value (bar `period`) equals the SMA and every later one matches TA-Lib.
 */
export class Ema extends BaseIndicator {
  private readonly kernel: EmaKernel;
  private readonly src: number;
  constructor(readonly period: number, source: PriceSource = 'close') {
    requirePeriod('ema', 'period', period);
    const src = requireSource('ema', source);
    super(label('ema', [period], source), period);
    this.src = src;
    this.kernel = new EmaKernel(period);
  }
  next(o: number, h: number, l: number, c: number, v: number): number {
    this.bars++;
    return this.emit(this.kernel.push(this.src === 3 ? c : pick(this.src, o, h, l, c, v)));
  }
  reset(): void {
    this.clear();
    this.kernel.reset();
  }
}

/**
 * Linearly weighted moving average (weights 1…period, newest heaviest), TA-Lib WMA.
 * O(1): the weighted sum drops the plain sum and adds period·x each bar (compensated sums); both are
 * recomputed exactly once per window to bound rounding drift.
 */
export class Wma extends BaseIndicator {
  private readonly win: RollingWindow;
  private readonly src: number;
  private readonly divider: number;
  private readonly weighted = new CompensatedSum();
  private sinceExact = 0;
  constructor(readonly period: number, source: PriceSource = 'close') {
    requirePeriod('wma', 'period', period);
    const src = requireSource('wma', source);
    super(label('wma', [period], source), period);
    this.src = src;
    this.win = new RollingWindow(period);
    this.divider = (period * (period + 1)) / 2;
  }
  next(o: number, h: number, l: number, c: number, v: number): number {
    const x = this.src === 3 ? c : pick(this.src, o, h, l, c, v);
    const win = this.win;
    const n = this.period;
    this.bars++;
    if (win.count < n) {
      win.push(x);
      if (win.count < n) return this.emit(NaN);
      this.exact();
    } else {
      // Drop one weight from every value: subtract the window sum, both of its compensated parts.
      const sHi = win.acc.s;
      const sLo = win.acc.c;
      win.push(x);
      this.weighted.add(n * x);
      this.weighted.add(-sHi);
      this.weighted.add(-sLo);
      if (++this.sinceExact >= n) this.exact();
    }
    return this.emit(this.weighted.value / this.divider);
  }
  private exact(): void {
    const buf = this.win.buf;
    const n = this.period;
    const start = this.win.pos; // oldest
    const w = this.weighted;
    w.set(0);
    for (let i = 0; i < n; i++) {
      let j = start + i;
      if (j >= n) j -= n;
      w.add((i + 1) * buf[j]!);
    }
    this.sinceExact = 0;
  }
  reset(): void {
    this.clear();
    this.win.reset();
    this.weighted.set(0);
    this.sinceExact = 0;
  }
}

/** Simple moving average of `source` (default close) over `period` bars. */
export const sma = (period: number, source?: PriceSource): Sma => new Sma(period, source);
/** Exponential moving average (TA-Lib seeding) of `source` over `period` bars. */
export const ema = (period: number, source?: PriceSource): Ema => new Ema(period, source);
/** Linearly weighted moving average of `source` over `period` bars. */
export const wma = (period: number, source?: PriceSource): Wma => new Wma(period, source);
