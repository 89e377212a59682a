import type { JournalRow, OrderJournal, OrderState, StateUpdate } from '../../../data/store/order-journal.js';
import type { Logger } from '../../log/index.js';
import type { OrderIntent } from '../../core/client-order-id.js';
import { clientOrderIdFor } from '../../core/client-order-id.js';
import { classify } from './classify.js';
import type { ClockSync } from './clock-sync.js';
import type { CcxtModule, CcxtOrder } from './ccxt-types.js';
import { sleep } from './ccxt-types.js';
import type { ExchangeGate } from './exchange-gate.js';
import type { ExchangeHandle } from './exchange-factory.js';

export type PlaceRequest = {
  readonly sessionId: string;
  readonly intent: OrderIntent;
  readonly side: 'buy' | 'sell';
  readonly type: 'market' | 'limit';
  readonly amount: number;
  readonly price?: number;
};

export type OrderPathOptions = {
  readonly now?: () => number;
  /** Automatic resends of the same id after reconciliation concluded NOT_PLACED (0 = leave it to the strategy). */
  readonly resendsAfterNotPlaced?: number;
  /** After this long UNKNOWN the strategy pauses and an alert is logged (A6.5). Default 10 minutes. */
  readonly unknownAlertMs?: number;
  /** First backoff of a failed reconciliation query. */
  readonly queryBackoffMs?: number;
  /** Called on every journal state change (the broker turns them into order updates and fills). */
  readonly onChange?: (row: JournalRow, previous: JournalRow | undefined) => void;
  /** Called when an intent has been UNKNOWN for unknownAlertMs. */
  readonly onStuck?: (row: JournalRow) => void;
};

/** The state an exchange order maps to in the journal. */
export function stateOf(o: CcxtOrder): OrderState {
  switch (o.status) {
    case 'closed':
      return 'FILLED';
    case 'canceled':
    case 'expired':
    case 'rejected':
      return 'CANCELED';
    default:
      return 'ACKED';
  }
}

function factsOf(o: CcxtOrder): StateUpdate {
  const fees = (o as { fees?: { cost?: number }[] }).fees ?? [];
  const fee = o.fee?.cost ?? fees.reduce((a: number, f) => a + (f.cost ?? 0), 0);
  const feeQuote = o.fee?.currency && o.symbol && o.fee.currency === o.symbol.split('/')[0] ? fee * (o.average ?? o.price ?? 0) : fee;
  return { exchangeOrderId: String(o.id), filled: o.filled ?? 0, avgPrice: o.average ?? null, fee: feeQuote ?? 0 };
}

/**
 * SIGNING.md A5 + A6: the only place an order request leaves the process.
 * Write-ahead: SUBMITTING (with sentExchangeTs) is committed before createOrder; ccxt never retries it;
 * every failure is classified; an unknown outcome is reconciled by client id before anything is resent.
 */
export class OrderPath {
  readonly #now: () => number;
  /** (strategy, symbol) pairs with an intent in an unknown state: no new order for them may leave. */
  readonly #blocked = new Map<string, string>();
  readonly #accountId: string;

  constructor(
    private readonly ccxt: CcxtModule,
    private readonly handle: ExchangeHandle,
    private readonly journal: OrderJournal,
    private readonly gate: ExchangeGate,
    private readonly clock: ClockSync,
    private readonly log: Logger,
    private readonly opts: OrderPathOptions = {},
  ) {
    this.#now = opts.now ?? Date.now;
    this.#accountId = handle.accountId;
  }

  clientOrderIdOf(intent: OrderIntent): { id: string; param: string } {
    return clientOrderIdFor(this.handle.exchangeId, intent);
  }

  /** Why an order for (strategy, symbol) may not leave now, or undefined. */
  blockedReason(strategyInstanceId: string, symbol: string): string | undefined {
    const id = this.#blocked.get(`${strategyInstanceId}|${symbol}`);
    if (id) return `order ${id} for ${symbol} has an unknown outcome and is being reconciled`;
    return this.gate.haltReason();
  }

