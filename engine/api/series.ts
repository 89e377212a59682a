import type { Series } from './indicator.js';

/**
 * True on the bar where `a` moves from at-or-below `b` to strictly above it:
 * a.prev ≤ b.prev and a.value > b.value. A number stands for a constant series (a level).
 * False while any of the four values is NaN (warm-up), so a cross is never reported from undefined.
 * Same rule as the reference workload: crossUp[i] = fast[i−1] ≤ slow[i−1] && fast[i] > slow[i].
 */
export function crossedAbove(a: Series | number, b: Series | number): boolean {
  // Two series (the hot case) compare their fields directly: merging a number argument with a field
  // value into one variable would make V8 box every field read (an allocation per call).
  if (typeof a !== 'number' && typeof b !== 'number') return a.prev <= b.prev && a.value > b.value;
  return levelCrossedAbove(a, b);
}

/**
 * True on the bar where `a` moves from at-or-above `b` to strictly below it:
 * a.prev ≥ b.prev and a.value < b.value. False while any value is NaN.
 */
export function crossedBelow(a: Series | number, b: Series | number): boolean {
  if (typeof a !== 'number' && typeof b !== 'number') return a.prev >= b.prev && a.value < b.value;
  return levelCrossedAbove(b, a);
}

/** crossedAbove where either side may be a level. Comparisons with NaN are false, so NaN anywhere yields false. */
function levelCrossedAbove(a: Series | number, b: Series | number): boolean {
  const aPrev = typeof a === 'number' ? a : a.prev;
  const aNow = typeof a === 'number' ? a : a.value;
  const bPrev = typeof b === 'number' ? b : b.prev;
  const bNow = typeof b === 'number' ? b : b.value;
  return aPrev <= bPrev && aNow > bNow;
}
