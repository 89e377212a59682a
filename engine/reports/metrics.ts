import type { BacktestOutcome, ClosedTrade, EpochMs } from '../domain/index.js';
import { ANNUAL_TRADING_DAYS, DAY_MS, dailyReturns, geometricMean, mean, sampleVariance } from './daily-returns.js';
import { drawdownScan, type DrawdownPeriod } from './drawdowns.js';
import { probabilisticSharpe } from './probabilistic-sharpe.js';
import { logRatio } from './log-ratio.js';

/**
 * Every figure backtesting.py reports, plus a few more, as one typed object.
 *
 * Conventions:
 * - Fractions are fractions (`0.25` = 25 %); percent only when rendered. Times are epoch ms, durations ms.
 * - `null` means undefined for this run (no trades, no losing trade, zero volatility, …): JSON has no NaN/∞.
 * - Returns for the annualised figures, Sharpe, Sortino, best/worst day and PSR are taken on the equity
 *   curve resampled to UTC calendar days (last point of each day). Annualisation uses 365 days a year
 *   (crypto trades every day) and compounding, as backtesting.py does:
 *   g = geometric mean daily return (backtesting.py counts the first day as a 0 return: Σln(1+r)/D over D day closes),
 *   returnAnnFrac = (1+g)^365 − 1, volatilityAnnFrac = √((var + (1+g)²)^365 − (1+g)^730) with var the sample
 *   variance (ddof 1) of the daily returns.
 * - Trade statistics use the closed trades only (open positions at the end are not trades);
 *   trade returns are net of fees, as fractions of the entry value.
 * - Risk-free rate 0.
 */
export type Metrics = {
  /** Time of the first / last equity point (bar close). */
  readonly startTime: EpochMs;
  readonly endTime: EpochMs;
  readonly durationMs: number;
  /**
   * Share of equity points (bar closes) at which any position was open. (backtesting.py marks the
   * entry bar through the exit bar inclusive; with next-open fills that is one bar more per trade.)
   */
  readonly exposureFrac: number;
  /** Starting cash. */
  readonly equityInitial: number;
  readonly equityFinal: number;
  readonly equityPeak: number;
  /** All fees paid, including entry fees of positions still open (backtesting.py "Commissions [$]"). */
  readonly feesPaid: number;
  /** equityFinal / equityInitial − 1 (backtesting.py divides by the first equity point, which equals the cash). */
  readonly returnFrac: number;
  /** Primary instrument held from the first bar's open to the last close: lastClose / firstOpen − 1 (long only). */
  readonly buyHoldReturnFrac: number | null;
  readonly returnAnnFrac: number | null;
  readonly volatilityAnnFrac: number | null;
  /** (equityFinal / equityInitial)^(1 / years) − 1, years = durationMs / (365 days). */
  readonly cagrFrac: number | null;
  /** returnAnnFrac / volatilityAnnFrac. */
  readonly sharpe: number | null;
  /** returnAnnFrac / (√mean(min(r, 0)²) · √365) over the daily returns. */
  readonly sortino: number | null;
  /** returnAnnFrac / |maxDrawdownFrac|. */
  readonly calmar: number | null;
  /** Jensen's alpha (CAPM, rf 0): returnFrac − beta · buyHoldReturnFrac. */
  readonly alphaFrac: number | null;
  /** cov(equity log returns, primary close log returns) / var(primary close log returns), per bar. */
  readonly beta: number | null;
  /** Deepest drawdown as a NEGATIVE fraction (backtesting.py's sign): −0.2 = 20 % below the running peak. 0 when none. */
  readonly maxDrawdownFrac: number;
  /** Mean depth of the drawdown episodes, negative fraction; 0 when none. */
  readonly avgDrawdownFrac: number;
  /** Longest / mean episode from peak to recovery (or to the end if never recovered); 0 when none. */
  readonly maxDrawdownDurationMs: number;
  readonly avgDrawdownDurationMs: number;
  /** Closed trades. */
  readonly tradeCount: number;
  /** Share of closed trades with pnl > 0. */
  readonly winRateFrac: number | null;
  readonly bestTradeFrac: number | null;
  readonly worstTradeFrac: number | null;
  /** Geometric mean of trade returns (backtesting.py "Avg. Trade"). */
  readonly avgTradeFrac: number | null;
  readonly maxTradeDurationMs: number | null;
  readonly avgTradeDurationMs: number | null;
  /** Σ positive trade returns / |Σ negative trade returns| (backtesting.py uses returns, not currency). */
  readonly profitFactor: number | null;
  /** Arithmetic mean of trade returns. */
  readonly expectancyFrac: number | null;
  /** System Quality Number: √n · mean(pnl) / std(pnl) (sample std). */
  readonly sqn: number | null;
  /** Kelly criterion: W − (1 − W) / (mean winning pnl / |mean losing pnl|). */
  readonly kellyFrac: number | null;
  /** Longest runs of winning (pnl > 0) / losing (pnl < 0) closed trades in exit order; a zero-pnl trade ends both runs. */
  readonly maxConsecutiveWins: number;
  readonly maxConsecutiveLosses: number;
  /** Best / worst daily return of the equity curve. */
  readonly bestDayFrac: number | null;
  readonly worstDayFrac: number | null;
  readonly longTradeCount: number;
  readonly longWinRateFrac: number | null;
  readonly longPnl: number;
  readonly shortTradeCount: number;
  readonly shortWinRateFrac: number | null;
  readonly shortPnl: number;
  /** Orders the simulated broker refused (insufficient funds, below min notional, …). */
  readonly rejectedOrders: number;
  /** Bars where both stop-loss and take-profit could have filled (resolved pessimistically). */
  readonly ambiguousFills: number;
  /** Probability that the true daily Sharpe ratio exceeds 0 (see probabilisticSharpe). */
  readonly probabilisticSharpe: number | null;
};

