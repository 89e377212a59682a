import { describe, expect, it } from 'vitest';
import type { BacktestOutcome, ClosedTrade } from '../../engine/domain/index.js';
import { computeMetrics, dailyReturns, drawdowns, logRatio, normalCdf, probabilisticSharpe, METRIC_KEYS } from '../../engine/reports/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1); // midnight UTC

/** |a − b| ≤ 1e-12 relative (or absolute near 0): the figures below are recomputed independently, not copied. */
function close(actual: number | null, expected: number, tol = 1e-12): void {
  expect(actual).not.toBeNull();
  const a = actual as number;
  const ok = Math.abs(a - expected) <= tol * Math.max(1, Math.abs(expected));
  if (!ok) throw new Error(`expected ${expected}, got ${a}`);
}

function trade(p: Partial<ClosedTrade> & Pick<ClosedTrade, 'pnl' | 'returnFrac' | 'entryTime' | 'exitTime'>): ClosedTrade {
  return {
    instrument: 'binance:BTC/USDT', direction: 'long', size: 1, entryPrice: 100, exitPrice: 100, fees: 0,
    entryOrderId: 'e', exitOrderId: 'x', exitReason: 'signal', ...p,
  };
}

function outcome(over: { equity: number[]; time?: number[]; inMarket?: number[]; close?: number[]; trades?: ClosedTrade[]; cash?: number; firstOpen?: number; lastClose?: number }): BacktestOutcome {
  const n = over.equity.length;
  const time = over.time ?? over.equity.map((_, i) => T0 + i * DAY);
  return {
    strategy: { id: 'test', version: 1, params: {} },
    cash: over.cash ?? 100,
    feeRate: 0.001,
    data: [],
    benchmark: { instrument: 'binance:BTC/USDT', firstOpen: over.firstOpen ?? 50, lastClose: over.lastClose ?? 60, close: Float64Array.from(over.close ?? over.equity) },
    equity: { time: Float64Array.from(time), equity: Float64Array.from(over.equity), inMarket: Uint8Array.from(over.inMarket ?? new Array(n).fill(0)) },
    trades: over.trades ?? [],
    openPositions: [],
    counters: { ordersSubmitted: 9, fills: 8, rejectedOrders: 2, ambiguousFills: 3, feesPaid: 1.25 },
  };
}

// The worked example: five daily closes, four trades.
const EQ = [100, 110, 99, 120, 108];
const CLOSE = [50, 55, 50, 60, 60];
const TRADES: ClosedTrade[] = [
  // Given out of exit order on purpose: streaks follow exit time.
  trade({ direction: 'short', pnl: 20, returnFrac: 0.2, entryTime: T0 + 1 * DAY, exitTime: T0 + 2 * DAY }),
  trade({ direction: 'long', pnl: 10, returnFrac: 0.1, entryTime: T0, exitTime: T0 + 1 * DAY }),
  trade({ direction: 'long', pnl: -5, returnFrac: -0.05, entryTime: T0 + 1 * DAY, exitTime: T0 + 3 * DAY }),
  trade({ direction: 'long', pnl: -10, returnFrac: -0.1, entryTime: T0, exitTime: T0 + 4 * DAY }),
];
const m = computeMetrics(outcome({ equity: EQ, close: CLOSE, inMarket: [0, 1, 1, 1, 0], trades: TRADES }));

