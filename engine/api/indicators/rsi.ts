import type { PriceSource } from '../indicator.js';
import { BarIndicator, pickBar, label, requirePeriod, requireSource, type OhlcvBar } from './base.js';

/**
 * Relative Strength Index, TA-Lib RSI (Wilder): the average gain and loss are seeded with the plain
 * mean of the first `period` changes, then smoothed avg = (avg·(period − 1) + x) / period. First value
 * on bar period + 1; RSI = 100·gain / (gain + loss), and 0 when there was no movement at all.
 * Full precision (technicalindicators rounds RSI to 2 decimals).
 * Deviation from TA-Lib, on purpose: TA-Lib treats gain + loss below 1e-8 as zero, which breaks
 * sub-cent assets; we test for exactly zero. Identical on the golden data.
 */
export class Rsi extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private readonly src: number;
  private prevX = NaN;
  private gain = 0;
  private loss = 0;
  constructor(readonly period: number, source: PriceSource = 'close') {
    requirePeriod('rsi', 'period', period, 2);
    const src = requireSource('rsi', source);
    super(label('rsi', [period], source), period + 1);
    this.src = src;
  }
  nextBar(b: OhlcvBar): number {
    const x = pickBar(this.src, b);
    const d = x - this.prevX;
    this.prevX = x;
    // Branch-free form of TA-Lib's `if (d < 0) loss -= d; else gain += d` (adding +0 changes no bit);
    // price changes are a coin flip, so a branch would mispredict half the time.
    const up = Math.max(d, 0);
    const down = Math.max(-d, 0);
    const i = this.bars++;
    const n = this.period;
    if (i <= n) return this.seedStep(i, up, down);
    // Wilder smoothing, in TA-Lib's order of operations: avg·(n − 1), + x, / n.
    const loss = (this.loss * (n - 1) + down) / n;
    const gain = (this.gain * (n - 1) + up) / n;
    this.loss = loss;
    this.gain = gain;
    const total = gain + loss;
    return this.emit(total !== 0 ? 100 * (gain / total) : 0);
  }
  /** Bars 0…period: sum the first `period` changes, then their mean seeds the averages (kept out of `next` so it inlines). */
  private seedStep(i: number, up: number, down: number): number {
    if (i === 0) return this.emit(NaN);
    this.loss += down;
    this.gain += up;
    const n = this.period;
    if (i < n) return this.emit(NaN);
    this.loss /= n;
    this.gain /= n;
    const total = this.gain + this.loss;
    return this.emit(total !== 0 ? 100 * (this.gain / total) : 0);
  }
  reset(): void {
    this.clear();
    this.prevX = NaN;
    this.gain = 0;
    this.loss = 0;
  }
}

/** RSI of `source` (default close) over `period` bars (Wilder, TA-Lib seeding). */
export const rsi = (period = 14, source?: PriceSource): Rsi => new Rsi(period, source);
