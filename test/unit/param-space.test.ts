import { describe, expect, it } from 'vitest';
import { int, float, choice } from '../../engine/api/params.js';
import { parseConstraint } from '../../engine/research/constraint.js';
import { candidates, gridPoint, gridSize, parseGrid } from '../../engine/research/param-space.js';
import { seededRng as seededRandom } from '../../engine/stats/random.js';

const decls = { fast: int(10, { min: 2 }), slow: int(30, { min: 3 }), k: float(2, { min: 0.5, max: 4 }), size: choice('all-in', ['all-in'], { orNumber: true, min: 1e-8 }) };
const defaults = { fast: 10, slow: 30, k: 2, size: 'all-in' };

describe('parameter grids', () => {
  it('expands start:stop:step inclusively', () => {
    const [a] = parseGrid(['fast=5:50:5'], decls);
    expect(a!.values).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
  });
  it('expands float steps without drift', () => {
    const [a] = parseGrid(['k=1:2:0.1'], decls);
    expect(a!.values).toEqual([1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2]);
  });
  it('accepts lists, including choice options mixed with numbers', () => {
    expect(parseGrid(['size=all-in,1,2'], decls)[0]!.values).toEqual(['all-in', 1, 2]);
  });
  it('refuses values outside the declared bounds, naming the param', () => {
    expect(() => parseGrid(['fast=1:10:1'], decls)).toThrow('param "fast": 1 is below the minimum 2');
    expect(() => parseGrid(['k=1:5:1'], decls)).toThrow('param "k": 5 is above the maximum 4');
  });
  it('suggests a declared param for a typo', () => {
    expect(() => parseGrid(['fsat=5:10:5'], decls)).toThrow('unknown param "fsat" — did you mean "fast"?');
  });
  it('enumerates points row-major over the defaults', () => {
    const axes = parseGrid(['fast=5:10:5', 'slow=20:40:10'], decls);
    expect(gridSize(axes)).toBe(6);
    expect(gridPoint(axes, defaults, 0)).toEqual({ fast: 5, slow: 20, k: 2, size: 'all-in' });
    expect(gridPoint(axes, defaults, 4)).toEqual({ fast: 10, slow: 30, k: 2, size: 'all-in' });
  });
});

describe('constraints', () => {
  const names = Object.keys(decls);
  it('evaluates comparisons with arithmetic and logic', () => {
    const c = parseConstraint('fast<slow && slow-fast >= 2*5', names);
    expect(c.test({ fast: 10, slow: 20 })).toBe(true);
    expect(c.test({ fast: 10, slow: 19 })).toBe(false);
    expect(c.test({ fast: 30, slow: 20 })).toBe(false);
  });
  it('rejects unknown names and non-comparisons with a clear message', () => {
    expect(() => parseConstraint('fast<slwo', names)).toThrow(/unknown param "slwo"/);
    expect(() => parseConstraint('fast+slow', names)).toThrow(/must be a comparison/);
    expect(() => parseConstraint('fast<;', names)).toThrow(/unexpected/);
  });
  it('drops grid points that fail a constraint and counts them', () => {
    const axes = parseGrid(['fast=5:50:5', 'slow=20:200:10'], decls);
    const r = candidates({ axes, defaults, constraints: [parseConstraint('fast<slow', names)] });
    expect(r.gridSize).toBe(190);
    // fast in 5..50 vs slow in 20..200: pairs with fast >= slow: slow=20 → fast 20..50 (7), slow=30 → 30..50 (5), slow=40 → 40,45,50 (3), slow=50 → 50 (1)
    expect(r.rejectedByConstraint).toBe(16);
    expect(r.points.length).toBe(174);
  });
});

describe('seeded random search', () => {
  it('is the same for the same seed and different for another', () => {
    const axes = parseGrid(['fast=2:100:1', 'slow=3:300:1'], decls);
    const a = candidates({ axes, defaults, constraints: [], random: 20, seed: 7 }).points;
    const b = candidates({ axes, defaults, constraints: [], random: 20, seed: 7 }).points;
    const c = candidates({ axes, defaults, constraints: [], random: 20, seed: 8 }).points;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a.map((p) => `${p.fast}/${p.slow}`)).size).toBe(20);
  });
  it('produces a fixed uniform sequence', () => {
    const r = seededRandom(42);
    const xs = Array.from({ length: 1000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / 1000 - 0.5)).toBeLessThan(0.05);
    expect(seededRandom(42)()).toBe(xs[0]);
  });
});
