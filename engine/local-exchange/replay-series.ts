import type { BarColumns, EpochMs, Timeframe } from '../domain/index.js';
import { timeframeMs } from '../domain/index.js';

/** Ticks per bar of the replayed price path. */
export const TICKS_PER_BAR = 4;

/**
 * The price path of one series, replayed bar by bar.
 *
 * Rule (documented for users and tests): each bar is walked as four ticks at 0, ¼, ½ and ¾ of the bar:
 * open → low → high → close for a bar that closes at or above its open, and open → high → low → close
 * for a bar that closes below it. The current price is the price of the current tick, so right after
 * `advanceBar()` it is the new bar's open: a market order sent then fills at that open, exactly like the
 * simulated broker fills an order submitted on the previous bar's close.
 */
export class ReplaySeries {
  readonly tfMs: number;
  /** Position = barIndex × TICKS_PER_BAR + tick; −1 before the first bar. */
  private pos = -1;

  constructor(readonly timeframe: Timeframe, readonly bars: BarColumns) {
    this.tfMs = timeframeMs(timeframe);
  }

  get position(): number {
    return this.pos;
  }

  get barIndex(): number {
    return this.pos < 0 ? -1 : Math.floor(this.pos / TICKS_PER_BAR);
  }

  /** The position the path is at for replay time `t` (−1 before the first bar). */
  positionAt(t: EpochMs): number {
    const ot = this.bars.openTime;
    const n = this.bars.length;
    if (n === 0 || t < ot[0]!) return -1;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ot[mid]! <= t) lo = mid; else hi = mid - 1;
    }
    const frac = (t - ot[lo]!) / this.tfMs;
    const tick = Math.min(TICKS_PER_BAR - 1, Math.floor(frac * TICKS_PER_BAR));
    return lo * TICKS_PER_BAR + tick;
  }

  tickPrice(position: number): number {
    const i = Math.floor(position / TICKS_PER_BAR);
    const tick = position - i * TICKS_PER_BAR;
    const b = this.bars;
    const up = b.close[i]! >= b.open[i]!;
    switch (tick) {
      case 0: return b.open[i]!;
      case 1: return up ? b.low[i]! : b.high[i]!;
      case 2: return up ? b.high[i]! : b.low[i]!;
      default: return b.close[i]!;
    }
  }

  /** Current price, or undefined before the first bar. */
  price(): number | undefined {
    return this.pos < 0 ? undefined : this.tickPrice(this.pos);
  }

  /** Moves forward to `target`, calling `onTick(price)` for every tick passed (in order). */
  advanceTo(target: number, onTick: (price: number) => void): void {
    while (this.pos < target) {
      this.pos++;
      onTick(this.tickPrice(this.pos));
    }
  }

  /** Open time of the bar after the current one, or undefined at the last bar. */
  nextOpenTime(): EpochMs | undefined {
    const i = this.barIndex + 1;
    return i < this.bars.length ? this.bars.openTime[i] : undefined;
  }

  /**
   * Bar `i` as Binance kline values. The current bar is "forming": its high/low/close cover only the ticks
   * walked so far and its volume is the fraction of ticks walked.
   */
  kline(i: number): { openTime: EpochMs; open: number; high: number; low: number; close: number; volume: number } {
    const b = this.bars;
    const full = { openTime: b.openTime[i]!, open: b.open[i]!, high: b.high[i]!, low: b.low[i]!, close: b.close[i]!, volume: b.volume[i]! };
    if (i !== this.barIndex) return full;
    const last = this.pos - i * TICKS_PER_BAR;
    let high = -Infinity, low = Infinity, close = full.open;
    for (let k = 0; k <= last; k++) {
      const p = this.tickPrice(i * TICKS_PER_BAR + k);
      if (p > high) high = p;
      if (p < low) low = p;
      close = p;
    }
    return { openTime: full.openTime, open: full.open, high, low, close, volume: (full.volume * last) / (TICKS_PER_BAR - 1) };
  }
}
