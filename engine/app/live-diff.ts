import { UserError, timeframeMs, type ClosedTrade, type EpochMs, type Timeframe } from '../domain/index.js';
import type { BarStore } from '../ports/index.js';
import type { AnyStrategy, ParamValue } from '../api/index.js';
import { runBacktest, requiredSeries } from './run-backtest.js';
import { storedMarketRules } from './backtest-from-store.js';
import type { SessionRow } from '../../data/store/order-journal.js';

export type TradeDiffRow = {
  readonly n: number;
  /** matched: both have it; missed: the backtest traded, the session did not; extra: only the session traded. */
  readonly kind: 'matched' | 'missed' | 'extra';
  readonly direction: 'long' | 'short';
  readonly live?: ClosedTrade;
  readonly backtest?: ClosedTrade;
  /** live − backtest, for matched trades. */
  readonly entryPriceDiff?: number;
  readonly exitPriceDiff?: number;
  readonly entryTimeDiffMs?: number;
  readonly exitTimeDiffMs?: number;
  readonly sizeDiff?: number;
  readonly feesDiff?: number;
  readonly pnlDiff?: number;
  readonly same: boolean;
};

export type LiveDiff = {
  readonly session: string;
  readonly period: { readonly from: EpochMs; readonly to: EpochMs; readonly bars: number };
  readonly liveTrades: number;
  readonly backtestTrades: number;
  readonly matched: number;
  readonly differing: number;
  readonly missed: number;
  readonly extra: number;
  /** Live trades closed by an order decided on the session's last bar: the backtest has no next bar to fill it. */
  readonly closedAfterPeriod: number;
  readonly pnl: { readonly live: number; readonly backtest: number };
  readonly rows: readonly TradeDiffRow[];
};

const EPS = 1e-9;

/**
 * `live diff`: replays a finished session's period through the backtester (same strategy, params, fee) on the
 * bars the session stored, and pairs trades: a live trade matches a backtest trade of the same direction whose
 * entry lies within one bar of it. Reports missed signals, extra trades, and price, time, size and fee differences.
 */
export function diffSession(o: {
  session: SessionRow;
  liveTrades: readonly ClosedTrade[];
  strategy: AnyStrategy;
  store: BarStore;
  feeRate: number;
  cash: number;
  /**
   * Close time of the bar whose decision placed an order (from the journal's intent: bar open + timeframe).
   * Live fills carry the exchange's clock; matching goes by the decision bar, which a replay shares.
   */
  decidedAt?: (clientOrderId: string) => EpochMs | undefined;
}): LiveDiff {
  const s = o.session;
  if (s.status === 'running') throw new UserError(`session ${s.id} is still running; stop it first (Ctrl-C, or candlekeep live pause)`);
  if (s.firstBar === null || s.lastBar === null) throw new UserError(`session ${s.id} handled no bars; nothing to compare`);
  const timeframe = s.timeframe as Timeframe;
  const tf = timeframeMs(timeframe);
  const params = JSON.parse(s.params) as Record<string, ParamValue>;
  const keys = requiredSeries(o.strategy, { instrument: s.instruments, timeframe });
  const data = keys.map((key) => {
    const bars = o.store.read(key, { from: s.firstBar!, to: s.lastBar! + tf });
    if (bars.length === 0) throw new UserError(`no stored bars of ${key.instrument} ${key.timeframe} for session ${s.id}'s period; the session writes them to the store as they close`);
    return { key, bars };
  });
  // The market rules the session recorded (paper fills rounded with them): the replay rounds the same way.
  const markets = storedMarketRules(o.store, keys);
  const bt = runBacktest({ strategy: o.strategy, params, data, cash: o.cash, feeRate: o.feeRate, ...(Object.keys(markets).length ? { markets } : {}) });
  const end = s.lastBar + tf;
  const inPeriod = o.liveTrades.filter((l) => (o.decidedAt?.(l.exitOrderId) ?? l.exitTime) < end);
  const closedAfterPeriod = o.liveTrades.length - inPeriod.length;
  const rows: TradeDiffRow[] = [];
  const used = new Set<number>();
  let n = 0;
  for (const b of bt.trades) {
    const at = (l: ClosedTrade) => o.decidedAt?.(l.entryOrderId) ?? l.entryTime;
    const j = inPeriod.findIndex((l, k) => !used.has(k) && l.direction === b.direction && Math.abs(at(l) - b.entryTime) <= tf);
    if (j < 0) {
      rows.push({ n: ++n, kind: 'missed', direction: b.direction, backtest: b, same: false });
      continue;
    }
    used.add(j);
    const l = inPeriod[j]!;
    const d = {
      entryPriceDiff: l.entryPrice - b.entryPrice, exitPriceDiff: l.exitPrice - b.exitPrice,
      entryTimeDiffMs: l.entryTime - b.entryTime, exitTimeDiffMs: l.exitTime - b.exitTime,
      sizeDiff: l.size - b.size, feesDiff: l.fees - b.fees, pnlDiff: l.pnl - b.pnl,
    };
    const same = Math.abs(d.entryPriceDiff) < EPS && Math.abs(d.exitPriceDiff) < EPS && Math.abs(d.sizeDiff) < EPS && Math.abs(d.feesDiff) < 1e-6;
    rows.push({ n: ++n, kind: 'matched', direction: b.direction, live: l, backtest: b, ...d, same });
  }
  inPeriod.forEach((l, k) => {
    if (!used.has(k)) rows.push({ n: ++n, kind: 'extra', direction: l.direction, live: l, same: false });
  });
  const sum = (ts: readonly ClosedTrade[]) => ts.reduce((a, t) => a + t.pnl, 0);
  return {
    session: s.id,
    period: { from: s.firstBar, to: s.lastBar, bars: data[0]!.bars.length },
    liveTrades: o.liveTrades.length,
    backtestTrades: bt.trades.length,
    matched: rows.filter((r) => r.kind === 'matched' && r.same).length,
    differing: rows.filter((r) => r.kind === 'matched' && !r.same).length,
    missed: rows.filter((r) => r.kind === 'missed').length,
    extra: rows.filter((r) => r.kind === 'extra').length,
    closedAfterPeriod,
    pnl: { live: sum(inPeriod), backtest: sum(bt.trades) },
    rows,
  };
}