export type MetricKey = keyof Metrics;

/** The keys of Metrics in their canonical order (report JSON, tables, compare). */
export const METRIC_KEYS = [
  'startTime', 'endTime', 'durationMs', 'exposureFrac', 'equityInitial', 'equityFinal', 'equityPeak', 'feesPaid',
  'returnFrac', 'buyHoldReturnFrac', 'returnAnnFrac', 'volatilityAnnFrac', 'cagrFrac', 'sharpe', 'sortino', 'calmar',
  'alphaFrac', 'beta', 'maxDrawdownFrac', 'avgDrawdownFrac', 'maxDrawdownDurationMs', 'avgDrawdownDurationMs',
  'tradeCount', 'winRateFrac', 'bestTradeFrac', 'worstTradeFrac', 'avgTradeFrac', 'maxTradeDurationMs',
  'avgTradeDurationMs', 'profitFactor', 'expectancyFrac', 'sqn', 'kellyFrac', 'maxConsecutiveWins',
  'maxConsecutiveLosses', 'bestDayFrac', 'worstDayFrac', 'longTradeCount', 'longWinRateFrac', 'longPnl',
  'shortTradeCount', 'shortWinRateFrac', 'shortPnl', 'rejectedOrders', 'ambiguousFills', 'probabilisticSharpe',
] as const satisfies readonly MetricKey[];

// Every key listed exactly once (compile-time check).
type Missing = Exclude<MetricKey, (typeof METRIC_KEYS)[number]>;
const _allKeysListed: Missing extends never ? true : Missing = true;
void _allKeysListed;

/** A copy of `m` with its keys in METRIC_KEYS order (stable JSON). */
export function orderMetrics(m: Metrics): Metrics {
  const out: Record<string, number | null> = {};
  for (const k of METRIC_KEYS) out[k] = m[k];
  return out as Metrics;
}

