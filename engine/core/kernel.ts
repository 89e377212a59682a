import { UserError, isoUtc, timeframeMs } from '../domain/index.js';
import type { Bar, BarColumns, EpochMs, InstrumentId, Timeframe } from '../domain/index.js';
import type { Broker, BrokerSink, Clock, Fill, Order, OrderChanges, OrderSpec, OrderUpdate, SeriesKey } from '../ports/index.js';
import type { AnyStrategy, Context, LogFields, PositionView, SeriesRef, StrategyLog } from '../api/strategy.js';
import type { Indicator } from '../api/indicator.js';
import type { ParamDecls, ParamValue } from '../api/params.js';
import type { BarHistory } from './bar-history.js';
import type { IndicatorCache, ReplayableIndicator } from './indicator-cache.js';
import { Ledger, type PositionState } from './ledger.js';
import { sequentialOrderIds, type OrderIdSource } from './order-ids.js';
import { makeOrder, validateOrderSpec } from './order-validation.js';
import { removeAt, truncate } from './lists.js';

/** An input to the kernel. Drivers (backtest loop, live queue) turn their sources into these. */
export type KernelEvent =
  | { readonly kind: 'bar'; readonly series: number; readonly bar: Bar }
  | { readonly kind: 'stop' };

export type LogEntry = { readonly time: EpochMs; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly msg: string; readonly fields?: LogFields };

export type KernelSeries = {
  readonly key: SeriesKey;
  readonly history: BarHistory;
  /** All bars the driver will feed, in order (backtests): lets indicatorCache share indicator outputs. */
  readonly bars?: BarColumns;
};

export type KernelOptions = {
  readonly strategy: AnyStrategy;
  /** Already resolved and validated (engine/api resolveParams). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Series of the run; [0] is the primary one. */
  readonly series: readonly KernelSeries[];
  readonly broker: Broker;
  readonly clock: Clock;
  readonly cash: number;
  readonly orderIds?: OrderIdSource;
  readonly log?: (e: LogEntry) => void;
  /** Shared indicator outputs (parameter sweeps): indicators it holds are replayed, not recomputed. */
  readonly indicatorCache?: IndicatorCache;
};

export type KernelCounters = {
  ordersSubmitted: number;
  fills: number;
  rejectedOrders: number;
  ambiguousFills: number;
  /** Bars touching both legs of a bracket that finer bars decided (not ambiguous). */
  resolvedIntrabarFills: number;
};

type SeriesState = {
  readonly key: SeriesKey;
  readonly history: BarHistory;
  /** Indicators fed the bar by reference (engine/api kernels). */
  readonly barFed: BarFedIndicator[];
  /** Other Indicator implementations, fed the bar's fields. */
  readonly indicators: Indicator[];
  /** Indicators whose outputs come from an IndicatorCache column (indexed by the bar's position in the series). */
  readonly replays: Replay[];
  /** The finest series of its instrument: the broker fills against it and positions are marked on it. */
  readonly isExec: boolean;
  readonly position: PositionState;
};

type Queued = { readonly fill?: Fill; readonly update?: OrderUpdate };

type BarFedIndicator = Indicator & { nextBar(b: Bar): number };

type Replay = { readonly target: ReplayableIndicator; readonly col: Float64Array };

/** Raised when the strategy (or an indicator it registered) fails; the driver stops the run on it. */
export class StrategyError extends Error {
  constructor(message: string, readonly at: EpochMs, override readonly cause: unknown) {
    super(message);
  }
}

/**
 * The one kernel step shared by backtest, paper and live. It owns the strategy's view of the world
 * (ledger, open orders, bar histories, indicators) and forwards orders to whatever Broker is plugged in.
 * Per bar: push history → broker sees the bar (a simulator fills) → queued order events reach the
 * strategy → indicators are fed → onBar (once warmed up) → events caused by onBar reach the strategy.
 */
export class Kernel implements BrokerSink {
  readonly ledger: Ledger;
  readonly counters: KernelCounters = { ordersSubmitted: 0, fills: 0, rejectedOrders: 0, ambiguousFills: 0, resolvedIntrabarFills: 0 };
  readonly strategy: AnyStrategy;
  /** The bar being handled (for error messages). */
  currentBar: Bar | undefined;
  private readonly series: SeriesState[];
  private readonly allIndicators: Indicator[] = [];
  private readonly ctx: KernelContext;
  private state: unknown;
  private started = false;
  private warm = false;
  private warmupBars = 0;
  private readonly queue: Queued[] = [];
  private inHandler = false;
  private readonly hasOnFill: boolean;
  private readonly broker: Broker;
  private readonly hasOnUpdate: boolean;

