import crypto from 'node:crypto';
import path from 'node:path';
import { UserError, parseInstrument, timeframeMs, type Bar, type EpochMs, type InstrumentId, type Timeframe } from '../domain/index.js';
import type { Broker, BrokerSink, Clock, Fill, Order, OrderChanges, OrderUpdate, SeriesKey } from '../ports/index.js';
import type { AnyStrategy, ParamValue } from '../api/index.js';
import { Kernel, RingHistory, resolveUnits, type Ledger, type LogEntry } from '../core/index.js';
import { RiskGuard, type RiskLimits } from '../core/risk.js';
import { SimBroker } from '../brokers/sim/index.js';
import { CcxtBroker, IntentOrderIds, keyStoreCredentials, openLiveAccount, getExchange, type LiveAccount, type CredentialSource } from '../brokers/ccxt/index.js';
import { PollingLiveFeed } from '../../data/feeds/live-feed.js';
import { marketRulesFromCcxt } from '../../data/fetch/market-rules.js';
import type { OhlcvMarket } from '../../data/fetch/open-exchange.js';
import { OrderJournal, openTradingDb, type SessionRow } from '../../data/store/order-journal.js';
import { LiveSessions, type ControlCommand } from '../../data/store/live-sessions.js';
import { ExchangeKeyStore } from '../../data/store/exchange-keys.js';
import { PersistedNonce } from '../../data/store/live-nonces.js';
import type { Db } from '../../data/store/db.js';
import type { SecretBox } from '../signing/secret-box.js';
import { silentLogger, type Logger } from '../log/index.js';
import { requiredSeries, strategyParams } from './run-backtest.js';

/** The `live` config section (config/schema.ts) as the session needs it. */
export type LiveSettings = {
  readonly account: string;
  readonly recvWindowMs: number;
  readonly timeoutMs: number;
  readonly timeSyncIntervalMs: number;
  readonly safetyMarginMs: number;
  readonly verbose: boolean;
  readonly exchangeUrl?: string;
  readonly risk: RiskLimits;
};

export type SessionMode = 'paper' | 'live';

export type LiveSessionOptions = {
  readonly strategy: AnyStrategy;
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly instrument: InstrumentId;
  readonly timeframe: Timeframe;
  /** trading.db (journal, sessions, exchange keys). */
  readonly tradingDb: Db;
  readonly settings: LiveSettings;
  readonly log?: Logger;
  /** Poll period of the feed; 0 = the caller steps with `step()`. */
  readonly pollMs?: number;
  /** Warm-up bars loaded before the first live bar (from the store, fetched when missing). */
  readonly warmupBars?: number;
  readonly store?: import('../ports/index.js').BarStore;
  /** Paper: starting cash and fee rate of the simulated broker. */
  readonly cash?: number;
  readonly feeRate?: number;
  /** Live: where the exchange keys come from (the encrypted store by default). */
  readonly credentials?: CredentialSource;
  readonly box?: SecretBox;
  readonly sessionId?: string;
  readonly now?: () => EpochMs;
  readonly onStatus?: (s: SessionStatus) => void;
};

export type SessionStatus = {
  readonly sessionId: string;
  readonly mode: SessionMode;
  readonly bars: number;
  readonly lastBar: EpochMs | null;
  readonly equity: number;
  readonly cash: number;
  readonly position: number;
  readonly trades: number;
  readonly orders: number;
  readonly paused: string | null;
  readonly stopped: boolean;
};

/**
 * The kernel's clock in paper and live: the close time of the bar being handled (ctx.now's contract), set by the
 * session before each bar — so an order decided at a bar's close is stamped with that close, on real data
 * (≈ wall clock) and on a replayed series alike. Exchange I/O uses the wall clock.
 */
class BarCloseClock implements Clock {
  time: EpochMs = 0;
  now(): EpochMs {
    return this.time;
  }
}

/**
 * A paper or live session: live feed → async queue → the one Kernel; paper plugs in the simulated broker,
 * live the ccxt broker. Nothing in the kernel, the API or the strategy knows which.
 */