const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * The metrics that need no more than one pass over the equity curve for its peak and deepest drawdown:
 * every figure except beta, alpha and the drawdown episodes' averages and durations. This is what a
 * parameter sweep ranks and keeps (engine/research); computeMetrics adds the rest.
 */
export type CoreMetrics = Omit<Metrics, 'alphaFrac' | 'beta' | 'avgDrawdownFrac' | 'maxDrawdownDurationMs' | 'avgDrawdownDurationMs'>;

/** Computes all metrics from a backtest's raw facts. Pure; O(equity points + trades). */
export function computeMetrics(o: BacktestOutcome): Metrics {
  const periods: DrawdownPeriod[] = [];
  const core = coreMetrics(o, periods);
  let depthSum = 0, durSum = 0, durMax = 0;
  for (const p of periods) {
    depthSum += p.depthFrac;
    durSum += p.durationMs;
    if (p.durationMs > durMax) durMax = p.durationMs;
  }
  const np = periods.length;
  const n = curveLength(o);
  const beta = computeBeta(o.equity.equity.subarray(0, n), o.benchmark.close);
  const alpha = core.returnFrac - beta * buyHoldReturn(o);
  return orderMetrics({
    ...core,
    alphaFrac: fin(alpha),
    beta: fin(beta),
    avgDrawdownFrac: np ? -depthSum / np : 0,
    maxDrawdownDurationMs: durMax,
    avgDrawdownDurationMs: np ? durSum / np : 0,
  });
}

/** CoreMetrics of a backtest: the same values as computeMetrics gives for these keys, at a fraction of the cost. */
export function computeCoreMetrics(o: BacktestOutcome): CoreMetrics {
  return coreMetrics(o, null);
}

const curveLength = (o: BacktestOutcome): number => Math.min(o.equity.time.length, o.equity.equity.length);

/** Primary instrument held from the first bar's open to the last close (NaN without a positive first open). */
const buyHoldReturn = (o: BacktestOutcome): number =>
  o.benchmark.firstOpen > 0 ? o.benchmark.lastClose / o.benchmark.firstOpen - 1 : NaN;

/** Equity points (of the first n) at which a position was open (a non-zero flag). */
function exposedPoints(inMarket: Uint8Array, n: number): number {
  const m = Math.min(n, inMarket.length);
  let exposed = 0;
  let i = 0;
  if ((inMarket.byteOffset & 3) === 0) {
    // Four flags per read: when each byte is 0 or 1, the top byte of v·0x01010101 is their sum.
    const words = new Uint32Array(inMarket.buffer, inMarket.byteOffset, m >>> 2);
    // Set before the loop: arithmetic after a hot loop has no type feedback when the loop is compiled
    // on-stack, and that code deoptimised at every call (once per optimiser trial).
    i = words.length * 4;
    for (let w = 0; w < words.length; w++) {
      const v = words[w]!;
      if ((v & 0xfefefefe) === 0) exposed += Math.imul(v, 0x01010101) >>> 24;
      else exposed += ((v & 0xff) !== 0 ? 1 : 0) + ((v & 0xff00) !== 0 ? 1 : 0) + ((v & 0xff0000) !== 0 ? 1 : 0) + ((v >>> 24) !== 0 ? 1 : 0);
    }
  }
  for (; i < m; i++) if (inMarket[i]) exposed++;
  return exposed;
}