  constructor(readonly opts: KernelOptions) {
    this.strategy = opts.strategy;
    this.broker = opts.broker;
    this.ledger = new Ledger(opts.cash);
    const finest = new Map<InstrumentId, number>();
    for (const s of opts.series) {
      const ms = timeframeMs(s.key.timeframe);
      const cur = finest.get(s.key.instrument);
      if (cur === undefined || ms < cur) finest.set(s.key.instrument, ms);
    }
    const execTaken = new Set<InstrumentId>();
    this.series = opts.series.map((s) => {
      const isExec = finest.get(s.key.instrument) === timeframeMs(s.key.timeframe) && !execTaken.has(s.key.instrument);
      if (isExec) execTaken.add(s.key.instrument);
      return { key: s.key, history: s.history, barFed: [], indicators: [], replays: [], isExec, position: this.ledger.position(s.key.instrument) };
    });
    this.hasOnFill = typeof opts.strategy.onFill === 'function';
    this.hasOnUpdate = typeof opts.strategy.onOrderUpdate === 'function';
    this.ctx = new KernelContext(this, opts);
    opts.broker.connect(this);
  }

  /** Runs the strategy's init (indicator registration) and fixes the warm-up. */
  start(): void {
    const ctx = this.ctx;
    ctx.registering = true;
    try {
      this.state = this.strategy.init(ctx as unknown as Context<ParamDecls>);
    } catch (e) {
      throw new StrategyError(`strategy "${this.strategy.id}" failed in init: ${errText(e)}`, this.opts.clock.now(), e);
    } finally {
      ctx.registering = false;
    }
    const declared = this.strategy.warmup ?? 0;
    if (!Number.isInteger(declared) || declared < 0) throw new UserError(`strategy "${this.strategy.id}": warmup must be a whole number of bars ≥ 0, got ${declared}`);
    this.warmupBars = declared;
    this.started = true;
  }

  seriesIndex(key: SeriesKey): number {
    return this.series.findIndex((s) => s.key.instrument === key.instrument && s.key.timeframe === key.timeframe);
  }

  seriesKeys(): SeriesKey[] {
    return this.series.map((s) => s.key);
  }

  handle(e: KernelEvent): void {
    switch (e.kind) {
      case 'bar':
        this.handleBar(e.series, e.bar);
        return;
      case 'stop':
        this.stop();
        return;
      default: {
        const never: never = e;
        throw new Error(`unknown kernel event ${JSON.stringify(never)}`);
      }
    }
  }

  /** A closed bar of series `k` (what handle({ kind: 'bar' }) does; the backtest driver calls it directly). */
  handleBar(k: number, bar: Bar): void {
    const s = this.series[k]!;
    this.currentBar = bar;
    s.history.push(bar);
    if (s.isExec) {
      this.broker.onBar(bar);
      s.position.mark = bar.close;
      if (this.queue.length !== 0) this.drain();
    }
    // Our kernels take the bar by reference (nextBar): five numbers passed to a call that is not inlined are
    // five allocations per bar; other Indicator implementations get next() with the fields.
    const fed = s.barFed;
    for (let i = 0; i < fed.length; i++) {
      const ind = fed[i]!;
      ind.nextBar(bar);
      // Read back from the field: a returned double is boxed when the call is not inlined.
      if (ind.value !== ind.value && ind.ready) this.nanIndicator(ind, s);
    }
    const inds = s.indicators;
    for (let i = 0; i < inds.length; i++) {
      const ind = inds[i]!;
      ind.next(bar.open, bar.high, bar.low, bar.close, bar.volume);
      if (ind.value !== ind.value && ind.ready) this.nanIndicator(ind, s);
    }
    const reps = s.replays;
    if (reps.length !== 0) {
      const at = s.history.count - 1;
      for (let i = 0; i < reps.length; i++) {
        const r = reps[i]!;
        const ind = r.target;
        ind.replay(r.col, at);
        if (ind.value !== ind.value && ind.ready) this.nanIndicator(ind, s);
      }
    }
    if (!this.warm && !this.checkWarm()) return;
    // No try/finally: a throwing strategy ends the run (the driver reports it).
    this.inHandler = true;
    this.strategy.onBar(bar, this.state, this.ctx as unknown as Context<ParamDecls>);
    this.inHandler = false;
    if (this.queue.length !== 0) this.drain();
  }

