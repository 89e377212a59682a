import { UserError } from '../domain/index.js';

/** One walk-forward step: optimise on [isFrom, isTo), then trade the winner on [oosFrom, oosTo) — bar indices. */
export type WalkWindow = { readonly index: number; readonly isFrom: number; readonly isTo: number; readonly oosFrom: number; readonly oosTo: number };

export type WindowSize = { readonly bars: number } | { readonly ms: number };

/**
 * Plans walk-forward windows over bars with the given open times.
 * - rolling: the in-sample window slides, keeping its size;
 * - anchored: the in-sample window always starts at the first bar and grows.
 * Consecutive out-of-sample windows are adjacent and never overlap, so their stitched equity is one
 * continuous out-of-sample record. A last partial out-of-sample window is kept when it has at least half the size.
 */
export function planWindows(openTime: ArrayLike<number>, opts: { inSample: WindowSize; outOfSample: WindowSize; mode: 'rolling' | 'anchored' }): WalkWindow[] {
  const n = openTime.length;
  if (n === 0) throw new UserError('walk-forward: no bars in the range');
  const toBars = (s: WindowSize, what: string): number => {
    if ('bars' in s) {
      if (!Number.isInteger(s.bars) || s.bars < 1) throw new UserError(`walk-forward: ${what} must be a positive number of bars`);
      return s.bars;
    }
    const t0 = openTime[0]!;
    let i = 0;
    while (i < n && openTime[i]! < t0 + s.ms) i++;
    if (i < 1) throw new UserError(`walk-forward: ${what} is shorter than one bar`);
    return i;
  };
  const isBars = toBars(opts.inSample, 'the in-sample window');
  const oosBars = toBars(opts.outOfSample, 'the out-of-sample window');
  if (isBars + oosBars > n) {
    throw new UserError(`walk-forward: in-sample (${isBars} bars) + out-of-sample (${oosBars} bars) is longer than the data (${n} bars)`);
  }
  const out: WalkWindow[] = [];
  for (let oosFrom = isBars, k = 0; oosFrom < n; oosFrom += oosBars, k++) {
    const oosTo = Math.min(n, oosFrom + oosBars);
    if (oosTo - oosFrom < Math.ceil(oosBars / 2) && out.length > 0) break;
    const isFrom = opts.mode === 'anchored' ? 0 : oosFrom - isBars;
    out.push({ index: k, isFrom, isTo: oosFrom, oosFrom, oosTo });
  }
  return out;
}

/**
 * Stitches out-of-sample equity segments into one curve that compounds: each segment is scaled so that
 * it starts where the previous one ended (the first starts at `startEquity`).
 */
export function stitchEquity(segments: readonly { time: ArrayLike<number>; equity: ArrayLike<number>; startEquity: number }[], startEquity: number): { time: Float64Array; equity: Float64Array } {
  const total = segments.reduce((s, x) => s + x.equity.length, 0);
  const time = new Float64Array(total), equity = new Float64Array(total);
  let level = startEquity, j = 0;
  for (const s of segments) {
    const scale = s.startEquity > 0 ? level / s.startEquity : 0;
    for (let i = 0; i < s.equity.length; i++, j++) {
      time[j] = s.time[i]!;
      equity[j] = s.equity[i]! * scale;
    }
    if (s.equity.length) level = equity[j - 1]!;
  }
  return { time, equity };
}