function coreMetrics(o: BacktestOutcome, periods: DrawdownPeriod[] | null): CoreMetrics {
  const { time, equity, inMarket } = o.equity;
  const n = curveLength(o);
  const initial = o.cash;
  const final = n > 0 ? equity[n - 1]! : initial;
  const startTime = n > 0 ? time[0]! : 0;
  const endTime = n > 0 ? time[n - 1]! : 0;
  const durationMs = endTime - startTime;
  const returnFrac = final / initial - 1;
  const curveTime = time.subarray(0, n), curve = equity.subarray(0, n);

  // Daily returns, annualised the backtesting.py way.
  const daily = dailyReturns(curveTime, curve);
  const D = daily.dayCloses.length;
  const g = geometricMean(daily.returns, D > 0 ? 1 : 0);
  const annRet = Math.pow(1 + g, ANNUAL_TRADING_DAYS) - 1;
  const varDay = sampleVariance(daily.returns);
  const annVol = Math.sqrt(
    Math.pow(varDay + (1 + g) * (1 + g), ANNUAL_TRADING_DAYS) - Math.pow(1 + g, 2 * ANNUAL_TRADING_DAYS),
  );
  let downSq = 0;
  let bestDay = -Infinity, worstDay = Infinity;
  for (const r of daily.returns) {
    if (r < 0) downSq += r * r;
    if (r > bestDay) bestDay = r;
    if (r < worstDay) worstDay = r;
  }
  const downside = Math.sqrt(downSq / daily.returns.length) * Math.sqrt(ANNUAL_TRADING_DAYS);
  const years = durationMs / DAY_MS / ANNUAL_TRADING_DAYS;
  const cagr = years > 0 ? Math.pow(final / initial, 1 / years) - 1 : NaN;

  const dd = drawdownScan(curveTime, curve, periods);
  const maxDd = dd.maxFrac;

  return {
    startTime,
    endTime,
    durationMs,
    exposureFrac: n > 0 ? exposedPoints(inMarket, n) / n : 0,
    equityInitial: initial,
    equityFinal: final,
    equityPeak: n > 0 ? dd.peak : initial,
    feesPaid: o.counters.feesPaid,
    returnFrac,
    buyHoldReturnFrac: fin(buyHoldReturn(o)),
    returnAnnFrac: fin(annRet),
    volatilityAnnFrac: fin(annVol),
    cagrFrac: fin(cagr),
    sharpe: annVol > 0 ? fin(annRet / annVol) : null,
    sortino: downside > 0 ? fin(annRet / downside) : null,
    calmar: maxDd > 0 ? fin(annRet / maxDd) : null,
    maxDrawdownFrac: maxDd === 0 ? 0 : -maxDd,
    ...tradeStats(o.trades),
    bestDayFrac: fin(bestDay),
    worstDayFrac: fin(worstDay),
    rejectedOrders: o.counters.rejectedOrders,
    ambiguousFills: o.counters.ambiguousFills,
    probabilisticSharpe: probabilisticSharpe(daily.returns),
  };
}

/**
 * Beta of per-bar log returns of equity (x) against the primary series' closes (y), aligned by index:
 * Σ x·(y − ȳ) / Σ (y − ȳ)², which is cov(x, y) / var(y) since Σ (y − ȳ) = 0. One pass, no allocation: ȳ is
 * ln(last / first close) / (n − 1) (the log returns telescope); a flat equity bar has x = 0 and adds nothing
 * to the covariance.
 */
function computeBeta(equity: Float64Array, close: Float64Array): number {
  const n = Math.min(equity.length, close.length);
  if (n < 3) return NaN; // needs at least two returns
  const my = logRatio(close[n - 1]!, close[0]!) / (n - 1);
  let cxy = 0, vy = 0;
  for (let i = 1; i < n; i++) {
    const d = logRatio(close[i]!, close[i - 1]!) - my;
    vy += d * d;
    const e0 = equity[i - 1]!, e1 = equity[i]!;
    if (e1 !== e0 || !(e0 > 0)) cxy += logRatio(e1, e0) * d;
  }
  return vy > 0 ? cxy / vy : NaN;
}

type TradeStats = Pick<
  Metrics,
  | 'tradeCount' | 'winRateFrac' | 'bestTradeFrac' | 'worstTradeFrac' | 'avgTradeFrac' | 'maxTradeDurationMs' | 'avgTradeDurationMs'
  | 'profitFactor' | 'expectancyFrac' | 'sqn' | 'kellyFrac' | 'maxConsecutiveWins' | 'maxConsecutiveLosses'
  | 'longTradeCount' | 'longWinRateFrac' | 'longPnl' | 'shortTradeCount' | 'shortWinRateFrac' | 'shortPnl'
