import type { BacktestOutcome, BarColumns, ClosedTrade } from '../../engine/domain/index.js';
import { allocBarColumns } from '../../engine/domain/index.js';

/** Hand-made backtest outcomes for the report tests (no engine needed). Deterministic (LCG). */
export type FixtureOptions = {
  readonly bars?: number;
  readonly trades?: number;
  readonly seed?: number;
  readonly synthetic?: boolean;
  readonly params?: Record<string, number | string | boolean>;
  readonly strategyId?: string;
  readonly hash?: string;
  readonly timeframeMs?: number;
  /** Replace or drop trades after generation. */
  readonly editTrades?: (ts: ClosedTrade[]) => ClosedTrade[];
};

export const T0 = Date.UTC(2024, 0, 1);

export function makeBars(n: number, seed = 1, tfMs = 3_600_000): BarColumns {
  const b = allocBarColumns(n);
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  let p = 100;
  for (let i = 0; i < n; i++) {
    const o = p;
    const c = Math.max(1, o * (1 + (rnd() - 0.5) * 0.02));
    b.openTime[i] = T0 + i * tfMs;
    b.open[i] = o;
    b.close[i] = c;
    b.high[i] = Math.max(o, c) * (1 + rnd() * 0.005);
    b.low[i] = Math.min(o, c) * (1 - rnd() * 0.005);
    b.volume[i] = 10 + rnd();
    p = c;
  }
  return b;
}

export function makeOutcome(opts: FixtureOptions = {}): { outcome: BacktestOutcome; bars: BarColumns } {
  const n = opts.bars ?? 200;
  const tf = opts.timeframeMs ?? 3_600_000;
  const bars = makeBars(n, opts.seed ?? 1, tf);
  const time = new Float64Array(n);
  const equity = new Float64Array(n);
  const inMarket = new Uint8Array(n);
  const cash = 10_000;
  const nt = Math.min(opts.trades ?? 10, Math.floor(n / 4));
  let trades: ClosedTrade[] = [];
  const span = Math.floor(n / Math.max(1, nt));
  for (let k = 0; k < nt; k++) {
    const i = k * span + 1, j = i + Math.max(1, Math.floor(span / 2));
    const long = k % 3 !== 2;
    const size = 10 + k;
    const entryPrice = bars.open[i]!, exitPrice = bars.open[j]!;
    const fees = 0.001 * size * (entryPrice + exitPrice);
    const pnl = (long ? 1 : -1) * size * (exitPrice - entryPrice) - fees;
    trades.push({
      instrument: 'binance:BTC/USDT', direction: long ? 'long' : 'short', size,
      entryTime: bars.openTime[i]!, entryPrice, exitTime: bars.openTime[j]!, exitPrice, fees, pnl,
      returnFrac: pnl / (size * entryPrice), entryOrderId: `A4-${k}-e`, exitOrderId: `A4-${k}-x`, exitReason: 'signal',
    });
    for (let x = i; x < j; x++) inMarket[x] = 1;
  }
  if (opts.editTrades) trades = opts.editTrades(trades);
  let eq = cash;
  for (let i = 0; i < n; i++) {
    time[i] = bars.openTime[i]! + tf;
    eq += inMarket[i] ? (bars.close[i]! - bars.open[i]!) * 10 : 0;
    equity[i] = eq;
  }
  const outcome: BacktestOutcome = {
    strategy: { id: opts.strategyId ?? 'sma-cross', version: 1, params: opts.params ?? { slow: 30, fast: 10, size: 'all-in' } },
    cash,
    feeRate: 0.001,
    data: [{
      instrument: 'binance:BTC/USDT', timeframe: '1h', from: T0, to: T0 + (n - 1) * tf, count: n,
      hash: opts.hash ?? 'sha256:' + 'ab'.repeat(32), synthetic: opts.synthetic ?? false,
    }],
    benchmark: { instrument: 'binance:BTC/USDT', firstOpen: bars.open[0]!, lastClose: bars.close[n - 1]!, close: bars.close },
    equity: { time, equity, inMarket },
    trades,
    openPositions: [],
    counters: { ordersSubmitted: 2 * nt, fills: 2 * nt, rejectedOrders: 1, ambiguousFills: 0, feesPaid: trades.reduce((s, t) => s + t.fees, 0) },
  };
  return { outcome, bars };
}

export const FILL_ASSUMPTIONS = { market: 'next bar open', intrabar: 'pessimistic', slippageBps: 0 } as const;
export const SPEC = { strategy: 'sma-cross', instrument: 'binance:BTC/USDT', timeframe: '1h', cash: 10000, fee: 0.001 } as const;
