import type { Bar, BarColumns, InstrumentId, Timeframe } from '../domain/index.js';

/**
 * The closed bars of one series the strategy may look back on. The kernel pushes each bar as it
 * closes; `last(n)` never returns more than what has been pushed, so no future bar can leak.
 */
export interface BarHistory {
  readonly count: number;
  push(bar: Bar): void;
  last(n: number): Bar[];
}

/** Backtest history over stored columns: pushing only advances a cursor (no copy per bar). */
export class ColumnsHistory implements BarHistory {
  count = 0;
  constructor(
    private readonly cols: BarColumns,
    private readonly instrument: InstrumentId,
    private readonly timeframe: Timeframe,
  ) {}
  push(_bar: Bar): void {
    this.count++;
  }
  last(n: number): Bar[] {
    const end = this.count;
    const start = Math.max(0, end - Math.max(0, Math.floor(n)));
    const c = this.cols;
    const out: Bar[] = [];
    for (let i = start; i < end; i++) {
      out.push({ instrument: this.instrument, timeframe: this.timeframe, openTime: c.openTime[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! });
    }
    return out;
  }
}

/** Live history: a ring buffer of the last `capacity` bars. */
export class RingHistory implements BarHistory {
  count = 0;
  private readonly buf: Bar[] = [];
  constructor(private readonly capacity = 2000) {}
  push(bar: Bar): void {
    const copy: Bar = { ...bar };
    if (this.buf.length < this.capacity) this.buf.push(copy);
    else this.buf[this.count % this.capacity] = copy;
    this.count++;
  }
  last(n: number): Bar[] {
    const k = Math.min(Math.max(0, Math.floor(n)), this.buf.length);
    const out: Bar[] = [];
    for (let i = this.count - k; i < this.count; i++) out.push({ ...this.buf[i % this.capacity]! });
    return out;
  }
}
