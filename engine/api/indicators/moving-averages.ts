import type { PriceSource } from '../indicator.js';
import { BarIndicator, pickBar, label, requirePeriod, requireSource, type OhlcvBar } from './base.js';
import { CompensatedSum, EmaKernel, RollingWindow } from './rolling.js';

/**
 * Simple moving average of the last `period` values of `source` (default close).
 * TA-Lib SMA: first value on bar `period` (warmup = period).
 * The same compensated rolling sum as RollingWindow, written out inline: this is the hottest kernel.
 */
export class Sma extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private readonly buf: Float64Array;
  private readonly src: number;
  private readonly recomputeEvery: number;
  private pos = 0;
  private count = 0;
  private s = 0;
  private c = 0;
  private nonzero = 0;
  private sinceExact = 0;
  constructor(readonly period: number, source: PriceSource = 'close') {
    requirePeriod('sma', 'period', period);
    const src = requireSource('sma', source);
    super(label('sma', [period], source), period);
    this.src = src;
    this.buf = new Float64Array(period);
    this.recomputeEvery = Math.max(period, 1024);
  }
  nextBar(b: OhlcvBar): number {
    const x = pickBar(this.src, b);
    const buf = this.buf;
    const n = this.period;
    let pos = this.pos;
    let s = this.s;
    let c = this.c;
    this.bars++;
    if (this.count === n) {
      const old = -buf[pos]!;
      if (old !== 0) this.nonzero--;
      // Knuth's TwoSum: the exact rounding error of s + old, without a branch.
      const t = s + old;
      const bp = t - s;
      c += s - (t - bp) + (old - bp);
      s = t;
    } else {
      this.count++;
    }
    buf[pos] = x;
    if (x !== 0) this.nonzero++;
    const t = s + x;
    const bp = t - s;
    c += s - (t - bp) + (x - bp);
    s = t;
    this.pos = ++pos === n ? 0 : pos;
    if (this.nonzero === 0) {
      s = 0;
      c = 0;
    } else if (++this.sinceExact >= this.recomputeEvery) {
      this.s = s;
      this.c = c;
      this.exact();
      s = this.s;
      c = this.c;
    }
    this.s = s;
    this.c = c;
    return this.emit(this.count === n ? (s + c) / n : NaN);
  }
  /** Exact compensated sum of the window, oldest first (kept out of `next` so that stays small enough to inline). */
  private exact(): void {
    const buf = this.buf;
    const n = this.period;
    let s = 0;
    let c = 0;
    for (let k = 0; k < n; k++) {
      let j = this.pos + k;
      if (j >= n) j -= n;
      const y = buf[j]!;
      const u = s + y;
      const bp = u - s;
      c += s - (u - bp) + (y - bp);
      s = u;
    }
    this.s = s;
    this.c = c;
    this.sinceExact = 0;
  }
  reset(): void {
    this.clear();
    this.buf.fill(0);
    this.pos = 0;
    this.count = 0;
    this.s = 0;
    this.c = 0;
    this.nonzero = 0;
    this.sinceExact = 0;
  }
}

/**
 * Exponential moving average, TA-Lib EMA: k = 2 / (period + 1), seeded with the SMA of the first
 * `period` values, so the first value (bar `period`) equals the SMA and every later one matches TA-Lib.
 */
export class Ema extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private readonly kernel: EmaKernel;
  private readonly src: number;
  constructor(readonly period: number, source: PriceSource = 'close') {
    requirePeriod('ema', 'period', period);
    const src = requireSource('ema', source);
    super(label('ema', [period], source), period);
    this.src = src;
    this.kernel = new EmaKernel(period);
  }
  nextBar(b: OhlcvBar): number {
    this.bars++;
    return this.emit(this.kernel.push(pickBar(this.src, b)));
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
export class Wma extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
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
  nextBar(b: OhlcvBar): number {
    const x = pickBar(this.src, b);
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
