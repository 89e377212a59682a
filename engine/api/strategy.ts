import type { Bar, EpochMs, InstrumentId, Timeframe } from '../domain/index.js';
import type { Fill, Order, OrderChanges, OrderSpec, OrderUpdate } from '../ports/index.js';
import type { Indicator } from './indicator.js';
import type { ParamDecls, ParamValues } from './params.js';

/**
 * An extra series a strategy reads besides its primary one (the instrument and timeframe of the run).
 * `instrument` defaults to the primary instrument, `timeframe` to the primary timeframe.
 * Example: `{ timeframe: '1d' }` — the same instrument on daily bars, e.g. as a trend filter.
 */
export type Subscription = { readonly instrument?: InstrumentId; readonly timeframe?: Timeframe };

/** A handle to one series of the run: 0 is the primary series, i is `subscriptions[i-1]`. */
export type SeriesRef = number;

/** A position as the strategy sees it. `size` is signed (negative = short), in base units. */
export interface PositionView {
  readonly instrument: InstrumentId;
  readonly size: number;
  readonly isFlat: boolean;
  readonly isLong: boolean;
  readonly isShort: boolean;
  /** Average entry price of the open position (NaN when flat). */
  readonly entryPrice: number;
  readonly entryTime: EpochMs;
}

/** Structured strategy log: a message plus fields, stamped with the clock time by the engine. */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;
export interface StrategyLog {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/**
 * What a strategy may see and do. Handlers are synchronous and do no I/O: `submit` returns a client
 * order id at once; what happens to the order arrives later in onOrderUpdate / onFill.
 */
export interface Context<P extends ParamDecls = ParamDecls> {
  readonly params: ParamValues<P>;
  /** The primary instrument and timeframe of the run. */
  readonly instrument: InstrumentId;
  readonly timeframe: Timeframe;
  /** Clock time: the close time of the bar being handled. */
  readonly now: EpochMs;
  /** Registers a streaming indicator (in init only); the engine feeds it each closed bar of `series` before onBar. */
  indicator<I extends Indicator>(ind: I, series?: SeriesRef): I;
  /** The series of a subscription, for indicator() and bars(): `ctx.series('1d')`. */
  series(timeframe: Timeframe, instrument?: InstrumentId): SeriesRef;
  /** Up to the last `n` closed bars of a series, oldest first: never a bar that has not closed yet. */
  bars(n: number, series?: SeriesRef): readonly Bar[];
  position(instrument?: InstrumentId): PositionView;
  /** Cash in quote currency (one ledger across instruments). */
  readonly cash: number;
  /** Cash plus open positions marked at their last close. */
  readonly equity: number;
  /** Working orders (acknowledged, not yet filled/cancelled), including bracket legs; a stable snapshot. */
  readonly openOrders: readonly Order[];
  /** Sends an order; returns its client order id at once (deterministic per run). Outcome: onOrderUpdate/onFill. */
  submit(order: OrderSpec): string;
  /** Cancels a working order; a no-op when it is no longer open. */
  cancel(id: string): void;
  /** Changes the prices or size of a working order (cancel/replace); throws when it is not open. */
  replace(id: string, changes: OrderChanges): void;
  readonly log: StrategyLog;
}

/**
 * A strategy: an object, not a class. `init` returns the per-run state (indicators, counters…), so
 * an optimiser can run many instances side by side. Warm-up: onBar is first called once every indicator
 * registered in init is ready and `warmup` bars of the primary series have closed.
 */
export type StrategyDef<P extends ParamDecls = ParamDecls, S = unknown> = {
  readonly id: string;
  readonly version: number;
  readonly describe?: string;
  readonly params: P;
  readonly subscriptions?: readonly Subscription[];
  /**
   * Bars of the primary series that must have closed before onBar is first called. The engine also
   * waits until every indicator registered in init is ready, so param-dependent indicator warm-ups
   * need no declaration; declare extra bars here (e.g. for ctx.bars(n) look-backs).
   */
  readonly warmup?: number;
  /** Cross-parameter rules: return a message (naming the params) to reject a combination. */
  validate?(params: ParamValues<P>): string | undefined;
  init(ctx: Context<P>): S;
  /**
   * Called at the close of every bar of every series of the run (check `bar.timeframe`/`bar.instrument`
   * when subscribing to more than one). The `bar` object is only valid during the call (the engine reuses
   * it, no allocation per bar): copy the fields you keep, or use ctx.bars(n).
   */
  onBar(bar: Bar, state: S, ctx: Context<P>): void;
  onFill?(fill: Fill, state: S, ctx: Context<P>): void;
  onOrderUpdate?(update: OrderUpdate, state: S, ctx: Context<P>): void;
  onStop?(state: S, ctx: Context<P>): void;
};

/** The type-erased strategy the engine runs (handlers are methods, so any StrategyDef fits). */
export type AnyStrategy = StrategyDef<ParamDecls, unknown>;

const ID = /^[a-z0-9][a-z0-9-]*$/;

/** Identity helper for strategy files: `export default defineStrategy({...})`. Checks the shape early. */
export function defineStrategy<const P extends ParamDecls, S>(def: StrategyDef<P, S>): StrategyDef<P, S> {
  if (!ID.test(def.id)) throw new Error(`strategy id "${def.id}" must be kebab-case (a-z, 0-9, -)`);
  if (!Number.isInteger(def.version) || def.version < 1) throw new Error(`strategy "${def.id}": version must be a positive integer`);
  return def;
}
