import type { BacktestOutcome, ClosedTrade, DataSlice, EpochMs } from '../domain/index.js';
import type { Metrics } from './metrics.js';

/** Identifies the layout of report.json. Bump to v2 on any breaking change. */
export const REPORT_SCHEMA_ID = 'candlekeep.report/v1';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | readonly JsonValue[] | { readonly [k: string]: JsonValue };
export type JsonObject = { readonly [k: string]: JsonValue };

/** The kinds of runs the run index and `report` commands know. Optimisation and walk-forward come later. */
export const RUN_KINDS = { backtest: 'backtest', optimisation: 'optimisation', walkForward: 'walk-forward' } as const;
export type RunKind = (typeof RUN_KINDS)[keyof typeof RUN_KINDS];

/**
 * A closed trade in report.json: exactly the engine's ClosedTrade (engine/domain), written with
 * renderTrades' key order (engine/reports/trades-csv.ts).
 */
export type ReportTrade = ClosedTrade;

/**
 * report.json, schema `candlekeep.report/v1`.
 *
 * - Deterministic: the same backtest outcome gives byte-identical JSON. Keys are in a fixed order
 *   (user-supplied objects — spec, params, fillAssumptions — have their keys sorted), numbers are
 *   JavaScript's shortest round-trip form, and undefined figures are `null`. There is no timestamp:
 *   the only run-specific field is `runId`, which is itself derived from the content
 *   (`<strategy id>-<first 12 hex of sha256 of the report with an empty runId>`), so re-running the
 *   same backtest gives the same id.
 * - `metrics` are always computed on the FULL equity curve and trade list.
 * - `equity` may be downsampled for size: when the curve has more than `maxPoints` points it is cut
 *   into buckets of `bucketSize` points and each bucket keeps its lowest, highest and last point
 *   (plus the first point of the curve), so peaks and drawdowns stay visible (`sampling: "last-min-max"`).
 * - `trades` are all closed trades, in the engine's order (exit order).
 * - `partial` is set when the run stopped early (strategy error): the figures cover only the bars before it.
 */
export type Report = {
  readonly schema: typeof REPORT_SCHEMA_ID;
  readonly runId: string;
  readonly kind: 'backtest';
  readonly engine: { readonly name: 'candlekeep'; readonly version: string };
  readonly strategy: { readonly id: string; readonly version: number; readonly ref: string; readonly params: Readonly<Record<string, number | string | boolean>> };
  /** The backtest spec as given (flags or spec file), keys sorted. */
  readonly spec: JsonObject;
  readonly cash: number;
  readonly feeRate: number;
  /** The simulator's fill rules as the engine states them (next-open fills, slippage, intrabar policy…), keys sorted. */
  readonly fillAssumptions: JsonObject;
  /** Every series the strategy read, primary first: range, bar count, content hash, synthetic flag. */
  readonly data: readonly DataSlice[];
  readonly synthetic: boolean;
  readonly benchmark: { readonly instrument: string; readonly firstOpen: number; readonly lastClose: number };
  readonly conventions: {
    readonly annualTradingDays: number;
    readonly returnsResampledTo: '1d UTC';
    readonly riskFreeRate: number;
    readonly fractions: 'fractions (0.01 = 1 %)';
  };
  readonly partial: null | { readonly reason: string; readonly at: EpochMs };
  readonly metrics: Metrics;
  /** The run's order counters, as the engine reports them (BacktestOutcome). */
  readonly counters: BacktestOutcome['counters'];
  readonly openPositions: readonly { readonly instrument: string; readonly size: number; readonly entryPrice: number; readonly entryTime: EpochMs }[];
  readonly trades: readonly ReportTrade[];
  readonly equity: {
    readonly sampling: 'full' | 'last-min-max';
    readonly sourcePoints: number;
    readonly maxPoints: number;
    readonly bucketSize: number;
    /** Bar close times (epoch ms) and equity (quote currency) of the kept points. */
    readonly time: readonly number[];
    readonly equity: readonly number[];
  };
};
