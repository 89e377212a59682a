import { describe, expect, it } from 'vitest';
import { planWindows, stitchEquity } from '../../engine/research/windows.js';

const hourly = Float64Array.from({ length: 100 }, (_, i) => i * 3_600_000);

describe('walk-forward windows', () => {
  it('slides a rolling in-sample window with adjacent out-of-sample windows', () => {
    const w = planWindows(hourly, { inSample: { bars: 40 }, outOfSample: { bars: 20 }, mode: 'rolling' });
    expect(w).toEqual([
      { index: 0, isFrom: 0, isTo: 40, oosFrom: 40, oosTo: 60 },
      { index: 1, isFrom: 20, isTo: 60, oosFrom: 60, oosTo: 80 },
      { index: 2, isFrom: 40, isTo: 80, oosFrom: 80, oosTo: 100 },
    ]);
  });
  it('anchors the in-sample window at the first bar', () => {
    const w = planWindows(hourly, { inSample: { bars: 40 }, outOfSample: { bars: 25 }, mode: 'anchored' });
    expect(w.map((x) => [x.isFrom, x.isTo, x.oosFrom, x.oosTo])).toEqual([[0, 40, 40, 65], [0, 65, 65, 90]]);
  });
  it('keeps a last partial out-of-sample window of at least half the size', () => {
    const w = planWindows(hourly, { inSample: { bars: 40 }, outOfSample: { bars: 16 }, mode: 'rolling' });
    expect(w.at(-1)).toEqual({ index: 3, isFrom: 48, isTo: 88, oosFrom: 88, oosTo: 100 });
  });
  it('sizes windows in time', () => {
    const w = planWindows(hourly, { inSample: { ms: 48 * 3_600_000 }, outOfSample: { ms: 24 * 3_600_000 }, mode: 'rolling' });
    expect(w[0]).toEqual({ index: 0, isFrom: 0, isTo: 48, oosFrom: 48, oosTo: 72 });
    expect(w.length).toBe(2);
  });
  it('refuses windows longer than the data', () => {
    expect(() => planWindows(hourly, { inSample: { bars: 90 }, outOfSample: { bars: 20 }, mode: 'rolling' })).toThrow(/longer than the data/);
  });
});

describe('stitched out-of-sample equity', () => {
  it('compounds segments end to start', () => {
    const s = stitchEquity([
      { time: [1, 2], equity: [1000, 1100], startEquity: 1000 },
      { time: [3, 4], equity: [1000, 900], startEquity: 1000 },
    ], 10_000);
    expect([...s.equity]).toEqual([10_000, 11_000, 11_000, 9_900]);
    expect([...s.time]).toEqual([1, 2, 3, 4]);
  });
});
