import { describe, expect, it } from 'vitest';
import type { BacktestOutcome, ClosedTrade } from '../../engine/domain/index.js';
import { computeCoreMetrics, computeMetrics, type CoreMetrics } from '../../engine/reports/metrics.js';
import { dailyReturns, DAY_MS } from '../../engine/reports/daily-returns.js';
import { drawdownScan, drawdowns, type DrawdownPeriod } from '../../engine/reports/drawdowns.js';
import { seededRng } from '../../engine/stats/random.js';

// The one-pass scans must give exactly what the definitions give point by point. These references
// evaluate the definitions literally (a division per point, a bucket check per point).

/** dd = 1 − equity / running peak at every point (0 when the peak is not positive); episodes are runs of dd > 0. */
function drawdownsByDefinition(time: number[], equity: number[]): { maxFrac: number; periods: DrawdownPeriod[]; peak: number } {
  const periods: DrawdownPeriod[] = [];
  let peak = -Infinity, maxFrac = 0, start = -1, depth = 0;
  let highest = -Infinity; // the equity peak metric: the first of equal highs
  for (const e of equity) if (e > highest) highest = e;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e >= peak) peak = e;
    const d = peak > 0 ? 1 - e / peak : 0;
    if (d > maxFrac) maxFrac = d;
    if (d > 0) {
      if (start < 0) { start = Math.max(0, i - 1); depth = 0; }
      if (d > depth) depth = d;
    } else if (start >= 0) {
      periods.push({ peakIndex: start, endIndex: i, depthFrac: depth, durationMs: time[i]! - time[start]!, recovered: true });
      start = -1;
    }
  }
  const n = equity.length;
  if (start >= 0) periods.push({ peakIndex: start, endIndex: n - 1, depthFrac: depth, durationMs: time[n - 1]! - time[start]!, recovered: false });
  return { maxFrac, periods, peak: highest };
}

/** A new UTC day starts whenever a time is outside the current day [start, start + 1 day); the day's close is its last equity. */
function dayClosesByDefinition(time: number[], equity: number[]): number[] {
  const closes: number[] = [];
  let start = Infinity, end = -Infinity;
  for (let i = 0; i < time.length; i++) {
    const t = time[i]!;
    if (t >= end || t < start) {
      if (i > 0) closes.push(equity[i - 1]!);
      start = Math.floor(t / DAY_MS) * DAY_MS;
      end = start + DAY_MS;
    }
  }
  if (time.length > 0) closes.push(equity[time.length - 1]!);
  return closes;
}

const VALUES = [1, 2, 3, 0, -1, -0, NaN, Infinity, -Infinity, 1.5, 2.5, 5e-324, -5e-324, 100, 99.999999];

describe('drawdownScan', () => {
  it('matches the point-by-point definition on curves with ties, zeros, negatives, NaN and infinities', () => {
    const rnd = seededRng(3);
    for (let c = 0; c < 20_000; c++) {
      // Special values among a walk in whole steps (so ties, troughs and recoveries are frequent).
      const n = Math.floor(rnd() * 24);
      let walk = 10;
      const equity = Array.from({ length: n }, () => (rnd() < 0.3 ? VALUES[Math.floor(rnd() * VALUES.length)]! : (walk += Math.round((rnd() - 0.5) * 4))));
      const time = equity.map((_, i) => i * 60_000);
      const ref = drawdownsByDefinition(time, equity);
      const periods: DrawdownPeriod[] = [];
      const scan = drawdownScan(time, equity, periods);
      expect({ ...scan, periods }, JSON.stringify(equity)).toEqual(ref);
      expect(drawdowns(time, equity)).toEqual({ maxFrac: ref.maxFrac, periods: ref.periods });
    }
  });

  it('matches it on a long random walk with long drawdowns', () => {
    const rnd = seededRng(9);
    const equity: number[] = [];
    let e = 10_000;
    for (let i = 0; i < 50_000; i++) { e *= 1 + (rnd() - 0.5) * 0.01; equity.push(e); }
    const time = equity.map((_, i) => i * 60_000);
    const periods: DrawdownPeriod[] = [];
    const scan = drawdownScan(time, equity, periods);
    const ref = drawdownsByDefinition(time, equity);
    expect({ maxFrac: scan.maxFrac, periods, peak: scan.peak }).toEqual(ref);
  });
});

