import { BarIndicator, label, requirePeriod, type OhlcvBar } from './base.js';
import { RollingWindow } from './rolling.js';

/**
 * Money Flow Index, TA-Lib MFI: typical price tp = (high + low + close) / 3, raw flow tp·volume counted
 * as positive when tp rose, negative when it fell, and neither when tp is unchanged (technicalindicators
 * counts it as negative). MFI = 100·positive / (positive + negative) over `period` bars; first value on
 * bar period + 1. When the window has no flow at all the result is 0 (TA-Lib: total below 1.0 → 0;
 * we test for exactly 0 so tiny-volume markets still get a value).
 */
export class Mfi extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private readonly pos: RollingWindow;
  private readonly neg: RollingWindow;
  private prevTp = NaN;
  constructor(readonly period: number) {
    requirePeriod('mfi', 'period', period, 2);
    super(label('mfi', [period]), period + 1);
    this.pos = new RollingWindow(period);
    this.neg = new RollingWindow(period);
  }
  nextBar(b: OhlcvBar): number {
    const h = b.high, l = b.low, c = b.close, v = b.volume;
    const tp = (h + l + c) / 3;
    const change = tp - this.prevTp;
    this.prevTp = tp;
    if (this.bars++ === 0) return this.emit(NaN);
    const flow = tp * v;
    if (change < 0) {
      this.pos.push(0);
      this.neg.push(flow);
    } else if (change > 0) {
      this.pos.push(flow);
      this.neg.push(0);
    } else {
      this.pos.push(0);
      this.neg.push(0);
    }
    if (this.pos.count < this.period) return this.emit(NaN);
    const p = this.pos.sum;
    const total = p + this.neg.sum;
    return this.emit(total !== 0 ? 100 * (p / total) : 0);
  }
  reset(): void {
    this.clear();
    this.pos.reset();
    this.neg.reset();
    this.prevTp = NaN;
  }
}

/**
 * On-Balance Volume, TA-Lib OBV: starts at the first bar's volume (technicalindicators starts at 0),
 * then adds the volume on an up close and subtracts it on a down close. A plain cumulative sum, as in
 * TA-Lib, so the two agree to the last bit.
 */
export class Obv extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private obv = 0;
  private prevClose = NaN;
  constructor() {
    super('obv', 1);
  }
  nextBar(b: OhlcvBar): number {
    const c = b.close, v = b.volume;
    if (this.bars++ === 0) this.obv = v;
    else if (c > this.prevClose) this.obv += v;
    else if (c < this.prevClose) this.obv -= v;
    this.prevClose = c;
    return this.emit(this.obv);
  }
  reset(): void {
    this.clear();
    this.obv = 0;
    this.prevClose = NaN;
  }
}

/**
 * Accumulation/Distribution line, TA-Lib AD: adds ((close − low) − (high − close)) / (high − low) · volume
 * each bar; a bar with high == low adds nothing (technicalindicators adds the whole volume).
 */
export class Ad extends BarIndicator {
  /** Its output depends on its name (every argument) and the bars only: identical instances may share it (BaseIndicator.replayKey). */
  override get replayKey(): string {
    return this.name;
  }
  private ad = 0;
  constructor() {
    super('ad', 1);
  }
  nextBar(b: OhlcvBar): number {
    const h = b.high, l = b.low, c = b.close, v = b.volume;
    this.bars++;
    const range = h - l;
    if (range > 0) this.ad += ((c - l - (h - c)) / range) * v;
    return this.emit(this.ad);
  }
  reset(): void {
    this.clear();
    this.ad = 0;
  }
}

/** Money Flow Index over `period` bars. */
export const mfi = (period = 14): Mfi => new Mfi(period);
/** On-Balance Volume. */
export const obv = (): Obv => new Obv();
/** Accumulation/Distribution line. */
export const ad = (): Ad => new Ad();