  private checkWarm(): boolean {
    if (this.series[0]!.history.count < this.warmupBars) return false;
    for (const ind of this.allIndicators) if (!ind.ready) return false;
    this.warm = true;
    return true;
  }

  private nanIndicator(ind: Indicator, s: SeriesState): never {
    throw new UserError(
      `indicator ${ind.name} on ${s.key.instrument} ${s.key.timeframe} produced NaN after its warm-up at ${isoUtc(this.currentBar!.openTime)} (is there a NaN or gap in the bars?)`,
    );
  }

  /** Calls onStop once. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    const onStop = this.strategy.onStop;
    if (onStop) {
      this.inHandler = true;
      try {
        onStop.call(this.strategy, this.state, this.ctx as unknown as Context<ParamDecls>);
      } finally {
        this.inHandler = false;
      }
      if (this.queue.length !== 0) this.drain();
    }
  }

  equity(): number {
    return this.ledger.equity();
  }

  // ---- BrokerSink: applied to the ledger at once, delivered to the strategy after the current handler.

  orderUpdated(u: OrderUpdate): void {
    this.ctx.applyUpdate(u);
    if (u.status === 'rejected') this.counters.rejectedOrders++;
    if (this.hasOnUpdate) this.enqueue({ update: u });
  }

  filled(f: Fill): void {
    this.ledger.apply(f);
    this.counters.fills++;
    if (f.ambiguous) this.counters.ambiguousFills++;
    else if (f.intrabarResolved) this.counters.resolvedIntrabarFills++;
    if (this.hasOnFill) this.enqueue({ fill: f });
  }

  private enqueue(q: Queued): void {
    this.queue.push(q);
  }

  /** Delivers queued order events to the strategy (drivers call it after feeding broker reports). */
  flush(): void {
    if (this.queue.length !== 0) this.drain();
  }

