import type { EpochMs, Timeframe } from './time.js';
import type { InstrumentId } from './instrument.js';

/**
 * What a finished (or stopped) backtest hands to the reports: raw facts, no derived metrics.
 * Metrics are pure functions of this (engine/reports).
 */
export type ClosedTrade = {
  readonly instrument: InstrumentId;
  readonly direction: 'long' | 'short';
  /** Units (base currency), > 0. */
  readonly size: number;
  readonly entryTime: EpochMs;
  readonly entryPrice: number;
  readonly exitTime: EpochMs;
  readonly exitPrice: number;
  /** Fees paid on entry (pro rata for the closed size) and exit, in quote currency. */
  readonly fees: number;
  /** Net profit in quote currency, after fees. */
  readonly pnl: number;
  /** Net return as a fraction of the entry value (size × entryPrice). */
  readonly returnFrac: number;
  /** Client order ids of the entry and exit orders. */
  readonly entryOrderId: string;
  readonly exitOrderId: string;
  /** Why it closed: 'signal' (strategy order), 'stop-loss', 'take-profit', 'trailing-stop', 'end' (not used: open at end stays open). */
  readonly exitReason: string;
};

export type EquityCurve = {
  /** Close time of each bar of the primary (driving) series. */
  readonly time: Float64Array;
  /** Mark-to-market equity at each bar close (cash + positions at close), quote currency. */
  readonly equity: Float64Array;
  /** 1 where any position was open at the bar close, else 0. */
  readonly inMarket: Uint8Array;
};

export type DataSlice = {
  readonly instrument: InstrumentId;
  readonly timeframe: Timeframe;
  readonly from: EpochMs;
  readonly to: EpochMs;
  readonly count: number;
  readonly hash: string;
  readonly synthetic: boolean;
};

export type BacktestOutcome = {
  readonly strategy: { readonly id: string; readonly version: number; readonly params: Readonly<Record<string, number | string | boolean>> };
  readonly cash: number;
  readonly feeRate: number;
  readonly data: readonly DataSlice[];
  /** Primary series first/last prices, for buy & hold. */
  readonly benchmark: { readonly instrument: InstrumentId; readonly firstOpen: number; readonly lastClose: number; readonly close: Float64Array };
  readonly equity: EquityCurve;
  readonly trades: readonly ClosedTrade[];
  readonly openPositions: readonly { instrument: InstrumentId; size: number; entryPrice: number; entryTime: EpochMs }[];
  readonly counters: {
    readonly ordersSubmitted: number;
    readonly fills: number;
    readonly rejectedOrders: number;
    readonly ambiguousFills: number;
    /** Bars touching both legs of a bracket that finer bars decided (absent in runs without finer bars). */
    readonly resolvedIntrabarFills?: number;
    readonly feesPaid: number;
  };
  /** Set when the run stopped early (strategy error): results are partial. */
  readonly stoppedEarly?: { readonly reason: string; readonly at: EpochMs };
};
