import { createHash } from 'node:crypto';
import { UserError, isoUtc, timeframeMs } from '../domain/index.js';
import type { BacktestOutcome, BarColumns, DataSlice } from '../domain/index.js';
import type { SeriesKey } from '../ports/index.js';
import { resolveParams, type AnyStrategy, type ParamValue } from '../api/index.js';
import { ColumnsHistory, Kernel, driverBuffers, type DriverScratch, SimClock, StrategyError, driveBacktest, type IndicatorCache, type LogEntry, type OrderIdSource } from '../core/index.js';
import { SimBroker, type FinerBars, type SimBrokerOptions } from '../brokers/sim/index.js';

/** One series of bars handed to a backtest (in memory; no store needed). */
export type BacktestSeries = {
  readonly key: SeriesKey;
  readonly bars: BarColumns;
  /** Content hash (BarStore.contentHash); computed when omitted. */
  readonly hash?: string;
  readonly synthetic?: boolean;
};

export type BacktestOptions = {
  readonly strategy: AnyStrategy;
  /** Overrides of the declared params: strings (from flags) or typed values (spec files, optimiser). */
  readonly params?: Readonly<Record<string, ParamValue>>;
  /** The primary series first; then any series the strategy subscribes to (matched by key). */
  readonly data: readonly BacktestSeries[];
  readonly cash?: number;
  /** Fee rate for both maker and taker fills unless those are given. */
  readonly feeRate?: number;
  readonly makerFeeRate?: number;
  readonly takerFeeRate?: number;
  /**
   * Finer bars of traded instruments (e.g. 1m under a 1h run): they decide bars where a stop-loss and a
   * take-profit both traded (see SimBroker). Each must be finer than every series of its instrument.
   */
  readonly finer?: readonly BacktestSeries[];
  readonly orderIds?: OrderIdSource;
  readonly log?: (e: LogEntry) => void;
  /**
   * Indicator outputs shared between backtests over the same bars (a sweep's trials): shareable indicators
   * are computed once and replayed. Same results as without (bit for bit), less work per trial.
   */
  readonly indicatorCache?: IndicatorCache;
  /**
   * Reused output buffers (a sweep's trials): the outcome's equity curve is then a view into them, valid only
   * until the next backtest given the same scratch. Leave it out when the outcome is kept.
   */
  readonly scratch?: DriverScratch;
} & Pick<SimBrokerOptions, SimRuleKey>;

/** The simulator's options a backtest passes through as given (the fees are resolved here). */
const SIM_RULES = ['fixedFee', 'slippage', 'volumeCap', 'maxLeverage', 'allowShort', 'intrabar', 'markets', 'defaultMarket'] as const satisfies readonly (keyof SimBrokerOptions)[];
type SimRuleKey = (typeof SIM_RULES)[number];

/** The keys of `o` among `keys` whose value is defined (optional properties stay absent, not undefined). */
function definedOnly<T extends object, K extends keyof T>(o: T, keys: readonly K[]): { [P in K]?: Exclude<T[P], undefined> } {
  const out: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k] as Exclude<T[K], undefined>;
  return out;
}

/** The series a strategy needs for a primary series: primary first, then its subscriptions, without duplicates. */
export function requiredSeries(strategy: AnyStrategy, primary: SeriesKey): SeriesKey[] {
  const out: SeriesKey[] = [primary];
  for (const s of strategy.subscriptions ?? []) {
    const k = { instrument: s.instrument ?? primary.instrument, timeframe: s.timeframe ?? primary.timeframe };
    if (!out.some((o) => o.instrument === k.instrument && o.timeframe === k.timeframe)) out.push(k);
  }
  return out;
}

/** Validated params of a strategy (declared bounds, then the strategy's cross-param rule). */
export function strategyParams(strategy: AnyStrategy, overrides: Readonly<Record<string, ParamValue>> = {}): Record<string, ParamValue> {
  const params = resolveParams(strategy.params, overrides) as Record<string, ParamValue>;
  const msg = strategy.validate?.(params as never);
  if (msg) throw new UserError(`strategy "${strategy.id}": ${msg}`);
  return params;
}