export class LiveSession {
  readonly sessionId: string;
  readonly kernel: Kernel;
  readonly feed: PollingLiveFeed;
  readonly journal: OrderJournal;
  readonly sessions: LiveSessions;
  readonly risk: RiskGuard;
  account: LiveAccount | undefined;
  readonly #broker: SessionBroker;
  readonly #keys: SeriesKey[];
  readonly #queue: Bar[] = [];
  #draining: Promise<void> | undefined;
  #bars = 0;
  #lastBar: EpochMs | null = null;
  #stopped = false;
  #tradesSeen = 0;
  readonly #log: Logger;
  /** Base-asset total on the exchange when the session started (live): the ledger's position is measured from it. */
  baseAtStart: number | undefined;
  /** Set when the exchange's balance disagrees with the ledger; trading for the instrument pauses. */
  mismatch: string | undefined;
  #lastBalanceCheck = 0;
  /** Closes the market-data instance's websockets (ccxt.pro) on stop. */
  closeSource: (() => Promise<unknown>) | undefined;

  private constructor(
    readonly mode: SessionMode,
    private readonly o: LiveSessionOptions,
    broker: SessionBroker,
    feed: PollingLiveFeed,
    kernel: Kernel,
    journal: OrderJournal,
    keys: SeriesKey[],
    sessionId: string,
    log: Logger,
    private readonly clock: BarCloseClock,
    risk: RiskGuard,
  ) {
    this.#broker = broker;
    this.feed = feed;
    this.kernel = kernel;
    this.journal = journal;
    this.#keys = keys;
    this.sessionId = sessionId;
    this.sessions = new LiveSessions(o.tradingDb);
    this.risk = risk;
    this.#log = log;
  }