  private drain(): void {
    if (this.inHandler) return;
    const ctx = this.ctx as unknown as Context<ParamDecls>;
    const st = this.strategy;
    this.inHandler = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const q = this.queue[i]!;
        if (q.fill) st.onFill?.(q.fill, this.state, ctx);
        else if (q.update) st.onOrderUpdate?.(q.update, this.state, ctx);
      }
    } finally {
      truncate(this.queue, 0);
      this.inHandler = false;
    }
  }

  // ---- used by the context

  /** @internal */ registerIndicator(ind: Indicator, series: number): void {
    const s = this.series[series]!;
    const bars = this.opts.series[series]?.bars;
    const col = bars && this.opts.indicatorCache ? this.opts.indicatorCache.column(bars, ind) : undefined;
    if (col) s.replays.push({ target: ind as ReplayableIndicator, col });
    else if (typeof (ind as Partial<BarFedIndicator>).nextBar === 'function') s.barFed.push(ind as BarFedIndicator);
    else s.indicators.push(ind);
    this.allIndicators.push(ind);
  }
  /** @internal */ seriesState(i: number): SeriesState | undefined {
    return this.series[i];
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class KernelLog implements StrategyLog {
  constructor(private readonly clock: Clock, private readonly sink: ((e: LogEntry) => void) | undefined) {}
  private put(level: LogEntry['level'], msg: string, fields?: LogFields): void {
    if (this.sink) this.sink(fields ? { time: this.clock.now(), level, msg, fields } : { time: this.clock.now(), level, msg });
  }
  debug(msg: string, fields?: LogFields): void {
    this.put('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.put('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.put('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.put('error', msg, fields);
  }
}

/** The strategy's Context, backed by the kernel. Views are live objects: no allocation per bar. */
class KernelContext {
  registering = false;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly instrument: InstrumentId;
  readonly timeframe: Timeframe;
  readonly log: StrategyLog;
  private readonly kernel: Kernel;
  private readonly clock: Clock;
  private readonly broker: Broker;
  private readonly ids: OrderIdSource;
  private readonly primaryPos: PositionState;
  private readonly known: Set<InstrumentId>;
  /** Open orders, mutated in place; strategies get a snapshot taken only when it changed. */
  private readonly open: Order[] = [];
  private snapshot: readonly Order[] = [];
  private dirty = false;

  constructor(kernel: Kernel, opts: KernelOptions) {
    this.kernel = kernel;
    this.params = Object.freeze({ ...opts.params });
    const primary = opts.series[0]!.key;
    this.instrument = primary.instrument;
    this.timeframe = primary.timeframe;
    this.clock = opts.clock;
    this.broker = opts.broker;
    this.ids = opts.orderIds ?? sequentialOrderIds();
    this.primaryPos = kernel.ledger.position(primary.instrument);
    this.known = new Set(opts.series.map((s) => s.key.instrument));
    this.log = new KernelLog(opts.clock, opts.log);
  }

  get now(): EpochMs {
    return this.clock.now();
  }
  get cash(): number {
    return this.kernel.ledger.cash;
  }
  get equity(): number {
    return this.kernel.ledger.equity();
  }
  get openOrders(): readonly Order[] {
    if (this.dirty) {
      this.snapshot = Object.freeze(this.open.slice());
      this.dirty = false;
    }
    return this.snapshot;
  }

  indicator<I extends Indicator>(ind: I, series: SeriesRef = 0): I {
    if (!this.registering) throw new UserError(`strategy "${this.kernel.strategy.id}": ctx.indicator() may only be called in init`);
    if (!this.kernel.seriesState(series)) throw new UserError(`strategy "${this.kernel.strategy.id}": no series ${series} (use ctx.series(timeframe, instrument))`);
    if (!ind || typeof ind.next !== 'function') throw new UserError(`strategy "${this.kernel.strategy.id}": ctx.indicator() needs an indicator (from engine/api)`);
    this.kernel.registerIndicator(ind, series);
    return ind;
  }

  series(timeframe: Timeframe, instrument: InstrumentId = this.instrument): SeriesRef {
    const i = this.kernel.seriesIndex({ instrument, timeframe });
    if (i < 0) {
      const have = this.kernel.seriesKeys().map((k) => `${k.instrument} ${k.timeframe}`).join(', ');
      throw new UserError(`strategy "${this.kernel.strategy.id}" reads ${instrument} ${timeframe} but does not subscribe to it (subscribed: ${have}); add it to subscriptions`);
    }
    return i;
  }

  bars(n: number, series: SeriesRef = 0): readonly Bar[] {
    const s = this.kernel.seriesState(series);
    if (!s) throw new UserError(`strategy "${this.kernel.strategy.id}": no series ${series}`);
    return s.history.last(n);
  }

  position(instrument?: InstrumentId): PositionView {
    if (instrument === undefined || instrument === this.instrument) return this.primaryPos;
    if (!this.known.has(instrument)) throw this.unknownInstrument(instrument);
    return this.kernel.ledger.position(instrument);
  }

  submit(spec: OrderSpec): string {
    const instrument = spec.instrument ?? this.instrument;
    if (!this.known.has(instrument)) throw this.unknownInstrument(instrument);
    validateOrderSpec(spec);
    const now = this.clock.now();
    const id = this.ids.next(spec, instrument, now);
    const order = makeOrder(spec, id, instrument, 'signal', now);
    this.kernel.counters.ordersSubmitted++;
    this.broker.submit(order);
    return id;
  }

  cancel(id: string): void {
    if (!this.open.some((o) => o.id === id)) return; // already done: nothing to cancel
    this.broker.cancel(id, this.clock.now());
  }

  replace(id: string, changes: OrderChanges): void {
    const o = this.open.find((x) => x.id === id);
    if (!o) throw new UserError(`strategy "${this.kernel.strategy.id}": cannot replace order "${id}": it is not open`);
    validateOrderSpec({ ...o, ...changes });
    this.broker.replace(id, changes, this.clock.now());
  }

  /** Keeps openOrders current (a strategy iterating a snapshot is never disturbed). */
  applyUpdate(u: OrderUpdate): void {
    const open = this.open;
    const id = u.order.id;
    let i = -1;
    for (let j = 0; j < open.length; j++) {
      if (open[j]!.id === id) {
        i = j;
        break;
      }
    }
    const live = u.status === 'open' || u.status === 'partially-filled';
    if (live) {
      if (i < 0) open.push(u.order);
      else if (open[i] === u.order) return;
      else open[i] = u.order;
    } else if (i >= 0) {
      removeAt(open, i);
    } else return;
    this.dirty = true;
  }

  private unknownInstrument(instrument: string): UserError {
    return new UserError(`strategy "${this.kernel.strategy.id}": order or position for unknown instrument "${instrument}" (this run has ${[...this.known].join(', ')})`);
  }
}