describe('dailyReturns', () => {
  it('matches the per-point day rule on times with gaps, repeats, steps back, NaN and ±Infinity', () => {
    const rnd = seededRng(5);
    const steps = [0, 1, 60_000, 3_600_000, 7 * 3_600_000, DAY_MS, 3 * DAY_MS];
    for (let c = 0; c < 20_000; c++) {
      const n = Math.floor(rnd() * 40);
      const time: number[] = [], equity: number[] = [];
      let t = Math.floor(rnd() * 4) * DAY_MS - 2 * DAY_MS + Math.floor(rnd() * DAY_MS);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        if (r < 0.02) time.push(NaN);
        else if (r < 0.03) time.push(Infinity);
        else if (r < 0.04) time.push(-Infinity);
        else {
          t += r < 0.08 ? -Math.floor(rnd() * DAY_MS) : steps[Math.floor(rnd() * steps.length)]!;
          time.push(t);
        }
        equity.push(Math.round(rnd() * 1000) / 10);
      }
      const d = dailyReturns(time, equity);
      const closes = dayClosesByDefinition(time, equity);
      expect([...d.dayCloses], JSON.stringify(time)).toEqual(closes);
      expect([...d.returns]).toEqual(closes.slice(1).map((x, i) => x / closes[i]! - 1));
    }
  });

  it('keeps every day of a long curve (more days than its first buffer holds)', () => {
    const time = Array.from({ length: 6000 }, (_, i) => i * (DAY_MS / 2));
    const equity = time.map((_, i) => 100 + i);
    expect([...dailyReturns(time, equity).dayCloses]).toEqual(dayClosesByDefinition(time, equity));
  });
});

function outcome(equity: number[], inMarket: Uint8Array, trades: ClosedTrade[] = []): BacktestOutcome {
  const T0 = Date.UTC(2024, 0, 1);
  return {
    strategy: { id: 'test', version: 1, params: {} },
    cash: 100, feeRate: 0.001, data: [],
    benchmark: { instrument: 'binance:BTC/USDT', firstOpen: 50, lastClose: 60, close: Float64Array.from(equity, (e, i) => e + i) },
    equity: { time: Float64Array.from(equity, (_, i) => T0 + i * 3_600_000), equity: Float64Array.from(equity), inMarket },
    trades, openPositions: [],
    counters: { ordersSubmitted: 0, fills: 0, rejectedOrders: 0, ambiguousFills: 0, feesPaid: 0 },
  };
}

describe('computeCoreMetrics', () => {
  const rnd = seededRng(21);
  const equity = Array.from({ length: 1001 }, (_, i) => 100 + 10 * Math.sin(i / 40) + rnd());
  const trades: ClosedTrade[] = Array.from({ length: 40 }, (_, i) => ({
    instrument: 'binance:BTC/USDT', direction: i % 3 ? 'long' : 'short', size: 1, entryPrice: 100, exitPrice: 101, fees: 0,
    // exit times out of order on purpose for some: streaks follow exit time
    entryTime: i * 1000, exitTime: (i % 7) * 5000 + i, pnl: rnd() - 0.45, returnFrac: (rnd() - 0.45) / 100,
    entryOrderId: 'e', exitOrderId: 'x', exitReason: 'signal',
  }));

  it('gives exactly the values computeMetrics gives for the same keys', () => {
    const flags = Uint8Array.from(equity, (_, i) => (i % 5 < 2 ? 1 : 0));
    for (const o of [outcome(equity, flags, trades), outcome(equity, flags, [...trades].sort((a, b) => a.exitTime - b.exitTime)), outcome([], new Uint8Array(0)), outcome([100], new Uint8Array(1))]) {
      const full = computeMetrics(o);
      const core = computeCoreMetrics(o);
      for (const k of Object.keys(core) as (keyof CoreMetrics)[]) expect(core[k], k).toBe(full[k]);
    }
  });

  it('counts every non-zero in-market flag, aligned or not, whatever its value', () => {
    const buf = new Uint8Array(1010);
    for (let i = 0; i < buf.length; i++) buf[i] = i % 11 === 0 ? 2 : i % 3 === 0 ? 1 : 0;
    for (const offset of [0, 1, 3, 4]) {
      const flags = buf.subarray(offset, offset + 1001);
      let expected = 0;
      for (const f of flags) if (f) expected++;
      expect(computeCoreMetrics(outcome(equity, flags)).exposureFrac).toBe(expected / 1001);
    }
    // Fewer flags than equity points: the missing ones count as flat.
    expect(computeCoreMetrics(outcome(equity, new Uint8Array(10).fill(1))).exposureFrac).toBe(10 / 1001);
  });
});