describe('computeMetrics on a five-day worked example', () => {
  const r = [110 / 100 - 1, 99 / 110 - 1, 120 / 99 - 1, 108 / 120 - 1];
  // backtesting.py counts the first day as a zero return: 5 day closes → 5th root of the total growth.
  const g = Math.pow(108 / 100, 1 / 5) - 1;
  const annRet = Math.pow(1 + g, 365) - 1;
  const meanR = (r[0]! + r[1]! + r[2]! + r[3]!) / 4;
  const varR = r.reduce((s, x) => s + (x - meanR) ** 2, 0) / 3;
  const annVol = Math.sqrt(Math.pow(varR + (1 + g) ** 2, 365) - Math.pow(1 + g, 730));

  it('reports start, end, duration and exposure from the equity points', () => {
    expect(m.startTime).toBe(T0);
    expect(m.endTime).toBe(T0 + 4 * DAY);
    expect(m.durationMs).toBe(4 * DAY);
    expect(m.exposureFrac).toBe(0.6);
  });

  it('reports equity, fees and total return against the starting cash', () => {
    expect(m.equityInitial).toBe(100);
    expect(m.equityFinal).toBe(108);
    expect(m.equityPeak).toBe(120);
    expect(m.feesPaid).toBe(1.25);
    close(m.returnFrac, 0.08);
    close(m.buyHoldReturnFrac, 0.2);
  });

  it('annualises the geometric mean daily return over 365 days', () => {
    close(m.returnAnnFrac, annRet);
    close(m.returnAnnFrac, Math.pow(1.08, 73) - 1);
  });

  it('annualises volatility the backtesting.py way (compounded variance)', () => {
    close(m.volatilityAnnFrac, annVol);
  });

  it('computes CAGR over the elapsed time in 365-day years', () => {
    close(m.cagrFrac, Math.pow(1.08, 365 / 4) - 1);
  });

  it('computes Sharpe, Sortino and Calmar from the annualised figures', () => {
    close(m.sharpe, annRet / annVol);
    close(m.sortino, annRet / (Math.sqrt((0.1 ** 2 + 0.1 ** 2) / 4) * Math.sqrt(365)), 1e-11);
    close(m.calmar, annRet / 0.1, 1e-11);
  });

  it('computes beta from per-bar log returns and alpha against buy & hold', () => {
    const x = [1, 2, 3, 4].map((i) => Math.log(EQ[i]! / EQ[i - 1]!));
    const y = [1, 2, 3, 4].map((i) => Math.log(CLOSE[i]! / CLOSE[i - 1]!));
    const mx = x.reduce((a, b) => a + b) / 4, my = y.reduce((a, b) => a + b) / 4;
    let cov = 0, vy = 0;
    for (let i = 0; i < 4; i++) { cov += (x[i]! - mx) * (y[i]! - my); vy += (y[i]! - my) ** 2; }
    const beta = cov / vy;
    close(m.beta, beta);
    close(m.alphaFrac, 0.08 - beta * 0.2);
  });

  it('measures drawdowns as negative fractions with peak-to-recovery durations', () => {
    // Peaks 100,110,110,120,120 → drawdowns 0, 0, 10 %, 0, 10 % (the last one never recovers).
    close(m.maxDrawdownFrac, -0.1);
    close(m.avgDrawdownFrac, -0.1);
    expect(m.maxDrawdownDurationMs).toBe(2 * DAY);
    expect(m.avgDrawdownDurationMs).toBe(1.5 * DAY);
  });

  it('computes the trade statistics from closed trades', () => {
    expect(m.tradeCount).toBe(4);
    expect(m.winRateFrac).toBe(0.5);
    expect(m.bestTradeFrac).toBe(0.2);
    expect(m.worstTradeFrac).toBe(-0.1);
    close(m.avgTradeFrac, Math.pow(1.1 * 1.2 * 0.95 * 0.9, 1 / 4) - 1);
    expect(m.maxTradeDurationMs).toBe(4 * DAY);
    expect(m.avgTradeDurationMs).toBe((1 + 1 + 2 + 4) / 4 * DAY);
    close(m.profitFactor, 0.3 / 0.15);
    close(m.expectancyFrac, 0.0375);
    // pnl 20, 10, −5, −10: mean 3.75, sample variance 568.75 / 3.
    close(m.sqn, (2 * 3.75) / Math.sqrt(568.75 / 3));
    // W − (1 − W) / (avg win / avg loss) = 0.5 − 0.5 / (15 / 7.5).
    close(m.kellyFrac, 0.25);
  });

  it('counts consecutive wins and losses in exit order', () => {
    expect(m.maxConsecutiveWins).toBe(2);
    expect(m.maxConsecutiveLosses).toBe(2);
  });

  it('splits trades into long and short', () => {
    expect(m.longTradeCount).toBe(3);
    close(m.longWinRateFrac, 1 / 3);
    expect(m.longPnl).toBe(-5);
    expect(m.shortTradeCount).toBe(1);
    expect(m.shortWinRateFrac).toBe(1);
    expect(m.shortPnl).toBe(20);
  });

  it('reports the best and worst day and the engine counters', () => {
    close(m.bestDayFrac, 120 / 99 - 1);
    close(m.worstDayFrac, 99 / 110 - 1);
    expect(m.rejectedOrders).toBe(2);
    expect(m.ambiguousFills).toBe(3);
  });

  it('computes the Probabilistic Sharpe Ratio from the daily returns', () => {
    const n = 4;
    const mu = meanR;
    const m2 = r.reduce((s, x) => s + (x - mu) ** 2, 0) / n;
    const m3 = r.reduce((s, x) => s + (x - mu) ** 3, 0) / n;
    const m4 = r.reduce((s, x) => s + (x - mu) ** 4, 0) / n;
    const sr = mu / Math.sqrt(varR);
    const z = (sr * Math.sqrt(n - 1)) / Math.sqrt(1 - (m3 / m2 ** 1.5) * sr + ((m4 / m2 ** 2 - 1) / 4) * sr * sr);
    close(m.probabilisticSharpe, normalCdf(z));
    expect(m.probabilisticSharpe!).toBeGreaterThan(0.5);
    expect(m.probabilisticSharpe!).toBeLessThan(1);
  });

  it('lists every metric key in canonical order', () => {
    expect(Object.keys(m)).toEqual([...METRIC_KEYS]);
  });
});