>;

function tradeStats(trades: readonly ClosedTrade[]): TradeStats {
  const n = trades.length;
  const returns = new Float64Array(n);
  const pnls = new Float64Array(n);
  let wins = 0, winPnl = 0, lossCount = 0, lossPnl = 0;
  let posRet = 0, negRet = 0;
  let best = -Infinity, worst = Infinity, durMax = -Infinity, durSum = 0;
  let longN = 0, longWins = 0, longPnl = 0, shortN = 0, shortWins = 0, shortPnl = 0;
  for (let i = 0; i < n; i++) {
    const t = trades[i]!;
    returns[i] = t.returnFrac;
    pnls[i] = t.pnl;
    if (t.pnl > 0) { wins++; winPnl += t.pnl; }
    else if (t.pnl < 0) { lossCount++; lossPnl += t.pnl; }
    if (t.returnFrac > 0) posRet += t.returnFrac;
    else if (t.returnFrac < 0) negRet += t.returnFrac;
    if (t.returnFrac > best) best = t.returnFrac;
    if (t.returnFrac < worst) worst = t.returnFrac;
    const dur = t.exitTime - t.entryTime;
    if (dur > durMax) durMax = dur;
    durSum += dur;
    if (t.direction === 'long') { longN++; longPnl += t.pnl; if (t.pnl > 0) longWins++; }
    else { shortN++; shortPnl += t.pnl; if (t.pnl > 0) shortWins++; }
  }
  // Streaks in exit order (stable: ties keep the given order). The ledger closes trades in exit order.
  const order = inExitOrder(trades) ? null : [...trades.keys()].sort((a, b) => trades[a]!.exitTime - trades[b]!.exitTime || a - b);
  let runW = 0, runL = 0, maxW = 0, maxL = 0;
  for (let k = 0; k < n; k++) {
    const p = trades[order ? order[k]! : k]!.pnl;
    if (p > 0) { runW++; runL = 0; }
    else if (p < 0) { runL++; runW = 0; }
    else { runW = 0; runL = 0; }
    if (runW > maxW) maxW = runW;
    if (runL > maxL) maxL = runL;
  }
  const winRate = n ? wins / n : NaN;
  const pnlStd = Math.sqrt(sampleVariance(pnls));
  const avgWin = wins ? winPnl / wins : NaN;
  const avgLoss = lossCount ? lossPnl / lossCount : NaN;
  return {
    tradeCount: n,
    winRateFrac: fin(winRate),
    bestTradeFrac: fin(best),
    worstTradeFrac: fin(worst),
    avgTradeFrac: fin(geometricMean(returns)),
    maxTradeDurationMs: fin(durMax),
    avgTradeDurationMs: n ? durSum / n : null,
    profitFactor: negRet < 0 ? fin(posRet / -negRet) : null,
    expectancyFrac: fin(mean(returns)),
    sqn: pnlStd > 0 ? fin((Math.sqrt(n) * mean(pnls)) / pnlStd) : null,
    kellyFrac: fin(winRate - (1 - winRate) / (avgWin / -avgLoss)),
    maxConsecutiveWins: maxW,
    maxConsecutiveLosses: maxL,
    longTradeCount: longN,
    longWinRateFrac: longN ? longWins / longN : null,
    longPnl,
    shortTradeCount: shortN,
    shortWinRateFrac: shortN ? shortWins / shortN : null,
    shortPnl,
  };
}

function inExitOrder(trades: readonly ClosedTrade[]): boolean {
  for (let i = 1; i < trades.length; i++) if (!(trades[i]!.exitTime >= trades[i - 1]!.exitTime)) return false;
  return true;
}