  /** Builds, reconciles (live: every unsettled journal row before the strategy runs), warms up and subscribes. */
  static async open(mode: SessionMode, o: LiveSessionOptions): Promise<LiveSession> {
    const log = (o.log ?? silentLogger).child({ mode });
    const p = parseInstrument(o.instrument);
    const params = strategyParams(o.strategy, o.params);
    const keys = requiredSeries(o.strategy, { instrument: o.instrument, timeframe: o.timeframe });
    const journal = new OrderJournal(o.tradingDb);
    const sessionId = o.sessionId ?? `${mode}-${new Date((o.now ?? Date.now)()).toISOString().replace(/[-:]/g, '').slice(0, 15)}-${crypto.randomBytes(3).toString('hex')}`;
    const feeRate = o.feeRate ?? 0.001;
    let account: LiveAccount | undefined;
    let inner: Broker | undefined;
    let cash = o.cash ?? 10_000;
    let baseAtStart: number | undefined;
    let brokerRef: SessionBroker | undefined;
    let kernelRef: Kernel | undefined;
    const ids = new IntentOrderIds({
      accountId: o.settings.account, strategyInstanceId: `${o.strategy.id}-v${o.strategy.version}`, timeframe: o.timeframe,
      position: (i) => kernelRef?.ledger.position(i).size ?? 0,
      barOpenTime: () => kernelRef?.currentBar?.openTime,
    });
    if (mode === 'live') {
      const keyStore = o.box ? new ExchangeKeyStore(o.tradingDb, o.box) : undefined;
      // Previous keys whose rotation overlap has ended are dropped.
      keyStore?.purgeRetired();
      const credentials = o.credentials ?? (keyStore ? keyStoreCredentials(keyStore, o.settings.account, p.exchange) : undefined);
      if (!credentials) throw new UserError(`no exchange keys: add one with candlekeep keys exchange add --exchange ${p.exchange} --account ${o.settings.account}`);
      account = await openLiveAccount({
        exchangeId: p.exchange, accountId: o.settings.account, credentials, journal, log,
        recvWindowMs: o.settings.recvWindowMs, timeoutMs: o.settings.timeoutMs, verbose: o.settings.verbose,
        safetyMarginMs: o.settings.safetyMarginMs, timeSyncIntervalMs: o.settings.timeSyncIntervalMs,
        ...(o.settings.exchangeUrl ? { baseUrl: o.settings.exchangeUrl } : {}),
        ...(p.exchange === 'kraken' ? { nonce: new PersistedNonce(o.tradingDb, `${o.settings.account}:kraken`) } : {}),
      });
      const bal = await account.gate.run('fetchBalance', () => account!.handle.exchange.fetchBalance());
      cash = Number((bal as unknown as Record<string, { free?: number }>)[p.quote]?.free ?? 0);
      baseAtStart = Number((bal as unknown as Record<string, { total?: number }>)[p.base]?.total ?? 0);
      const ccxtBroker = new CcxtBroker(account.handle, account.path, log, {
        sessionId, accountId: o.settings.account, strategyInstanceId: `${o.strategy.id}-v${o.strategy.version}`, timeframe: o.timeframe,
        feeRate, intents: ids.intents,
      });
      account.listeners.push(ccxtBroker.onJournalChange);
      // A6.5: an order whose outcome stays unknown for 10 minutes pauses the strategy (the gate already alerted).
      account.stuckListeners.push((row) => { if (brokerRef) brokerRef.paused = `order ${row.clientOrderId} outcome unknown for too long`; });
      inner = ccxtBroker;
    }
    // Market data through its own keyless instance, so polling never queues in front of an order.
    // Websockets (watchOHLCV) wake the poll early on real exchanges that have them; a custom URL is polled only.
    const useWatch = !o.settings.exchangeUrl;
    const md = await getExchange({ exchangeId: p.exchange, accountId: `market-data:${p.exchange}`, ...(o.settings.exchangeUrl ? { baseUrl: o.settings.exchangeUrl } : {}), timeoutMs: o.settings.timeoutMs, pro: useWatch });
    await md.exchange.loadMarkets();
    // The market's precision and limits: paper fills round with them as the exchange would, and they are
    // recorded with the bars so a backtest (or `live diff`) of this period rounds the same way.
    const ccxtMarket = (md.exchange.markets as Record<string, OhlcvMarket> | undefined)?.[p.symbol];
    const rules = ccxtMarket ? marketRulesFromCcxt(ccxtMarket, (md.exchange as { precisionMode?: number }).precisionMode) : undefined;
    if (rules) o.store?.putMarketRules(o.instrument, rules, { source: `ccxt:${p.exchange}`, at: (o.now ?? Date.now)() });
    inner ??= new SimBroker({ cash, makerFeeRate: feeRate, takerFeeRate: feeRate, ...(rules ? { markets: { [o.instrument]: rules } } : {}) });
    const source = md.exchange;
    const clock = new BarCloseClock();
    const risk = new RiskGuard(o.settings.risk);
    const broker = new SessionBroker(inner, ids, () => clock.now(), risk, feeRate);
    brokerRef = broker;
    const feed = new PollingLiveFeed({
      source, pollMs: o.pollMs ?? 1000, ...(o.store ? { store: o.store } : {}),
      useWatch: useWatch && (md.exchange.has as Record<string, unknown>)['watchOHLCV'] === true,
      ...(account ? { exchangeNow: () => account!.clock.exchangeNow() } : {}),
      onError: (e) => log.warn({ err: e }, 'feed poll failed; retrying'),
    });
    const kernel = new Kernel({
      strategy: o.strategy, params, broker, clock, cash, orderIds: ids,
      series: keys.map((key) => ({ key, history: new RingHistory(5000) })),
      log: (e: LogEntry) => log.info({ strategyLog: e.msg, level: e.level, fields: e.fields ?? null }, 'strategy'),
    });
    kernelRef = kernel;
    broker.ledger = kernel.ledger;
    if (inner instanceof CcxtBroker) inner.account = kernel.ledger;
    const s = new LiveSession(mode, o, broker, feed, kernel, journal, keys, sessionId, log, clock, risk);
    s.account = account;
    if (baseAtStart !== undefined) s.baseAtStart = baseAtStart;
    if (useWatch) s.closeSource = () => (md.exchange as unknown as { close(): Promise<unknown> }).close();
    s.sessions.start({ id: sessionId, mode, strategy: o.strategy.id, params: JSON.stringify(params), instruments: o.instrument, timeframe: o.timeframe, accountId: o.settings.account, startedAt: (o.now ?? Date.now)() });
    kernel.start();
    // Warm-up: closed bars before the session, through the kernel with orders held back (history never trades).
    const since = new Map<string, EpochMs>();
    const warm = o.warmupBars ?? 0;
    if (warm > 0) {
      const now = account ? account.clock.exchangeNow() : Date.now();
      const all: Bar[] = [];
      for (const k of keys) {
        const got = await feed.warmup(k, warm, Math.floor(now / timeframeMs(k.timeframe)) * timeframeMs(k.timeframe) - timeframeMs(k.timeframe));
        all.push(...got);
        if (got.length) since.set(`${k.instrument}|${k.timeframe}`, got.at(-1)!.openTime);
      }
      all.sort((a, b) => a.openTime + timeframeMs(a.timeframe) - (b.openTime + timeframeMs(b.timeframe)) || timeframeMs(b.timeframe) - timeframeMs(a.timeframe));
      broker.holding = true;
      for (const b of all) {
        clock.time = b.openTime + timeframeMs(b.timeframe);
        kernel.handle({ kind: 'bar', series: kernel.seriesIndex(b), bar: b });
      }
      broker.holding = false;
    }
    feed.subscribe(keys, (bar) => s.#enqueue(bar), since);
    return s;
  }

  #enqueue(bar: Bar): void {
    this.#queue.push(bar);
    this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
  }

