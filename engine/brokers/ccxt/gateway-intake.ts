import type { Db } from '../../../data/store/db.js';
import { OrderJournal, type JournalRow } from '../../../data/store/order-journal.js';
import { clientOrderId as deriveClientOrderId, clientOrderIdFor, type OrderIntent } from '../../core/client-order-id.js';
import { RiskGuard, type RiskLimits } from '../../core/risk.js';
import type { InstrumentId } from '../../domain/index.js';
import type { Logger } from '../../log/index.js';
import type {
  BalanceView, CancelResult, FlattenResult, IntakeOrder, IntakeOrderStatus, IntakeOrderView, OrderFilter, OrderIntake, PositionView, ReconciledOrder,
} from '../../ports/index.js';
import type { CredentialSource } from './exchange-factory.js';
import { openLiveAccount, type LiveAccount, type LiveAccountOptions } from './live-account.js';

/** Gateway rows in the order journal carry `session_id = "gw:" + principal` (the A4 accountId of a gateway intent). */
const SESSION_PREFIX = 'gw:';
/** The A4 tuple constants of a gateway intent (engine/gateway/order-body.ts gatewayIntent), to rebuild it after a restart. */
const GATEWAY_EXCHANGE = 'gateway';
const CANCELED_PREFIX = 'canceled by ';


export type GatewayIntakeOptions = {
  /** trading.db (openTradingDb): the same journal the live sessions write. */
  readonly tradingDb: Db;
  readonly exchangeId: string;
  /** Exchange account whose key signs (`live.account`). */
  readonly accountId: string;
  readonly credentials: CredentialSource;
  /** Config `live.risk`. */
  readonly risk: RiskLimits;
  readonly log: Logger;
  readonly baseUrl?: string;
  readonly recvWindowMs?: number;
  readonly timeoutMs?: number;
  readonly timeSyncIntervalMs?: number;
  readonly safetyMarginMs?: number;
  readonly nonce?: LiveAccountOptions['nonce'];
  readonly now?: () => number;
  /** How often open (ACKED) gateway orders are re-read for fills and terminal states. Default 5 s. */
  readonly refreshOpenMs?: number;
  /** Balances are re-read after executed orders at most this often. Default 5 s. */
  readonly balanceRefreshMs?: number;
  /** How long `close()` waits for the order in flight (its journal row is reconciled at the next start otherwise). Default 15 s. */
  readonly closeWaitMs?: number;
  /** Runs last in `close()` (the composition root closes the trading database it opened). */
  readonly onClose?: () => void;
};

type Job = { readonly kind: 'execute'; readonly id: string } | { readonly kind: 'cancel'; readonly id: string } | { readonly kind: 'refresh' };

/**
 * The live OrderIntake (engine/ports/order-intake.ts checklist): gateway orders go through the SAME journal,
 * risk checks and order path as strategy orders.
 * - `submit` journals the order PLANNED (client_order_id UNIQUE; an existing id changes nothing), commits
 *   (trading.db, synchronous=FULL; submissions of one event-loop turn share one commit), enqueues, resolves —
 *   before any ccxt call.
 * - One worker drains the queue in arrival order: pause check, pre-trade risk (RiskGuard with `live.risk`; a
 *   refusal is journaled REJECTED with the reason), then `OrderPath.place` (A5 write-ahead and classification, A6
 *   reconciliation by client id).
 * - Reads answer from the journal and a cached balance snapshot, never from an exchange call.
 */
/** The intake_state name of the gateway's pause (trading DB, per account). */
const PAUSED = 'gateway.paused';

