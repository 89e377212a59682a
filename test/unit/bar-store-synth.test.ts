import { describe, expect, it } from 'vitest';
import { synthBars } from '../../data/index.js';
import { UserError } from '../../engine/domain/index.js';

const START = Date.UTC(2024, 0, 1);
const opts = { timeframe: '1h' as const, bars: 20_000, seed: 7, start: START };

function logReturns(close: Float64Array, open: Float64Array): number[] {
  return Array.from(close, (c, i) => Math.log(c / open[i]!));
}

function corr(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('synthetic bars', () => {
  it('gives the same bars for the same seed and different bars for another seed', () => {
    const a = synthBars(opts);
    const b = synthBars(opts);
    const c = synthBars({ ...opts, seed: 8 });
    expect(Buffer.from(a.close.buffer).equals(Buffer.from(b.close.buffer))).toBe(true);
    expect(Array.from(a.close.subarray(0, 100))).not.toEqual(Array.from(c.close.subarray(0, 100)));
  });

  it('lays the bars on the timeframe grid from the start, each opening at the previous close', () => {
    const a = synthBars({ ...opts, start: START + 1234 });
    expect(a.openTime[0]).toBe(START);
    for (let i = 1; i < a.length; i++) {
      expect(a.openTime[i]! - a.openTime[i - 1]!).toBe(3_600_000);
      if (a.open[i] !== a.close[i - 1]) throw new Error(`bar ${i} does not open at the previous close`);
    }
  });

  it('keeps every bar consistent: low <= open, close <= high; positive prices and volume', () => {
    const a = synthBars(opts);
    let bad = 0;
    for (let i = 0; i < a.length; i++) {
      const o = a.open[i]!, h = a.high[i]!, l = a.low[i]!, c = a.close[i]!, v = a.volume[i]!;
      if (!(l > 0 && l <= Math.min(o, c) && h >= Math.max(o, c) && v > 0)) bad++;
    }
    expect(bad).toBe(0);
  });

  it('clusters volatility: large moves follow large moves (unlike a plain random walk)', () => {
    const a = synthBars(opts);
    const r = logReturns(a.close, a.open).map(Math.abs);
    expect(corr(r.slice(1), r.slice(0, -1))).toBeGreaterThan(0.1);
  });

  it('has fat tails: excess kurtosis of returns well above a normal distribution', () => {
    const a = synthBars(opts);
    const r = logReturns(a.close, a.open);
    const m = r.reduce((s, x) => s + x, 0) / r.length;
    const v = r.reduce((s, x) => s + (x - m) ** 2, 0) / r.length;
    const k = r.reduce((s, x) => s + (x - m) ** 4, 0) / r.length / (v * v) - 3;
    expect(k).toBeGreaterThan(1);
  });

  it('trades more volume when the market moves more', () => {
    const a = synthBars(opts);
    const r = logReturns(a.close, a.open).map(Math.abs);
    expect(corr(r, Array.from(a.volume))).toBeGreaterThan(0.3);
  });

  it('refuses bad bar counts and seeds', () => {
    expect(() => synthBars({ ...opts, bars: 0 })).toThrow(UserError);
    expect(() => synthBars({ ...opts, bars: 1.5 })).toThrow('--bars: "1.5" must be a whole number from 1 to 10000000');
    expect(() => synthBars({ ...opts, seed: -1 })).toThrow('--seed: "-1" must be a whole number from 0 to 4294967295');
  });
});