  async #drain(): Promise<void> {
    while (this.#queue.length && !this.#stopped) {
      const bar = this.#queue.shift()!;
      this.#controls();
      const idx = this.kernel.seriesIndex(bar);
      this.clock.time = bar.openTime + timeframeMs(bar.timeframe);
      this.kernel.handle({ kind: 'bar', series: idx, bar });
      if (idx === 0) {
        this.#bars++;
        this.#lastBar = bar.openTime;
        this.sessions.barSeen(this.sessionId, bar.openTime);
      }
      // Orders decided on this bar reach a known state before the next bar is handled.
      await this.#broker.settle();
      // Balances cost request weight (GET /account is 20 on Binance): check at most once a minute.
      if (idx === 0 && this.account && Date.now() - this.#lastBalanceCheck >= 60_000) {
        this.#lastBalanceCheck = Date.now();
        await this.reconcileBalances().catch((e) => this.#log.warn({ err: e }, 'balance reconciliation failed'));
      }
      await this.#afterBar();
      this.o.onStatus?.(this.status());
    }
  }

  async #afterBar(): Promise<void> {
    const trades = this.kernel.ledger.trades;
    for (; this.#tradesSeen < trades.length; this.#tradesSeen++) {
      const t = trades[this.#tradesSeen]!;
      this.risk.onTradeClosed(t.pnl, t.exitTime);
      this.sessions.addTrade(this.sessionId, t);
    }
    const kill = this.risk.onEquity(this.kernel.equity(), Date.now());
    if (kill) {
      this.#log.error({ reason: kill }, 'ALERT: kill switch: flattening and stopping');
      this.#broker.paused = `kill switch: ${kill}`;
      this.flatten();
      await this.#broker.settle();
      this.#stopped = true;
    }
  }

