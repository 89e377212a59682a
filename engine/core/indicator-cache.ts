import type { BarColumns } from '../domain/index.js';
import type { Indicator } from '../api/indicator.js';

/** An indicator whose output may be shared (engine/api BaseIndicator kernels with a replayKey). */
export interface ReplayableIndicator extends Indicator {
  readonly replayKey: string | undefined;
  replay(col: Float64Array, at: number): void;
}

export function isReplayable(ind: Indicator): ind is ReplayableIndicator {
  const r = ind as Partial<ReplayableIndicator>;
  return typeof r.replay === 'function' && typeof r.replayKey === 'string';
}

/**
 * Indicator outputs shared by many backtests over the same bars: what makes a parameter sweep compute
 * `sma(20)` once per series instead of once per trial. A column holds an indicator's value after each bar
 * of a series; it is keyed by the bars (object identity), the indicator's class and its replayKey (its
 * name, which states every argument), so only indicators that would compute the very same numbers share
 * one. Replaying gives bit-identical values, `prev` and `ready` (tested against feeding every indicator).
 * Bounded: beyond `maxBytes` new columns are not kept and those indicators are fed as usual.
 */
export class IndicatorCache {
  private readonly byBars = new WeakMap<BarColumns, Map<unknown, Map<string, Float64Array>>>();
  private bytes = 0;
  /** Columns computed and reused, for benchmarks and tests. */
  readonly stats = { computed: 0, reused: 0 };

  constructor(readonly maxBytes = 256 * 2 ** 20) {}

  /**
   * The column of `ind` over `bars`: from the cache, or computed now by feeding `ind` every bar and then
   * resetting it (so it is as freshly constructed). Undefined when it cannot be shared or the cache is full.
   */
  column(bars: BarColumns, ind: Indicator): Float64Array | undefined {
    if (!isReplayable(ind)) return undefined;
    const key = ind.replayKey!;
    let byClass = this.byBars.get(bars);
    if (!byClass) this.byBars.set(bars, (byClass = new Map()));
    let byKey = byClass.get(ind.constructor);
    if (!byKey) byClass.set(ind.constructor, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit) {
      this.stats.reused++;
      return hit;
    }
    const size = bars.length * 8;
    if (this.bytes + size > this.maxBytes) return undefined;
    const col = new Float64Array(bars.length);
    const { open: o, high: h, low: l, close: c, volume: v } = bars;
    for (let i = 0; i < col.length; i++) {
      ind.next(o[i]!, h[i]!, l[i]!, c[i]!, v[i]!);
      col[i] = ind.value;
    }
    ind.reset();
    byKey.set(key, col);
    this.bytes += size;
    this.stats.computed++;
    return col;
  }
}