describe('metrics edge cases', () => {
  it('gives null trade statistics and zero counts when there are no trades', () => {
    const e = computeMetrics(outcome({ equity: [100, 100, 100] }));
    expect(e.tradeCount).toBe(0);
    for (const k of ['winRateFrac', 'bestTradeFrac', 'worstTradeFrac', 'avgTradeFrac', 'maxTradeDurationMs', 'avgTradeDurationMs', 'profitFactor', 'expectancyFrac', 'sqn', 'kellyFrac', 'longWinRateFrac', 'shortWinRateFrac'] as const) {
      expect(e[k], k).toBeNull();
    }
    expect(e.maxConsecutiveWins).toBe(0);
    expect(e.longPnl).toBe(0);
  });

  it('reports zero drawdown and undefined ratios on a flat curve', () => {
    const e = computeMetrics(outcome({ equity: [100, 100, 100] }));
    expect(e.maxDrawdownFrac).toBe(0);
    expect(e.avgDrawdownFrac).toBe(0);
    expect(e.maxDrawdownDurationMs).toBe(0);
    expect(e.returnAnnFrac).toBe(0);
    expect(e.volatilityAnnFrac).toBe(0);
    expect(e.sharpe).toBeNull();
    expect(e.sortino).toBeNull();
    expect(e.calmar).toBeNull();
    expect(e.probabilisticSharpe).toBeNull();
  });

  it('leaves profit factor and Kelly undefined without a losing trade', () => {
    const e = computeMetrics(outcome({ equity: [100, 110], trades: [trade({ pnl: 10, returnFrac: 0.1, entryTime: T0, exitTime: T0 + DAY })] }));
    expect(e.profitFactor).toBeNull();
    expect(e.kellyFrac).toBeNull();
    expect(e.sqn).toBeNull();
    expect(e.winRateFrac).toBe(1);
  });

  it('ends both streaks on a zero-pnl trade', () => {
    const ts = [10, 0, 10, 10, -1, 0, -1].map((pnl, i) => trade({ pnl, returnFrac: pnl / 100, entryTime: T0 + i, exitTime: T0 + i + 1 }));
    const e = computeMetrics(outcome({ equity: [100, 100], trades: ts }));
    expect(e.maxConsecutiveWins).toBe(2);
    expect(e.maxConsecutiveLosses).toBe(1);
  });

  it('counts an unrecovered drawdown on the very last point', () => {
    const d = drawdowns([0, 1, 2, 3], [100, 105, 110, 99]);
    expect(d.periods).toHaveLength(1);
    expect(d.periods[0]).toMatchObject({ peakIndex: 2, endIndex: 3, durationMs: 1, recovered: false });
    close(d.periods[0]!.depthFrac, 0.1);
  });

  it('measures a drawdown from the last peak to the first point back at the peak', () => {
    const d = drawdowns([0, 10, 20, 30, 40, 50], [100, 90, 95, 100, 120, 121]);
    expect(d.periods).toEqual([{ peakIndex: 0, endIndex: 3, depthFrac: 1 - 90 / 100, durationMs: 30, recovered: true }]);
    close(d.maxFrac, 0.1);
  });

  it('gives a 0 CAGR horizon as null on a single point', () => {
    const e = computeMetrics(outcome({ equity: [100] }));
    expect(e.cagrFrac).toBeNull();
    expect(e.durationMs).toBe(0);
    expect(e.returnAnnFrac).toBe(0);
  });
});