  /**
   * Live: the exchange's balances are the truth. The base asset must equal the amount at start plus the
   * ledger's position; a mismatch (an order placed outside the bot, a lost fill) is reported and new orders
   * for the instrument pause until the user resolves it. Returns the mismatch, if any.
   */
  async reconcileBalances(): Promise<string | undefined> {
    const a = this.account;
    if (!a || this.baseAtStart === undefined) return undefined;
    const p = parseInstrument(this.o.instrument);
    const bal = (await a.gate.run('fetchBalance', () => a.handle.exchange.fetchBalance())) as unknown as Record<string, { total?: number }>;
    const actual = Number(bal[p.base]?.total ?? 0);
    const expected = this.baseAtStart + this.kernel.ledger.position(this.o.instrument).size;
    const market = a.handle.exchange.markets?.[p.symbol] as { precision?: { amount?: number } } | undefined;
    const tol = Math.max(1e-9, (market?.precision?.amount ?? 1e-8) / 2);
    if (Math.abs(actual - expected) > tol) {
      this.mismatch = `${p.base} on the exchange is ${actual}, the ledger expects ${Number(expected.toFixed(12))} (start ${this.baseAtStart} + position ${this.kernel.ledger.position(this.o.instrument).size})`;
      this.#broker.paused = `ledger mismatch on ${this.o.instrument}: ${this.mismatch}`;
      this.#log.error({ instrument: this.o.instrument, actual, expected }, `ALERT: ${this.#broker.paused}`);
      return this.mismatch;
    }
    if (this.mismatch) {
      this.mismatch = undefined;
      this.#log.warn({ instrument: this.o.instrument }, 'ledger agrees with the exchange again');
    }
    return undefined;
  }