export class GatewayOrderIntake implements OrderIntake {
  readonly #journal: OrderJournal;
  readonly #account: LiveAccount;
  readonly #risk: RiskGuard;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #onClose: (() => void) | undefined;
  readonly #intents = new Map<string, OrderIntent>();
  #pending: { order: IntakeOrder; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #flushScheduled = false;
  #jobs: Job[] = [];
  #running: Promise<void> | undefined;
  /** Why new orders are not executed ("paused" after the pause command), or undefined. */
  #paused: string | undefined;
  #closed = false;
  #balances: BalanceView[] = [];
  #balanceRefresh: Promise<void> | undefined;
  #balanceTimer: NodeJS.Timeout | undefined;
  #lastBalanceAt = 0;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #o: GatewayIntakeOptions;
  #onReconciled: ((r: ReconciledOrder) => void) | undefined;
  /** Rows reconciled at start-up (before a listener could exist), reported once one is registered. */
  #pendingReconciled: JournalRow[] = [];
  #flattenSeq = 0;
  /** Last known price per symbol (tickers read for orders, fills): marks the account for the kill switches. */
  readonly #marks = new Map<string, number>();

  private constructor(journal: OrderJournal, account: LiveAccount, o: GatewayIntakeOptions) {
    this.#journal = journal;
    this.#account = account;
    this.#risk = new RiskGuard(o.risk);
    this.#log = o.log;
    this.#now = o.now ?? Date.now;
    this.#onClose = o.onClose;
    this.#o = o;
    // A pause command outlives a restart: it stays until resumed.
    if (journal.intakeState(o.accountId, PAUSED) === 'true') this.#paused = 'paused';
    // A6.5: an outcome unknown for too long pauses new gateway orders (the order path has logged the alert).
    account.stuckListeners.push((row) => { this.#paused ??= `paused: order ${row.clientOrderId} outcome unknown for too long`; });
    const refresh = setInterval(() => {
      if (this.#closed || this.#jobs.some((j) => j.kind === 'refresh')) return;
      if (!this.#gatewayRows().some((r) => r.state === 'ACKED')) return;
      this.#jobs.push({ kind: 'refresh' });
      this.#kick();
    }, o.refreshOpenMs ?? 5000);
    refresh.unref();
    this.#timers.push(refresh);
    account.listeners.push((row, prev) => {
      if (prev?.state !== 'UNKNOWN' || row.state === 'UNKNOWN' || !isGatewayRow(row)) return;
      this.#reconciled(row);
    });
  }

  /**
   * Opens the account (loads markets, syncs the clock, reconciles every SUBMITTING/UNKNOWN journal row before
   * anything else runs), reads the balances once, and queues gateway orders accepted but not executed before a restart.
   */
  static async open(o: GatewayIntakeOptions): Promise<GatewayOrderIntake> {
    const journal = new OrderJournal(o.tradingDb, o.now);
    const before = journal.unsettled().filter(isGatewayRow);
    const account = await openLiveAccount({
      exchangeId: o.exchangeId, accountId: o.accountId, credentials: o.credentials, journal, log: o.log,
      ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}),
      ...(o.recvWindowMs !== undefined ? { recvWindowMs: o.recvWindowMs } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.timeSyncIntervalMs !== undefined ? { timeSyncIntervalMs: o.timeSyncIntervalMs } : {}),
      ...(o.safetyMarginMs !== undefined ? { safetyMarginMs: o.safetyMarginMs } : {}),
      ...(o.nonce ? { nonce: o.nonce } : {}),
    });
    const intake = new GatewayOrderIntake(journal, account, o);
    try {
      await intake.#refreshBalances();
    } catch (e) {
      for (const t of intake.#timers) clearInterval(t);
      account.stop();
      throw e;
    }
    // Reconciled during openLiveAccount, before the listener existed: reported now.
    for (const r of before) {
      const now = journal.get(r.clientOrderId);
      if (now && now.state !== 'SUBMITTING' && now.state !== 'UNKNOWN') intake.#pendingReconciled.push(now);
    }
    for (const r of intake.#gatewayRows()) if (r.state === 'PLANNED') intake.#jobs.push({ kind: 'execute', id: r.clientOrderId });
    intake.#kick();
    return intake;
  }

  get account(): LiveAccount {
    return this.#account;
  }

  get journal(): OrderJournal {
    return this.#journal;
  }

  onReconciled(listener: ((r: ReconciledOrder) => void) | undefined): void {
    this.#onReconciled = listener;
    if (listener) for (const r of this.#pendingReconciled.splice(0)) this.#reconciled(r);
  }

  #reconciled(row: JournalRow): void {
    const f = this.#onReconciled;
    if (!f) return;
    try {
      f({ order: viewOf(row), at: this.#now() });
    } catch (e) {
      this.#log.error({ err: e, clientOrderId: row.clientOrderId }, 'order.reconciled listener failed');
    }
  }

  // ---- submit: journal, commit, enqueue, resolve (no exchange I/O) ----

  submit(order: IntakeOrder): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the live order intake is closed'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ order, resolve, reject });
      if (this.#flushScheduled) return;
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  /** Group commit: the submissions of one event-loop turn are journaled in one transaction (one fsync). */
  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const fresh: string[] = [];
    try {
      this.#journal.db.transaction(() => {
        for (const b of batch) {
          const planned = this.#plan(b.order);
          if (planned) fresh.push(planned);
        }
      })();
    } catch (e) {
      for (const b of batch) b.reject(e);
      return;
    }
    for (const b of batch) b.resolve();
    for (const id of fresh) this.#jobs.push({ kind: 'execute', id });
    if (fresh.length) this.#kick();
  }

  /** Journals one order PLANNED; returns its id when it is new and executable. Runs inside the batch transaction. */
  #plan(o: IntakeOrder): string | undefined {
    const { id } = clientOrderIdFor(this.#account.handle.exchangeId, o.intent);
    this.#intents.set(id, o.intent);
    if (this.#journal.get(id)) return undefined;
    // Rounded to the market's precision at the one seam (local: markets were loaded at start-up).
    let amount = Number(o.amount);
    let price = o.price === null ? null : Number(o.price);
    let refused: string | undefined;
    try {
      const ex = this.#account.handle.exchange;
      if (!ex.markets?.[o.symbol]) throw new Error(`unknown symbol ${o.symbol} on ${this.#account.handle.exchangeId}`);
      amount = Number(ex.amountToPrecision(o.symbol, amount));
      if (price !== null) price = Number(ex.priceToPrecision(o.symbol, price));
      if (!(amount > 0)) refused = `amount ${o.amount} rounds to zero at the market precision`;
    } catch (e) {
      refused = e instanceof Error ? e.message : String(e);
    }
    const { row } = this.#journal.plan({
      clientOrderId: id, sessionId: o.intent.accountId, accountId: this.#account.handle.accountId, exchangeId: this.#account.handle.exchangeId,
      strategyInstanceId: o.intent.strategyInstanceId, symbol: o.symbol, timeframe: o.intent.timeframe, barOpenTime: o.intent.barOpenTimeMs,
      intentKind: o.intent.intentKind, legIndex: o.intent.legIndex, revision: o.intent.revision, side: o.side, type: o.type,
      amount: Number.isFinite(amount) ? amount : 0, price: price !== null && Number.isFinite(price) ? price : null,
    });
    if (refused) {
      this.#journal.transition(row.clientOrderId, 'REJECTED', { lastError: refused }, 'refused at intake');
      return undefined;
    }
    return id;
  }

  // ---- the worker ----

  #kick(): void {
    if (this.#running || this.#closed) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#jobs.length && !this.#closed) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#jobs.length && !this.#closed) {
      const job = this.#jobs.shift()!;
      try {
        if (job.kind === 'execute') await this.#execute(job.id);
        else if (job.kind === 'cancel') await this.#account.path.cancel(job.id);
        else await this.#account.path.refreshOpen();
      } catch (e) {
        this.#log.error({ err: e, job }, 'gateway order job failed');
      }
      if (!this.#closed) this.#scheduleBalanceRefresh();
    }
  }

  async #execute(id: string): Promise<void> {
    const row = this.#journal.get(id);
    if (!row || row.state !== 'PLANNED') return;
    // Flatten's closing orders carry an exit intent kind; callers' intents are always "manual", so none can pose as one.
    const flattening = row.intentKind === 'exit-long' || row.intentKind === 'exit-short';
    if (this.#paused && !flattening) return void this.#reject(row, this.#paused);
    const price = await this.#referencePrice(row);
    // Shutting down: the order stays PLANNED and is executed after the next start.
    if (this.#closed) return;
    if (price === undefined) return void this.#reject(row, `risk: no reference price for ${row.symbol} (fetchTicker failed and nothing filled yet)`);
    // The daily-loss and drawdown kill switches, on the account marked at the newest prices.
    const killed = this.#checkEquity(row.symbol);
    if (killed && !flattening) return void this.#reject(row, `risk: kill switch: ${killed}`);
    const verdict = this.#risk.check(
      { instrument: this.#instrument(row.symbol), side: row.side, amount: row.amount, price },
      { positions: this.#riskPositions(row.symbol, price), openOrders: this.#gatewayRows().filter((r) => r.state === 'ACKED').length },
      this.#now(),
    );
    if (!verdict.ok) return void this.#reject(row, `risk: ${verdict.reason}`);
    // Canceled (or rejected) while the ticker was being read.
    if (this.#journal.get(id)?.state !== 'PLANNED') return;
    const intent = this.#intentOf(row);
    if (!intent) return void this.#reject(row, 'internal: the intent tuple of this client order id could not be rebuilt');
    // The row journaled PLANNED at acceptance leaves through the account's one order path (A5/A6).
    const done = await this.#account.path.sendPlanned(intent);
    this.#log.info({ clientOrderId: id, state: done.state, filled: done.filled }, 'gateway order executed');
  }

  /** The A4 intent the client order id was derived from (kept from submit; rebuilt from the row after a restart). */
  #intentOf(row: JournalRow): OrderIntent | undefined {
    const exchangeId = this.#account.handle.exchangeId;
    const known = this.#intents.get(row.clientOrderId);
    const rebuilt: OrderIntent = {
      accountId: row.sessionId, exchangeId: GATEWAY_EXCHANGE, strategyInstanceId: row.strategyInstanceId, symbol: '-', timeframe: row.timeframe,
      barOpenTimeMs: row.barOpenTime, intentKind: row.intentKind as OrderIntent['intentKind'], legIndex: row.legIndex, revision: row.revision,
    };
    for (const i of known ? [known, rebuilt] : [rebuilt]) if (clientOrderIdFor(exchangeId, i).id === row.clientOrderId) return i;
    return undefined;
  }

  async #referencePrice(row: JournalRow): Promise<number | undefined> {
    if (row.type === 'limit' && row.price !== null) return row.price;
    try {
      const t = await this.#account.gate.run('fetchTicker', () => this.#account.handle.exchange.fetchTicker(row.symbol));
      const px = t.last ?? t.close;
      if (px !== undefined && Number.isFinite(px) && px > 0) {
        this.#marks.set(row.symbol, px);
        return px;
      }
    } catch (e) {
      this.#log.warn({ err: e, symbol: row.symbol }, 'fetchTicker failed; using the last fill price');
    }
    const fills = this.#gatewayRows().filter((r) => r.symbol === row.symbol && r.filled > 0 && r.avgPrice !== null);
    return fills.at(-1)?.avgPrice ?? undefined;
  }

  #riskPositions(symbol: string, price: number): Map<InstrumentId, { size: number; price: number }> {
    const out = new Map<InstrumentId, { size: number; price: number }>();
    for (const p of this.#positionMap()) {
      out.set(this.#instrument(p.symbol), { size: p.amount, price: p.symbol === symbol ? price : p.averagePrice ?? price });
    }
    if (!out.has(this.#instrument(symbol))) out.set(this.#instrument(symbol), { size: 0, price });
    return out;
  }

  #instrument(symbol: string): InstrumentId {
    return `${this.#account.handle.exchangeId}:${symbol}` as InstrumentId;
  }

  #reject(row: JournalRow, reason: string): void {
    this.#log.warn({ clientOrderId: row.clientOrderId, reason }, 'gateway order rejected before sending');
    this.#journal.transition(row.clientOrderId, 'REJECTED', { lastError: reason });
  }

  /** GET /account costs request weight (20 on Binance): re-read at most once per balanceRefreshMs, coalesced. */
  #scheduleBalanceRefresh(): void {
    if (this.#balanceTimer || this.#closed) return;
    const wait = Math.max(0, this.#lastBalanceAt + (this.#o.balanceRefreshMs ?? 5000) - this.#now());
    this.#balanceTimer = setTimeout(() => {
      this.#balanceTimer = undefined;
      if (this.#closed) return;
      this.#balanceRefresh ??= this.#refreshBalances()
        .catch((e: unknown) => this.#log.warn({ err: e }, 'balance refresh failed; keeping the last snapshot'))
        .finally(() => (this.#balanceRefresh = undefined));
    }, wait);
  }

  async #refreshBalances(): Promise<void> {
    this.#lastBalanceAt = this.#now();
    const bal = (await this.#account.gate.run('fetchBalance', () => this.#account.handle.exchange.fetchBalance())) as unknown as { total?: Record<string, number | undefined> };
    this.#balances = Object.entries(bal.total ?? {})
      .filter(([, v]) => typeof v === 'number' && v !== 0)
      .map(([currency, total]) => ({ currency, total: total as number }))
      .sort((a, b) => a.currency.localeCompare(b.currency));
    const last = this.#gatewayRows().at(-1);
    if (last) this.#checkEquity(last.symbol);
  }

  /**
   * Feeds the account's equity to the daily-loss and drawdown limits (config `live.risk`), in the quote currency
   * of `symbol`: that currency's balance plus every other balance marked at its last known `<asset>/<quote>` price
   * (assets without one are left out). When a limit fires, the gateway pauses (persisted, like the pause command)
   * and flattens its positions; the guard then refuses new risk until the gateway restarts, and `resume` after
   * that restart re-enables trading. Returns the kill switch's reason once it has fired.
   */
  #checkEquity(symbol: string): string | undefined {
    const l = this.#risk.limits;
    if (l.maxDailyLoss === undefined && l.maxDrawdownPct === undefined) return undefined;
    if (this.#risk.killed) return this.#risk.killed;
    const quote = symbol.split('/')[1]?.split(':')[0];
    if (!quote || this.#balances.length === 0) return undefined;
    let equity = 0;
    for (const b of this.#balances) {
      if (b.currency === quote) equity += b.total;
      else {
        const px = this.#marks.get(`${b.currency}/${quote}`);
        if (px !== undefined) equity += b.total * px;
      }
    }
    const why = this.#risk.onEquity(equity, this.#now());
    if (why === undefined) return undefined;
    this.#log.error({ equity, quote, reason: why }, 'gateway kill switch: pausing and flattening');
    this.#journal.setIntakeState(this.#o.accountId, PAUSED, 'true');
    this.#paused = `paused: kill switch: ${why}`;
    // After the caller's own verdict (the order that found the loss is rejected, not cancelled by the flatten).
    setImmediate(() => {
      if (!this.#closed) void this.flatten('risk').catch((e: unknown) => this.#log.error({ err: e }, 'kill switch flatten failed'));
    });
    return why;
  }

  // ---- reads (journal and cached snapshot only) ----

  #gatewayRows(): JournalRow[] {
    const h = this.#account.handle;
    return this.#journal.all().filter((r) => isGatewayRow(r) && r.accountId === h.accountId && r.exchangeId === h.exchangeId);
  }

  async listOrders(filter: OrderFilter): Promise<IntakeOrderView[]> {
    this.#flushNow();
    let views = this.#gatewayRows().map(viewOf).reverse();
    if (filter.status) views = views.filter((v) => v.status === filter.status);
    if (filter.symbol) views = views.filter((v) => v.symbol === filter.symbol);
    return views.slice(0, filter.limit ?? 100);
  }

  /** Net filled amount per symbol from the gateway's journal rows; average entry price as the ledger keeps it. */
  #positionMap(): PositionView[] {
    const pos = new Map<string, { amount: number; cost: number }>();
    for (const r of this.#gatewayRows()) {
      if (!(r.filled > 0) || r.avgPrice === null) continue;
      const p = pos.get(r.symbol) ?? { amount: 0, cost: 0 };
      const sign = r.side === 'buy' ? 1 : -1;
      const next = p.amount + sign * r.filled;
      // Adds move the average, reductions keep it, a flip restarts it at the fill price.
      if (Math.abs(next) < 1e-12) pos.set(r.symbol, { amount: 0, cost: 0 });
      else if (p.amount !== 0 && Math.sign(next) !== Math.sign(p.amount)) pos.set(r.symbol, { amount: next, cost: next * r.avgPrice });
      else if (Math.abs(next) > Math.abs(p.amount)) pos.set(r.symbol, { amount: next, cost: p.cost + sign * r.filled * r.avgPrice });
      else pos.set(r.symbol, { amount: next, cost: p.amount === 0 ? 0 : (p.cost / p.amount) * next });
    }
    return [...pos]
      .filter(([, p]) => p.amount !== 0)
      .map(([symbol, p]) => ({ symbol, amount: round(p.amount), averagePrice: round(p.cost / p.amount) }));
  }

  async positions(): Promise<PositionView[]> {
    return this.#positionMap();
  }

  /** The exchange's balances as last read (at start-up and after each executed order), never a request-path call. */
  async balances(): Promise<BalanceView[]> {
    return this.#balances;
  }

  // ---- commands ----

  async cancel(clientOrderId: string, by: string): Promise<CancelResult> {
    this.#flushNow();
    const row = this.#journal.get(clientOrderId);
    if (!row || !isGatewayRow(row)) return { ok: false, reason: 'not_found' };
    if (row.state === 'PLANNED') {
      // Never sent: nothing exists at the exchange, so the cancel is final at once.
      const next = this.#journal.transition(clientOrderId, 'REJECTED', { lastError: `${CANCELED_PREFIX}${by}` }, 'canceled before sending');
      return { ok: true, order: viewOf(next) };
    }
    if (row.state === 'ACKED') {
      this.#jobs.push({ kind: 'cancel', id: clientOrderId });
      this.#kick();
      return { ok: true, order: viewOf(row) };
    }
    return { ok: false, reason: 'not_cancelable' };
  }

  async pause(by: string): Promise<void> {
    this.#journal.setIntakeState(this.#o.accountId, PAUSED, 'true');
    this.#paused = 'paused';
    this.#log.warn({ by }, 'gateway orders paused');
  }

  async resume(by: string): Promise<void> {
    this.#journal.setIntakeState(this.#o.accountId, PAUSED, undefined);
    this.#paused = undefined;
    this.#log.warn({ by }, 'gateway orders resumed');
  }

  isPaused(): boolean {
    return this.#paused !== undefined;
  }

  /** Cancels the gateway's open orders and closes its positions with market orders (reducing: risk lets them through). */
  async flatten(by: string): Promise<FlattenResult> {
    this.#flushNow();
    let canceled = 0;
    for (const r of this.#gatewayRows()) {
      if (r.state !== 'PLANNED' && r.state !== 'ACKED') continue;
      const c = await this.cancel(r.clientOrderId, `${by} (flatten)`);
      if (c.ok) canceled++;
    }
    let closing = 0;
    const now = this.#now();
    for (const p of this.#positionMap()) {
      const intentId = `flatten:${now}:${this.#flattenSeq++}:${p.symbol}`;
      const intent: OrderIntent = {
        accountId: `${SESSION_PREFIX}${by}`, exchangeId: GATEWAY_EXCHANGE, strategyInstanceId: intentId, symbol: '-', timeframe: '-',
        barOpenTimeMs: 0, intentKind: p.amount > 0 ? 'exit-long' : 'exit-short', legIndex: 0, revision: 0,
      };
      await this.submit({
        intentId, principal: by, source: 'api', intent, clientOrderId: deriveClientOrderId(intent), symbol: p.symbol,
        side: p.amount > 0 ? 'sell' : 'buy', type: 'market', amount: String(Math.abs(p.amount)), price: null, receivedAt: now,
      });
      closing++;
    }
    return { canceled, closing };
  }

  #flushNow(): void {
    if (this.#pending.length) this.#flush();
  }

  /** Resolves once every queued job has run (tests, shutdown). */
  async idle(): Promise<void> {
    while (!this.#closed && (this.#pending.length || this.#running || this.#flushScheduled || this.#jobs.length)) {
      if (this.#running) await this.#running;
      else await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Commits pending submissions, lets the order in flight reach a journal state, then stops. Orders still PLANNED
   * are executed after the next start; SUBMITTING/UNKNOWN rows are reconciled at the next start.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    // Closed first, so the submissions committed here wait for the next start instead of starting the worker now.
    this.#closed = true;
    this.#flushNow();
    this.#onReconciled = undefined;
    for (const t of this.#timers) clearInterval(t);
    if (this.#balanceTimer) clearTimeout(this.#balanceTimer);
    const wait = this.#o.closeWaitMs ?? 15_000;
    const inFlight = Promise.all([this.#running, this.#balanceRefresh]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([inFlight, new Promise<false>((r) => (timer = setTimeout(() => r(false), wait)))]);
    clearTimeout(timer);
    if (!finished) this.#log.warn({ waitedMs: wait }, 'closing with an order in flight: its journal row is reconciled at the next start');
    this.#account.stop();
    this.#onClose?.();
  }
}

function isGatewayRow(r: JournalRow): boolean {
  return r.sessionId.startsWith(SESSION_PREFIX);
}

/** Journal state → the port's status (checklist step 2). */
function statusOf(r: JournalRow): IntakeOrderStatus {
  switch (r.state) {
    case 'PLANNED':
      return 'accepted';
    case 'SUBMITTING':
    case 'UNKNOWN':
      return 'unknown';
    case 'ACKED':
      return 'open';
    case 'FILLED':
      return 'filled';
    case 'CANCELED':
      return 'canceled';
    case 'REJECTED':
      // A PLANNED order canceled before it was sent is journaled REJECTED (the state machine has no PLANNED → CANCELED).
      return r.lastError?.startsWith(CANCELED_PREFIX) ? 'canceled' : 'rejected';
    case 'NOT_PLACED':
      return 'rejected';
  }
}

function viewOf(r: JournalRow): IntakeOrderView {
  const principal = r.sessionId.slice(SESSION_PREFIX.length);
  const status = statusOf(r);
  return {
    clientOrderId: r.clientOrderId, intentId: r.strategyInstanceId, principal, source: principal.startsWith('tv:') ? 'tradingview' : 'api',
    symbol: r.symbol, side: r.side, type: r.type, amount: String(r.amount), price: r.price === null ? null : String(r.price), status,
    filledAmount: r.filled, averagePrice: r.avgPrice,
    reason: status === 'rejected' || status === 'canceled' ? r.lastError ?? (r.state === 'NOT_PLACED' ? 'not placed: the exchange never received it' : null) : null,
    createdAt: r.createdAt, updatedAt: r.updatedAt,
  };
}

function round(x: number): number {
  return Math.round(x * 1e10) / 1e10;
}