  /**
   * Places one intent. Returns the journal row in its final known state. Never throws for an exchange outcome;
   * throws only for bugs. Running the same intent twice sends at most one order.
   */
  async place(req: PlaceRequest): Promise<JournalRow> {
    const { id, param } = this.clientOrderIdOf(req.intent);
    const existing = this.journal.get(id);
    if (existing) {
      // The same intent again (a bar handled twice, a restart mid-bar): never a second POST for it.
      if (existing.state === 'SUBMITTING' || existing.state === 'UNKNOWN') return this.reconcile(existing);
      this.log.info({ clientOrderId: id, state: existing.state }, 'intent already journaled; not sent again');
      return existing;
    }
    const intent = {
      clientOrderId: id, sessionId: req.sessionId, accountId: req.intent.accountId, exchangeId: req.intent.exchangeId,
      strategyInstanceId: req.intent.strategyInstanceId, symbol: req.intent.symbol, timeframe: req.intent.timeframe,
      barOpenTime: req.intent.barOpenTimeMs, intentKind: req.intent.intentKind, legIndex: req.intent.legIndex,
      revision: req.intent.revision, side: req.side, type: req.type, amount: req.amount, price: req.price ?? null,
    } as const;
    const blocked = this.blockedReason(req.intent.strategyInstanceId, req.intent.symbol);
    if (blocked) {
      const row = this.journal.plan(intent).row;
      this.#emit(row, undefined);
      return this.#move(row, 'REJECTED', { lastError: blocked });
    }
    // Write-ahead: PLANNED + SUBMITTING committed in one transaction before the request is signed and sent.
    const row = this.journal.planSubmitting(intent, this.#exchangeTs());
    if (!row) return this.place(req);
    this.#emit(row, undefined);
    return this.#send(row, param, this.opts.resendsAfterNotPlaced ?? 1, true);
  }

  /**
   * Sends an intent journaled PLANNED earlier by someone else (the gateway journals on acceptance, before any
   * exchange I/O) through the same path as place(): blocked → REJECTED; otherwise PLANNED → SUBMITTING and the
   * A5 classification / A6 reconciliation. A row already in flight is reconciled; a settled row is returned as it is.
   */
  async sendPlanned(intent: OrderIntent): Promise<JournalRow> {
    const { id, param } = this.clientOrderIdOf(intent);
    const row = this.journal.get(id);
    if (!row) throw new Error(`sendPlanned: no journal row for ${id}`);
    if (row.state === 'SUBMITTING' || row.state === 'UNKNOWN') return this.reconcile(row);
    if (row.state !== 'PLANNED' && row.state !== 'NOT_PLACED') return row;
    const blocked = this.blockedReason(row.strategyInstanceId, row.symbol);
    if (blocked) return this.#move(row, 'REJECTED', { lastError: blocked });
    return this.#send(row, param, this.opts.resendsAfterNotPlaced ?? 1);
  }

  #exchangeTs(): number {
    return Math.round(this.#now() - Number((this.handle.exchange.options as Record<string, unknown>).timeDifference ?? 0));
  }

  async #send(row: JournalRow, param: string, resendsLeft: number, submitted = false): Promise<JournalRow> {
    let nonceRetryLeft = 1;
    for (;;) {
      if (!submitted) {
        const prev = row;
        row = this.journal.markSubmitting(row.clientOrderId, this.#exchangeTs());
        this.#emit(row, prev);
      }
      submitted = false;
      const key = `${row.strategyInstanceId}|${row.symbol}`;
      this.#blocked.set(key, row.clientOrderId);
      try {
        const o = await this.gate.run('createOrder', () =>
          this.handle.exchange.createOrder(row.symbol, row.type, row.side, row.amount, row.price ?? undefined, { [param]: row.clientOrderId }),
        );
        this.#blocked.delete(key);
        return this.#adopt(row, o, 'createOrder');
      } catch (e) {
        const out = classify(this.ccxt, this.handle.exchange, e, this.#now());
        this.log.warn({ clientOrderId: row.clientOrderId, outcome: out.kind, reason: out.reason }, 'createOrder failed');
        switch (out.kind) {
          case 'resync-resend': {
            // Rejected before the matching engine: re-sync, then resend once with the same id.
            row = this.#move(row, 'NOT_PLACED', { lastError: out.reason }, 'timestamp rejected before processing');
            this.#blocked.delete(key);
            const synced = await this.clock.sync().then(() => true, () => false);
            if (nonceRetryLeft-- > 0 && synced && !this.gate.haltReason()) continue;
            return this.#move(row, 'REJECTED', { lastError: `not resent: ${this.gate.haltReason() ?? out.reason}` });
          }
          case 'rejected':
            this.#blocked.delete(key);
            return this.#move(row, 'REJECTED', { lastError: out.reason });
          case 'duplicate':
            row = this.#move(row, 'UNKNOWN', { lastError: out.reason }, 'client id already in use: the order exists');
            return this.reconcile(row);
          case 'throttled': {
            this.gate.throttle(out.retryAfterMs);
            row = this.#move(row, 'UNKNOWN', { lastError: out.reason });
            row = await this.reconcile(row);
            if (row.state === 'NOT_PLACED' && resendsLeft-- > 0 && !this.gate.haltReason()) continue;
            return row;
          }
          case 'banned': {
            this.gate.ban(out.until);
            row = this.#move(row, 'UNKNOWN', { lastError: out.reason });
            // Reconciled once the ban ends (the gate holds the queries); never resent automatically.
            return this.reconcile(row);
          }
          case 'unknown': {
            row = this.#move(row, 'UNKNOWN', { lastError: out.reason });
            row = await this.reconcile(row);
            if (row.state === 'NOT_PLACED' && resendsLeft-- > 0 && !this.gate.haltReason()) continue;
            return row;
          }
        }
      }
    }
  }

  /**
   * A6: find out what happened to an order whose outcome is unknown. Query by client id at once; if absent,
   * wait until the exchange clock passes sentExchangeTs + recvWindow + 1 s (after which the request can no
   * longer be accepted), query again plus the open orders; absent in both → NOT_PLACED.
   */
  async reconcile(row: JournalRow): Promise<JournalRow> {
    const key = `${row.strategyInstanceId}|${row.symbol}`;
    this.#blocked.set(key, row.clientOrderId);
    if (row.state === 'SUBMITTING') row = this.#move(row, 'UNKNOWN', {}, 'reconciling');
    const started = this.#now();
    let alerted = false;
    const windowMs = (this.handle.exchangeId === 'okx' ? 30_000 : this.handle.recvWindowMs) + 1000;
    const deadline = (row.sentExchangeTs ?? row.updatedAt) + windowMs;
    try {
      for (;;) {
        const found = await this.#query(row);
        if (found) return this.#adopt(row, found, 'reconcile');
        const exNow = this.clock.exchangeNow();
        if (exNow < deadline) {
          await sleep(deadline - exNow + 50);
        } else {
          const open = await this.#retry(() => this.gate.run('fetchOpenOrders', () => this.handle.exchange.fetchOpenOrders(row.symbol)));
          const hit = open.find((o) => o.clientOrderId === row.clientOrderId);
          if (hit) return this.#adopt(row, hit, 'reconcile');
          const again = await this.#query(row);
          if (again) return this.#adopt(row, again, 'reconcile');
          return this.#move(row, 'NOT_PLACED', {}, 'absent after the receive window: nothing with this id can exist');
        }
        if (!alerted && this.#now() - started > (this.opts.unknownAlertMs ?? 600_000)) {
          alerted = true;
          this.log.error({ clientOrderId: row.clientOrderId, symbol: row.symbol }, 'ALERT: order outcome unknown for too long; strategy paused');
          this.opts.onStuck?.(row);
        }
      }
    } finally {
      if (this.#blocked.get(key) === row.clientOrderId) this.#blocked.delete(key);
    }
  }

  /** Reconciles every SUBMITTING/UNKNOWN row (start-up, before any strategy runs). */
  async reconcileUnsettled(): Promise<JournalRow[]> {
    const rows = this.journal.unsettled().filter((r) => r.accountId === this.#accountId && r.exchangeId === this.handle.exchangeId);
    return Promise.all(rows.map((r) => this.reconcile(r)));
  }

  /** Re-reads open (ACKED) orders from the exchange and adopts fills and terminal states. */
  async refreshOpen(): Promise<JournalRow[]> {
    const out: JournalRow[] = [];
    for (const r of this.journal.open()) {
      if (r.accountId !== this.#accountId) continue;
      const o = await this.#query(r);
      out.push(o ? this.#adopt(r, o, 'refresh') : r);
    }
    return out;
  }

  /** Cancels an open order by its client id; the result is adopted from the exchange. */
  async cancel(clientOrderId: string): Promise<JournalRow | undefined> {
    const row = this.journal.get(clientOrderId);
    if (!row || row.state !== 'ACKED' || !row.exchangeOrderId) return row;
    try {
      const o = await this.gate.run('cancelOrder', () => this.handle.exchange.cancelOrder(row.exchangeOrderId!, row.symbol));
      return this.#adopt(row, { ...o, status: o.status ?? 'canceled' } as CcxtOrder, 'cancel');
    } catch (e) {
      this.log.warn({ clientOrderId, err: e }, 'cancelOrder failed; re-reading the order');
      const o = await this.#query(row);
      return o ? this.#adopt(row, o, 'cancel') : row;
    }
  }

  async #query(row: JournalRow): Promise<CcxtOrder | undefined> {
    return this.#retry(async () => {
      try {
        return await this.gate.run('fetchOrder', () => this.handle.exchange.fetchOrder(undefined as unknown as string, row.symbol, { clientOrderId: row.clientOrderId }));
      } catch (e) {
        if (e instanceof this.ccxt.OrderNotFound) return undefined;
        throw e;
      }
    });
  }

  /** Queries are idempotent: retry them with backoff (A6.4), honouring throttles and bans. */
  async #retry<T>(fn: () => Promise<T>): Promise<T> {
    let backoff = this.opts.queryBackoffMs ?? 250;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        const out = classify(this.ccxt, this.handle.exchange, e, this.#now());
        if (out.kind === 'throttled') this.gate.throttle(out.retryAfterMs);
        else if (out.kind === 'banned') this.gate.ban(out.until);
        else if (out.kind === 'resync-resend') await this.clock.sync().catch(() => undefined);
        this.log.warn({ outcome: out.kind, reason: out.reason, backoffMs: backoff }, 'query failed; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  #adopt(row: JournalRow, o: CcxtOrder, via: string): JournalRow {
    const to = stateOf(o);
    const facts = factsOf(o);
    // ACKED → ACKED with more filled is a partial fill; report it as a change too.
    if (row.state === to && row.filled === facts.filled && row.exchangeOrderId === facts.exchangeOrderId) return row;
    return this.#move(row, to, facts, via);
  }

  #move(row: JournalRow, to: OrderState, update: StateUpdate, detail?: string): JournalRow {
    const next = this.journal.transition(row.clientOrderId, to, update, detail);
    this.#emit(next, row);
    return next;
  }

  #emit(row: JournalRow, prev: JournalRow | undefined): void {
    this.log.info({ clientOrderId: row.clientOrderId, symbol: row.symbol, from: prev?.state, state: row.state, filled: row.filled, avgPrice: row.avgPrice, exchangeOrderId: row.exchangeOrderId }, 'order state');
    this.opts.onChange?.(row, prev);
  }
}
