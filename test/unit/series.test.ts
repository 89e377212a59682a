import { describe, expect, it } from 'vitest';
import type { Series } from '../../engine/api/indicator.js';
import { crossedAbove, crossedBelow } from '../../engine/api/series.js';

const s = (prev: number, value: number): Series => ({ prev, value });

describe('crossedAbove / crossedBelow', () => {
  it('reports a cross above when a moves from at-or-below b to strictly above it', () => {
    expect(crossedAbove(s(1, 3), s(2, 2))).toBe(true);
    expect(crossedAbove(s(2, 3), s(2, 2))).toBe(true); // touching on the previous bar counts
    expect(crossedAbove(s(3, 4), s(2, 2))).toBe(false); // already above
    expect(crossedAbove(s(1, 2), s(2, 2))).toBe(false); // only touches now
  });

  it('reports a cross below when a moves from at-or-above b to strictly below it', () => {
    expect(crossedBelow(s(3, 1), s(2, 2))).toBe(true);
    expect(crossedBelow(s(2, 1), s(2, 2))).toBe(true);
    expect(crossedBelow(s(1, 0), s(2, 2))).toBe(false);
    expect(crossedBelow(s(3, 2), s(2, 2))).toBe(false);
  });

  it('treats a number as a constant level', () => {
    expect(crossedAbove(s(29, 31), 30)).toBe(true);
    expect(crossedBelow(s(71, 69), 70)).toBe(true);
    expect(crossedAbove(30, s(31, 29))).toBe(true);
    expect(crossedAbove(5, 5)).toBe(false);
  });

  it('is false while any value is NaN (warm-up)', () => {
    for (const [a, b] of [[s(NaN, 3), s(2, 2)], [s(1, NaN), s(2, 2)], [s(1, 3), s(NaN, 2)], [s(1, 3), s(2, NaN)], [s(1, 3), NaN]] as const) {
      expect(crossedAbove(a, b)).toBe(false);
      expect(crossedBelow(b, a)).toBe(false);
    }
  });

  it('never reports both directions on the same bar', () => {
    const vals = [-1, 0, 1];
    for (const ap of vals) for (const av of vals) for (const bp of vals) for (const bv of vals) {
      expect(crossedAbove(s(ap, av), s(bp, bv)) && crossedBelow(s(ap, av), s(bp, bv))).toBe(false);
    }
  });
});