/** The simulator's fill rules as plain data, for the report. */
export function fillAssumptions(o: BacktestOptions): Record<string, string | number | boolean> {
  const fee = o.feeRate ?? 0.001;
  const s = o.slippage ?? { kind: 'none' };
  return {
    market: 'next bar open',
    limit: 'min(open, limit) for buys (max for sells); maker at the limit, taker at the open',
    stop: 'stop price, or the open when the bar gaps through',
    intrabar: o.intrabar ?? 'pessimistic',
    ...(o.finer?.length ? { intrabarBars: o.finer.map((f) => `${f.key.instrument} ${f.key.timeframe}`).join(', ') } : {}),
    makerFeeRate: o.makerFeeRate ?? fee,
    takerFeeRate: o.takerFeeRate ?? fee,
    fixedFee: o.fixedFee ?? 0,
    slippage: s.kind === 'bps' ? `${s.bps} bps` : s.kind === 'range' ? `${s.fraction} of bar range` : 'none',
    volumeCap: o.volumeCap ?? 0,
    maxLeverage: o.maxLeverage ?? 1,
    allowShort: o.allowShort ?? true,
    ...(o.markets && Object.keys(o.markets).length
      ? {
          marketRules: Object.entries(o.markets)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([i, r]) => `${i}: amount step ${r.amountStep}, price step ${r.priceStep}, min amount ${r.minAmount}, min notional ${r.minNotional}`)
            .join('; '),
        }
      : {}),
  };
}

/** sha256 over, per bar in order, 6 little-endian float64 (openTime, o, h, l, c, v) — BarStore's contentHash. */
export function barsContentHash(c: BarColumns): string {
  const h = createHash('sha256');
  const CHUNK = 8192;
  const buf = new Float64Array(CHUNK * 6);
  const bytes = new Uint8Array(buf.buffer);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const view = new DataView(buf.buffer);
  for (let start = 0; start < c.length; start += CHUNK) {
    const end = Math.min(c.length, start + CHUNK);
    let j = 0;
    for (let i = start; i < end; i++) {
      buf[j++] = c.openTime[i]!;
      buf[j++] = c.open[i]!;
      buf[j++] = c.high[i]!;
      buf[j++] = c.low[i]!;
      buf[j++] = c.close[i]!;
      buf[j++] = c.volume[i]!;
    }
    if (!le) for (let k = 0; k < j; k++) view.setFloat64(k * 8, buf[k]!, true);
    h.update(bytes.subarray(0, j * 8));
  }
  return h.digest('hex');
}

/**
 * Runs a backtest on bars in memory: historical columns + simulated broker + simulated clock around the
 * one kernel. Synchronous, no I/O, no shared state: safe to run many side by side (worker threads).
 * Bad input (params, missing series, no bars) throws a UserError before the run; a strategy that throws
 * stops the run and the outcome carries `stoppedEarly` (partial results).
 */
