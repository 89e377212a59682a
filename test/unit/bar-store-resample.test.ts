import { describe, expect, it } from 'vitest';
import { resampleBars } from '../../data/index.js';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';

const M = 60_000;
const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1); // a Monday

/** Bars at the given minute offsets from T0 (or `step` units), values from the index. */
function bars(offsets: number[], step = M): BarColumns {
  const c = allocBarColumns(offsets.length);
  offsets.forEach((k, i) => {
    c.openTime[i] = T0 + k * step;
    c.open[i] = 100 + k;
    c.high[i] = 110 + k;
    c.low[i] = 90 + k;
    c.close[i] = 105 + k;
    c.volume[i] = 1 + (k % 3);
  });
  return c;
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const rows = (c: BarColumns) => Array.from({ length: c.length }, (_, i) => [c.openTime[i], c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]]);

describe('resampling', () => {
  it('aggregates 15 one-minute bars into three 5m bars', () => {
    const r = resampleBars(bars(range(0, 15)), '1m', '5m');
    expect(rows(r.bars)).toEqual([
      [T0, 100, 114, 90, 109, 1 + 2 + 3 + 1 + 2],
      [T0 + 5 * M, 105, 119, 95, 114, 3 + 1 + 2 + 3 + 1],
      [T0 + 10 * M, 110, 124, 100, 119, 2 + 3 + 1 + 2 + 3],
    ]);
    expect(r).toMatchObject({ partial: 0, droppedPartial: 0, droppedEdges: 0 });
  });

  it('leaves out an incomplete last bucket and a truncated first bucket', () => {
    const r = resampleBars(bars(range(3, 13)), '1m', '5m');
    expect(rows(r.bars).map((b) => b[0])).toEqual([T0 + 5 * M]);
    expect(r.droppedEdges).toBe(2);
  });

  it('builds an interior bucket with missing bars from the bars present, or drops it with completeOnly', () => {
    const src = bars([...range(0, 5), 5, 7, 9, ...range(10, 15)]);
    const r = resampleBars(src, '1m', '5m');
    expect(rows(r.bars)[1]).toEqual([T0 + 5 * M, 105, 119, 95, 114, 3 + 2 + 1]);
    expect(r.partial).toBe(1);
    const c = resampleBars(src, '1m', '5m', { completeOnly: true });
    expect(rows(c.bars).map((b) => b[0])).toEqual([T0, T0 + 10 * M]);
    expect(c.droppedPartial).toBe(1);
  });

  it('skips a whole missing bucket (no bar is invented)', () => {
    const r = resampleBars(bars([...range(0, 5), ...range(10, 15)]), '1m', '5m');
    expect(rows(r.bars).map((b) => b[0])).toEqual([T0, T0 + 10 * M]);
  });

  it('aligns days on UTC midnight and weeks on Monday 00:00 UTC', () => {
    const hourly = bars(range(0, 24 * 14), H);
    const d = resampleBars(hourly, '1h', '1d');
    expect(d.bars.length).toBe(14);
    expect(d.bars.openTime[1]).toBe(T0 + 24 * H);
    const w = resampleBars(hourly, '1h', '1w');
    expect(Array.from(w.bars.openTime)).toEqual([T0, T0 + 7 * 24 * H]);
    expect(new Date(w.bars.openTime[1]!).getUTCDay()).toBe(1);
  });

  it('refuses a target that is not made of whole source bars', () => {
    expect(() => resampleBars(bars([0]), '1h', '1m')).toThrow('--to: "1m" must be a longer timeframe than --from "1h"');
    expect(() => resampleBars(bars([0]), '3d', '1w')).toThrow('--to: a 1w bar is not made of whole 3d bars; choose a timeframe that 3d divides');
  });
});
