/**
 * Yardsticks for the research figure (issue 6), timed in the same process as the engine so the VM's speed
 * streaks hit them alike. Neither is the product; the bench prints them next to the engine's figure.
 *
 * - The reference's plain loop (../shared/reference/ref_strategy.mjs): the "731/s" yardstick. SMAs
 *   recomputed per trial, no equity curve, no metrics.
 * - An event loop with the strategy API's contract and nothing else: a bar object per bar, indicator
 *   objects with value/prev replayed from shared columns (as the engine's IndicatorCache does), the
 *   strategy's onBar(bar, state, ctx) with ctx.position(), market orders filled at the next open with the fee,
 *   and an equity point per bar (what the trial metrics read). No order objects, validation, broker, ledger or
 *   trade log. What any engine serving this API does at the least, so a ceiling for ours on this machine.
 */
import path from 'node:path';
import type { BarColumns } from '../../engine/domain/index.js';
import { SHARED } from '../helpers/cli.js';

type Reference = (open: Float64Array, close: Float64Array, n: number, opts: { fast: number; slow: number }) => { equity: number; trades: number };

export async function referenceLoop(): Promise<Reference> {
  const mod = (await import(path.join(SHARED, 'reference/ref_strategy.mjs'))) as { runReference: Reference };
  return mod.runReference;
}

/** SMA(p) of the closes, NaN before it is defined (the engine's sma kernel gives the same values: golden tests). */
export function smaColumn(close: Float64Array, p: number): Float64Array {
  const out = new Float64Array(close.length).fill(NaN);
  let sum = 0;
  for (let i = 0; i < close.length; i++) {
    sum += close[i]!;
    if (i >= p) sum -= close[i - p]!;
    if (i >= p - 1) out[i] = sum / p;
  }
  return out;
}

class Replayed {
  value = NaN;
  prev = NaN;
  constructor(readonly col: Float64Array) {}
}
class Position {
  size = 0;
  get isFlat(): boolean {
    return this.size === 0;
  }
  get isLong(): boolean {
    return this.size > 0;
  }
}
class MutableBar {
  openTime = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
}
class Ctx {
  readonly pos = new Position();
  /** +1 buy all-in at the next open, -1 sell all, 0 nothing. */
  pending = 0;
  position(): Position {
    return this.pos;
  }
  submit(side: 1 | -1): void {
    this.pending = side;
  }
}
type State = { readonly fast: Replayed; readonly slow: Replayed };

/** The reference strategy's rules as an onBar (crossedAbove/crossedBelow written out as the API defines them). */
const strategy = {
  onBar(_bar: MutableBar, s: State, ctx: Ctx): void {
    const pos = ctx.position();
    if (pos.isFlat) {
      if (s.fast.prev <= s.slow.prev && s.fast.value > s.slow.value) ctx.submit(1);
    } else if (pos.isLong && s.fast.prev >= s.slow.prev && s.fast.value < s.slow.value) ctx.submit(-1);
  },
};

/**
 * One all-in trial (fee 0.1 %, cash 10,000) through the bare event loop; writes the marked equity per bar
 * into `equity` and returns the final equity and closed trades (checked against the engine by the bench).
 */
export function eventLoopTrial(bars: BarColumns, fast: Float64Array, slow: Float64Array, warmup: number, equity: Float64Array): { equity: number; trades: number } {
  const ctx = new Ctx();
  const st: State = { fast: new Replayed(fast), slow: new Replayed(slow) };
  const inds = [st.fast, st.slow];
  const bar = new MutableBar();
  const pos = ctx.pos;
  const { openTime, open, high, low, close, volume } = bars;
  const n = bars.length;
  const fee = 0.001;
  let cash = 10_000;
  let trades = 0;
  for (let i = 0; i < n; i++) {
    bar.openTime = openTime[i]!;
    bar.open = open[i]!;
    bar.high = high[i]!;
    bar.low = low[i]!;
    bar.close = close[i]!;
    bar.volume = volume[i]!;
    if (ctx.pending !== 0) {
      const px = open[i]!;
      if (ctx.pending > 0) {
        const u = Math.floor(cash / (px * (1 + fee)));
        cash = cash - u * px;
        cash = cash - u * px * fee;
        pos.size = u;
      } else {
        const u = pos.size;
        cash = cash + u * px;
        cash = cash - u * px * fee;
        pos.size = 0;
        trades++;
      }
      ctx.pending = 0;
    }
    for (let k = 0; k < inds.length; k++) {
      const ind = inds[k]!;
      ind.prev = ind.value;
      ind.value = ind.col[i]!;
    }
    // A signal on the last bar is ignored (no next open), as in the engine.
    if (i >= warmup && i + 1 < n) strategy.onBar(bar, st, ctx);
    equity[i] = cash + pos.size * close[i]!;
  }
  return { equity: cash + pos.size * close[n - 1]!, trades };
}