export function runBacktest(o: BacktestOptions): BacktestOutcome {
  const strategy = o.strategy;
  if (o.data.length === 0) throw new UserError('backtest: no data given');
  const primary = o.data[0]!;
  const params = strategyParams(strategy, o.params);
  const keys = requiredSeries(strategy, primary.key);
  const series = keys.map((k) => {
    const d = o.data.find((x) => x.key.instrument === k.instrument && x.key.timeframe === k.timeframe);
    if (!d) throw new UserError(`strategy "${strategy.id}" subscribes to ${k.instrument} ${k.timeframe}, but no bars were given for it`);
    if (d.bars.length === 0) throw new UserError(`no bars for ${k.instrument} ${k.timeframe} in the chosen range`);
    return d;
  });
  const cash = o.cash ?? 10_000;
  if (!(cash > 0) || !Number.isFinite(cash)) throw new UserError(`cash must be a positive number, got ${cash}`);
  const feeRate = o.feeRate ?? 0.001;
  if (!(feeRate >= 0 && feeRate < 1)) throw new UserError(`fee must be a fraction in [0, 1), got ${feeRate}`);
  const finer = finerBars(o.finer ?? [], series.map((s) => s.key));
  const clock = new SimClock();
  const broker = new SimBroker({
    cash,
    makerFeeRate: o.makerFeeRate ?? feeRate,
    takerFeeRate: o.takerFeeRate ?? feeRate,
    ...definedOnly(o, SIM_RULES),
    ...(finer ? { finer } : {}),
  });
  const kernel = new Kernel({
    strategy,
    params,
    series: series.map((s) => ({ key: s.key, history: new ColumnsHistory(s.bars, s.key.instrument, s.key.timeframe), bars: s.bars })),
    broker,
    clock,
    cash,
    ...(o.orderIds ? { orderIds: o.orderIds } : {}),
    ...(o.log ? { log: o.log } : {}),
    ...(o.indicatorCache ? { indicatorCache: o.indicatorCache } : {}),
  });
  const n = series[0]!.bars.length;
  const r = driveBacktest(kernel, clock, series.map((s) => ({ key: s.key, cols: s.bars })), o.scratch ? o.scratch.take(n) : driverBuffers(n));
  let stoppedEarly: BacktestOutcome['stoppedEarly'];
  if (r.failure) {
    const e = r.failure.error;
    if (e instanceof StrategyError) stoppedEarly = { reason: e.message, at: e.at };
    else {
      const bar = r.failure.bar;
      const where = bar ? `at the ${bar.instrument} ${bar.timeframe} bar of ${isoUtc(bar.openTime)}` : 'before the first bar';
      const msg = e instanceof Error ? e.message : String(e);
      stoppedEarly = { reason: `strategy "${strategy.id}" stopped ${where}: ${msg}`, at: bar ? bar.openTime + timeframeMs(bar.timeframe) : r.failure.at };
    }
  }
  const p = primary.bars;
  const data: DataSlice[] = series.map((s) => ({
    instrument: s.key.instrument,
    timeframe: s.key.timeframe,
    from: s.bars.openTime[0]!,
    to: s.bars.openTime[s.bars.length - 1]! + timeframeMs(s.key.timeframe),
    count: s.bars.length,
    hash: s.hash ?? barsContentHash(s.bars),
    synthetic: s.synthetic ?? false,
  }));
  const ledger = kernel.ledger;
  return {
    strategy: { id: strategy.id, version: strategy.version, params },
    cash,
    feeRate,
    data,
    benchmark: { instrument: primary.key.instrument, firstOpen: p.open[0]!, lastClose: p.close[p.length - 1]!, close: p.close },
    equity: { time: r.time, equity: r.equity, inMarket: r.inMarket },
    trades: ledger.trades,
    openPositions: ledger.positions.filter((x) => x.size !== 0).map((x) => ({ instrument: x.instrument, size: x.size, entryPrice: x.entryPrice, entryTime: x.entryTime })),
    counters: counters(kernel.counters, ledger.feesPaid, finer !== undefined),
    ...(stoppedEarly ? { stoppedEarly } : {}),
  };
}

function counters(k: Kernel['counters'], feesPaid: number, withFiner: boolean): BacktestOutcome['counters'] {
  const { resolvedIntrabarFills, ...rest } = k;
  return { ...rest, ...(withFiner ? { resolvedIntrabarFills } : {}), feesPaid };
}

/** The simulator's finer bars by instrument; each must be finer than every series of its instrument in the run. */
function finerBars(finer: readonly BacktestSeries[], run: readonly SeriesKey[]): Record<string, FinerBars> | undefined {
  if (finer.length === 0) return undefined;
  const out: Record<string, FinerBars> = {};
  for (const f of finer) {
    const mine = run.filter((k) => k.instrument === f.key.instrument);
    if (mine.length === 0) throw new UserError(`finer bars ${f.key.instrument} ${f.key.timeframe}: the run does not trade ${f.key.instrument}`);
    const coarse = mine.find((k) => timeframeMs(k.timeframe) <= timeframeMs(f.key.timeframe));
    if (coarse) throw new UserError(`finer bars must be finer than the run's ${coarse.instrument} ${coarse.timeframe} bars, got ${f.key.timeframe}`);
    if (out[f.key.instrument]) throw new UserError(`finer bars given twice for ${f.key.instrument}`);
    out[f.key.instrument] = { timeframe: f.key.timeframe, bars: f.bars };
  }
  return out;
}