  #controls(): void {
    for (const c of this.sessions.takeCommands(this.sessionId)) this.apply(c);
  }

  /** pause | resume | flatten | stop (from `candlekeep live …` through the sessions table, or in-process). */
  apply(c: ControlCommand): void {
    this.#log.warn({ command: c }, 'control command');
    if (c === 'pause') this.#broker.paused = 'paused by the user';
    else if (c === 'resume') this.#broker.paused = undefined;
    else if (c === 'flatten') {
      this.flatten();
      this.#broker.paused = 'flattened by the user';
    } else if (c === 'stop') this.#stopped = true;
  }

  /** Closes every open position with market orders (risk lets reducing orders through). */
  flatten(): void {
    for (const pos of this.kernel.ledger.positions) {
      if (pos.size === 0) continue;
      this.#broker.flatten(pos.instrument, pos.size, this.kernel.currentBar?.openTime ?? 0);
    }
  }

  /** Polls the feed once and handles what arrived (tests and benchmarks step the session by hand). */
  async step(): Promise<number> {
    this.#controls();
    const n = await this.feed.poll().catch((e: unknown) => {
      this.#log.warn({ err: e }, 'feed poll failed; the next poll back-fills');
      return 0;
    });
    while (this.#draining) await this.#draining;
    return n;
  }

  status(): SessionStatus {
    const l = this.kernel.ledger;
    return {
      sessionId: this.sessionId, mode: this.mode, bars: this.#bars, lastBar: this.#lastBar, equity: l.equity(), cash: l.cash,
      position: l.position(this.o.instrument).size, trades: l.trades.length, orders: this.kernel.counters.ordersSubmitted,
      paused: this.#broker.paused ?? this.account?.gate.haltReason() ?? null, stopped: this.#stopped,
    };
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Stops cleanly: no bar is half-handled, every order in flight reaches a journal state, the session is closed. */
  async stop(status: SessionRow['status'] = 'stopped'): Promise<void> {
    await this.feed.close();
    while (this.#draining) await this.#draining;
    await this.#broker.settle();
    this.kernel.handle({ kind: 'stop' });
    this.account?.stop();
    await this.closeSource?.().catch(() => undefined);
    this.sessions.end(this.sessionId, status === 'running' ? 'stopped' : status);
  }
}

/**
 * Wraps the session's broker (simulated or ccxt alike): holds orders during warm-up, applies pause, enforces the
 * risk controls before any order leaves, and lets the session flatten.
 */
class SessionBroker implements Broker, BrokerSink {
  holding = false;
  paused: string | undefined;
  #sink: BrokerSink | undefined;
  #n = 0;
  readonly #open = new Set<string>();
  readonly #marks = new Map<InstrumentId, number>();
  ledger: Ledger | undefined;
  constructor(
    private readonly inner: Broker,
    private readonly ids: IntentOrderIds,
    private readonly now: () => EpochMs,
    private readonly risk: RiskGuard,
    private readonly feeRate: number,
  ) {}
  connect(sink: BrokerSink): void {
    this.#sink = sink;
    this.inner.connect(this);
  }
  orderUpdated(u: OrderUpdate): void {
    if (u.status === 'open' || u.status === 'partially-filled') this.#open.add(u.order.id);
    else this.#open.delete(u.order.id);
    this.#sink?.orderUpdated(u);
  }
  filled(f: Fill): void {
    this.#sink?.filled(f);
  }
  submit(order: Order): void {
    const reduces = this.#reduces(order);
    let reason = this.holding ? 'warm-up bar: history never trades' : reduces ? undefined : this.paused;
    if (!reason && !reduces) reason = this.#riskReason(order);
    if (reason) {
      this.#sink?.orderUpdated({ order, status: 'rejected', filled: 0, remaining: 0, reason, time: this.now() });
      return;
    }
    this.inner.submit(order);
  }
  #riskReason(o: Order): string | undefined {
    const l = this.ledger;
    const price = o.limitPrice ?? this.#marks.get(o.instrument);
    if (!l || price === undefined) return undefined;
    const pos = l.position(o.instrument).size;
    const units = resolveUnits(o.size, { side: o.side, price, equity: l.equity(), position: pos, feeRate: this.feeRate, fixedFee: 0, ...(o.stopLoss !== undefined ? { stopLoss: o.stopLoss } : {}) });
    const positions = new Map<InstrumentId, { size: number; price: number }>();
    for (const p of l.positions) if (p.size !== 0) positions.set(p.instrument, { size: p.size, price: this.#marks.get(p.instrument) ?? p.mark });
    if (!positions.has(o.instrument)) positions.set(o.instrument, { size: pos, price });
    const v = this.risk.check({ instrument: o.instrument, side: o.side, amount: units, price }, { positions, openOrders: this.#open.size }, this.now());
    return v.ok ? undefined : `risk: ${v.reason}`;
  }
  #reduces(o: Order): boolean {
    if (this.holding) return false;
    if ('closeAll' in o.size) return true;
    const pos = this.ledger?.position(o.instrument).size ?? 0;
    return 'units' in o.size && ((o.side === 'sell' && pos > 0 && o.size.units <= pos + 1e-12) || (o.side === 'buy' && pos < 0 && o.size.units <= -pos + 1e-12));
  }
  cancel(id: string, time: EpochMs): void {
    this.inner.cancel(id, time);
  }
  replace(id: string, changes: OrderChanges, time: EpochMs): void {
    this.inner.replace(id, changes, time);
  }
  onBar(bar: Bar): void {
    this.#marks.set(bar.instrument, bar.close);
    this.inner.onBar(bar);
  }
  flatten(instrument: InstrumentId, size: number, barOpenTime: EpochMs): void {
    const side = size > 0 ? 'sell' : 'buy';
    const id = this.ids.manual(instrument, barOpenTime, this.#n++);
    this.inner.submit({ id, type: 'market', side, size: { closeAll: true }, instrument, timeInForce: 'GTC', role: 'signal', submittedAt: this.now(), tag: 'flatten' });
  }
  async settle(): Promise<void> {
    if (this.inner instanceof CcxtBroker) await this.inner.settle();
  }
}

export type RunLiveOptions = Omit<LiveSessionOptions, 'tradingDb'> & { readonly tradingDbFile: string };

/** live = live feed + ccxt broker + wall clock. */
export function runLive(o: LiveSessionOptions): Promise<LiveSession> {
  return LiveSession.open('live', o);
}

export function openTrading(file: string): Db {
  return openTradingDb(path.resolve(file));
}
