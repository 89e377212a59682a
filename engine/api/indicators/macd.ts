import type { PriceSource } from '../indicator.js';
import { UserError } from '../../domain/errors.js';
import { BarIndicator, pickBar, type MultiOutput, OutputSeries, label, requirePeriod, requireSource, type OhlcvBar } from './base.js';
import { EmaKernel } from './rolling.js';

/**
 * MACD with TA-Lib's seeding, so every value matches TA-Lib from the first one (bar slow + signal − 1):
 * - the slow EMA is seeded with the SMA of the first `slow` values;
 * - the fast EMA starts on the same bar as the slow one, seeded with the SMA of the `fast` values
 *   ending there (not of the first `fast` values — that is TA-Lib's alignment, and why libraries
 *   that seed the fast EMA earlier only converge after ~150 bars);
 * - the signal line is an EMA of the MACD line seeded with the SMA of its first `signal` values;
 * - histogram = macd − signal. All three outputs start on the same bar.
 */
export class Macd extends BarIndicator implements MultiOutput {
  readonly outputs = ['macd', 'signal', 'histogram'] as const;
  readonly macd = new OutputSeries();
  readonly signal = new OutputSeries();
  readonly histogram = new OutputSeries();
  private readonly fastEma: EmaKernel;
  private readonly slowEma: EmaKernel;
  private readonly signalEma: EmaKernel;
  /** The last `fast` inputs, only needed until the fast EMA is seeded. */
  private readonly recent: Float64Array;
  private readonly src: number;

  constructor(readonly fastPeriod: number, readonly slowPeriod: number, readonly signalPeriod: number, source: PriceSource = 'close') {
    requirePeriod('macd', 'fast', fastPeriod, 2);
    requirePeriod('macd', 'slow', slowPeriod, 2);
    requirePeriod('macd', 'signal', signalPeriod, 1);
    if (slowPeriod <= fastPeriod) throw new UserError(`macd: slow (${slowPeriod}) must be greater than fast (${fastPeriod})`);
    const src = requireSource('macd', source);
    super(label('macd', [fastPeriod, slowPeriod, signalPeriod], source), slowPeriod + signalPeriod - 1);
    this.src = src;
    this.fastEma = new EmaKernel(fastPeriod);
    this.slowEma = new EmaKernel(slowPeriod);
    this.signalEma = new EmaKernel(signalPeriod);
    this.recent = new Float64Array(fastPeriod);
  }

  nextBar(b: OhlcvBar): number {
    const x = pickBar(this.src, b);
    const i = this.bars++;
    const slow = this.slowEma.push(x);
    let fast: number;
    if (i < this.slowPeriod - 1) {
      this.recent[i % this.fastPeriod] = x;
      return this.publish(NaN, NaN);
    } else if (i === this.slowPeriod - 1) {
      this.recent[i % this.fastPeriod] = x;
      // Seed: the SMA of the `fast` values ending on this bar, summed oldest first (as TA-Lib).
      const n = this.fastPeriod;
      let s = 0;
      for (let j = i - n + 1; j <= i; j++) s += this.recent[j % n]!;
      fast = s / n;
      this.fastEma.seed(fast);
    } else {
      fast = this.fastEma.push(x);
    }
    const line = fast - slow;
    const sig = this.signalEma.push(line);
    if (Number.isNaN(sig)) return this.publish(NaN, NaN);
    return this.publish(line, sig);
  }

  private publish(line: number, sig: number): number {
    this.macd.set(line);
    this.signal.set(sig);
    this.histogram.set(line - sig);
    return this.emit(line);
  }

  reset(): void {
    this.clear();
    this.macd.clear();
    this.signal.clear();
    this.histogram.clear();
    this.fastEma.reset();
    this.slowEma.reset();
    this.signalEma.reset();
    this.recent.fill(0);
  }
}

/** MACD(fast, slow, signal) of close (TA-Lib): `.macd`, `.signal`, `.histogram`; `value` is the MACD line. */
export const macd = (fast = 12, slow = 26, signal = 9, source?: PriceSource): Macd => new Macd(fast, slow, signal, source);