describe('daily resampling', () => {
  it('takes the last equity of each UTC day and skips days without points', () => {
    const H = 3_600_000;
    const d = dailyReturns([T0 + 1 * H, T0 + 23 * H, T0 + DAY, T0 + DAY + 5 * H, T0 + 3 * DAY + H], [1, 2, 3, 4, 5]);
    expect([...d.dayCloses]).toEqual([2, 4, 5]);
    expect([...d.returns]).toEqual([4 / 2 - 1, 5 / 4 - 1]);
  });

  it('annualises intraday curves on their daily closes', () => {
    const H = 3_600_000;
    // 24 hourly points per day for 3 days, flat at 100 except the last hour: day closes 100, 110, 121.
    const time: number[] = [], equity: number[] = [];
    for (let d = 0; d < 3; d++) for (let h = 0; h < 24; h++) { time.push(T0 + d * DAY + h * H); equity.push(h === 23 ? 100 * 1.1 ** d : 100); }
    const e = computeMetrics(outcome({ equity, time }));
    close(e.bestDayFrac, 121 / 110 - 1);
    close(e.returnAnnFrac, Math.pow(1.21, 365 / 3) - 1);
  });
});

describe('normalCdf', () => {
  it('matches reference values of the standard normal CDF to 1e-14', () => {
    const ref: [number, number][] = [
      [0, 0.5], [1, 0.8413447460685429], [-1, 0.15865525393145707], [1.959963984540054, 0.975],
      [-3, 0.0013498980316301035], [2.5, 0.9937903346742238], [-6, 9.865876450376946e-10],
    ];
    for (const [x, p] of ref) expect(Math.abs(normalCdf(x) - p), `Φ(${x})`).toBeLessThan(1e-14);
  });

  it('returns 0 and 1 far in the tails', () => {
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
  });
});

describe('probabilisticSharpe', () => {
  it('is 0.5 when the mean return is zero and symmetric', () => {
    close(probabilisticSharpe([0.01, -0.01, 0.02, -0.02]), 0.5);
  });

  it('is undefined with fewer than three returns', () => {
    expect(probabilisticSharpe([0.01, 0.02])).toBeNull();
  });
});

describe('logRatio (the log returns behind beta)', () => {
  it('equals ln(b / a) to within 2e-16 relative for small moves and exactly Math.log(b / a) for large ones', () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    let worst = 0;
    for (let k = 0; k < 20_000; k++) {
      const a = 1 + rnd() * 1e5;
      const b = a * (1 + (rnd() - 0.5) * 0.06); // moves up to ±3 %
      const ref = Math.log1p((b - a) / a); // b − a exact for close values: one rounding only
      worst = Math.max(worst, Math.abs(logRatio(b, a) - ref) / Math.abs(ref || 1));
    }
    expect(worst).toBeLessThan(2e-16 * 4);
    for (const [b, a] of [[200, 100], [50, 100], [1e9, 1], [1.5, 1]] as const) expect(logRatio(b, a)).toBe(Math.log(b / a));
    expect(logRatio(100, 100)).toBe(0);
    expect(Number.isNaN(logRatio(-1, 100))).toBe(true);
    expect(logRatio(0, 100)).toBe(-Infinity);
  });
});

