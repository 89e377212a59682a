import type { EpochMs } from '../domain/index.js';
import { clientOrderId } from '../core/client-order-id.js';
import type {
  BalanceView, CancelResult, Clock, FlattenResult, IntakeOrder, IntakeOrderStatus, IntakeOrderView, OrderFilter, OrderIntake, PositionView,
} from '../ports/index.js';

/** Persistence the paper intake needs (data/store/security-paper-book.ts implements it with SQLite). */
export interface PaperBookStore {
  /** In ONE transaction: inserts new orders (existing client ids are skipped) and applies status updates; returns the inserted orders. */
  commit(orders: readonly IntakeOrder[], updates: readonly PaperOrderUpdate[]): IntakeOrder[];
  get(clientOrderId: string): IntakeOrderView | undefined;
  list(f: OrderFilter): IntakeOrderView[];
  withStatus(status: IntakeOrderStatus): IntakeOrderView[];
  filled(): IntakeOrderView[];
  getState(name: string): string | undefined;
  setState(name: string, value: string): void;
  /**
   * When commits do not wait for the disk themselves: resolves once everything committed so far is on disk.
   * Nothing is acknowledged (submit resolved, an order executed) before it resolves.
   */
  durable?(): Promise<void> | undefined;
  /**
   * Writes done elsewhere (the SQLite book's writer thread): `commit` / `setState` in one transaction, resolving once
   * it is on disk. When present the intake writes only through these, and reads wait for the writes posted before.
   */
  commitDurable?(orders: readonly IntakeOrder[], updates: readonly PaperOrderUpdate[]): Promise<IntakeOrder[]>;
  setStateDurable?(name: string, value: string): Promise<void>;
  close(): void | Promise<void>;
}

export type PaperOrderUpdate = {
  readonly clientOrderId: string; readonly status: IntakeOrderStatus; readonly filledAmount: number;
  readonly averagePrice: number | null; readonly reason: string | null; readonly updatedAt: EpochMs;
};

/** What executing one order produced. */
export type Execution = { readonly status: 'open' | 'filled' | 'rejected'; readonly filledAmount: number; readonly averagePrice: number | null; readonly reason: string | null };

/**
 * Where an accepted order is executed. The default paper venue fills market orders at once at their price
 * (or the symbol's last fill price) and rests limit orders. A venue that does network I/O (a fake exchange in
 * tests) runs here, after the intent was persisted and the gateway had answered.
 */
export type Venue = (order: IntakeOrderView, lastPrice: number | undefined) => Promise<Execution>;

/** The default paper venue's decision (synchronous: the intake calls it directly, without a promise per order). */
export function paperFill(o: IntakeOrderView, lastPrice: number | undefined): Execution {
  if (o.type === 'limit') return { status: 'open', filledAmount: 0, averagePrice: null, reason: null };
  const px = o.price !== null ? Number(o.price) : lastPrice;
  if (px === undefined) return { status: 'rejected', filledAmount: 0, averagePrice: null, reason: 'no reference price for a paper market order (send "price")' };
  return { status: 'filled', filledAmount: Number(o.amount), averagePrice: px, reason: null };
}

export const paperVenue: Venue = async (o, lastPrice) => paperFill(o, lastPrice);

/**
 * The OrderIntake `candlekeep serve` uses on its own: persists each intent (idempotent by client order id,
 * group-committed), answers, then runs risk checks and the venue asynchronously in arrival order.
 * Risk checks: paused → rejected "paused"; a buy whose notional exceeds the free quote balance → rejected.
 */
export class PaperOrderIntake implements OrderIntake {
  readonly #book: PaperBookStore;
  readonly #clock: Clock;
  readonly #venue: Venue;
  readonly #cash: number;
  readonly #currency: string;
  #pending: { order: IntakeOrder; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #flushScheduled = false;
  /** Commits waiting for the disk (see PaperBookStore.durable). */
  #syncing = 0;
  #work: IntakeOrderView[] = [];
  #running: Promise<void> | undefined;
  #paused: boolean;
  #closed = false;
  readonly #balances = new Map<string, number>();
  readonly #positions = new Map<string, { amount: number; cost: number }>();
  readonly #lastPrice = new Map<string, number>();

  readonly #minIntervalMs: number;
  #lastFlushAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;

  /** `commitIntervalMs`: under load, the book commits at most this often (default 0: every event-loop turn). */
  constructor(o: { book: PaperBookStore; clock: Clock; venue?: Venue; cash: number; currency: string; commitIntervalMs?: number }) {
    this.#book = o.book;
    this.#minIntervalMs = o.commitIntervalMs ?? 0;
    this.#clock = o.clock;
    this.#venue = o.venue ?? paperVenue;
    this.#cash = o.cash;
    this.#currency = o.currency;
    this.#paused = o.book.getState('paused') === 'true';
    this.#balances.set(o.currency, o.cash);
    for (const f of o.book.filled()) this.#applyFill(f.symbol, f.side, f.filledAmount, f.averagePrice ?? 0);
    // Orders accepted but not executed before a restart are executed now.
    this.#work.push(...o.book.withStatus('accepted'));
    if (this.#work.length) this.#kick();
  }

  submit(order: IntakeOrder): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ order, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    this.#arm();
  }

  /** While a commit waits for the disk, the next one waits for it too (then goes as one batch; see #flush). */
  #arm(): void {
    if (this.#syncing > 0 || this.#timer) return;
    const wait = this.#lastFlushAt + this.#minIntervalMs - performance.now();
    if (wait <= 0) setImmediate(() => this.#flush());
    else this.#timer = setTimeout(() => this.#flush(), wait);
  }

  /** Group commit: new submissions and the status updates of executed orders share one transaction per batch. */
  #flush(): void {
    this.#flushScheduled = false;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#lastFlushAt = performance.now();
    if (this.#closed) return;
    const batch = this.#pending;
    const updates = this.#updates;
    this.#pending = [];
    this.#updates = [];
    if (batch.length === 0 && updates.length === 0) return;
    const settled = () => {
      this.#syncing--;
      if (!this.#flushScheduled || this.#syncing > 0) return;
      if (performance.now() - this.#lastFlushAt >= this.#minIntervalMs) this.#flush();
      else this.#arm();
    };
    if (this.#book.commitDurable) {
      // Written and synced off the event loop; acknowledged and executed once on disk. A failed write is undone
      // whole: the submits fail (the outbox re-submits them) and the status updates wait for the next batch.
      this.#syncing++;
      const p = this.#book.commitDurable(batch.map((b) => b.order), updates);
      this.#lastWrite = p.catch(() => {});
      p.then(
        (fresh) => {
          settled();
          this.#accept(batch, fresh);
        },
        (e: unknown) => {
          settled();
          for (const b of batch) b.reject(e);
          this.#updates.unshift(...updates);
        },
      );
      return;
    }
    let fresh: IntakeOrder[];
    try {
      fresh = this.#book.commit(batch.map((b) => b.order), updates);
    } catch (e) {
      for (const b of batch) b.reject(e);
      this.#updates.unshift(...updates);
      return;
    }
    const accept = () => this.#accept(batch, fresh);
    const durable = this.#book.durable?.();
    if (!durable) return accept();
    // Acknowledged and executed only once on disk; a failed sync leaves the orders "accepted" for the next start.
    this.#syncing++;
    durable.then(
      () => {
        settled();
        accept();
      },
      (e: unknown) => {
        settled();
        for (const b of batch) b.reject(e);
      },
    );
  }

  /** A batch is on disk: its submits resolve, and the orders it inserted queue for execution in arrival order. */
  #accept(batch: readonly { resolve: () => void }[], fresh: readonly IntakeOrder[]): void {
    for (const b of batch) b.resolve();
    for (const o of fresh) {
      this.#work.push({
        clientOrderId: o.clientOrderId, intentId: o.intentId, principal: o.principal, source: o.source, symbol: o.symbol, side: o.side, type: o.type,
        amount: o.amount, price: o.price, status: 'accepted', filledAmount: 0, averagePrice: null, reason: null, createdAt: o.receivedAt, updatedAt: o.receivedAt,
      });
    }
    if (fresh.length && !this.#closed) this.#kick();
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#work.length) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    // The default paper venue decides at once: its orders are executed here without awaiting a promise each.
    const direct = this.#venue === paperVenue;
    while (this.#work.length && !this.#closed) {
      const o = this.#work.shift()!;
      const ex = direct ? this.#executeDirect(o) : await this.#execute(o);
      // Closed while the venue was busy: the order stays "accepted" and is executed after the next start.
      if (this.#closed) return;
      if (ex.status === 'filled') this.#applyFill(o.symbol, o.side, ex.filledAmount, ex.averagePrice ?? 0);
      this.#queueUpdate({
        clientOrderId: o.clientOrderId, status: ex.status, filledAmount: ex.filledAmount, averagePrice: ex.averagePrice, reason: ex.reason, updatedAt: this.#clock.now(),
      });
    }
  }

  #updates: PaperOrderUpdate[] = [];
  #queueUpdate(u: PaperOrderUpdate): void {
    this.#updates.push(u);
    this.#schedule();
  }
  /** Writes posted to the book's writer (commitDurable/setStateDurable) and not yet settled. */
  #lastWrite: Promise<unknown> = Promise.resolve();

  /** Commits what is queued now and waits for the writes posted so far (reads and cancels see every execution so far). */
  async #settle(): Promise<void> {
    if (this.#updates.length || this.#pending.length) this.#flush();
    await this.#lastWrite;
  }

  /** One durable write outside the batches (a cancel). */
  async #write(updates: readonly PaperOrderUpdate[]): Promise<void> {
    if (this.#book.commitDurable) {
      const p = this.#book.commitDurable([], updates);
      this.#lastWrite = p.catch(() => {});
      await p;
      return;
    }
    this.#book.commit([], updates);
    await this.#book.durable?.();
  }

  async #setState(name: string, value: string): Promise<void> {
    if (this.#book.setStateDurable) {
      const p = this.#book.setStateDurable(name, value);
      this.#lastWrite = p.catch(() => {});
      await p;
      return;
    }
    this.#book.setState(name, value);
    await this.#book.durable?.();
  }

  /** Risk checks: a rejection, or undefined when the order may go to the venue. */
  #riskCheck(o: IntakeOrderView): Execution | undefined {
    if (this.#paused) return { status: 'rejected', filledAmount: 0, averagePrice: null, reason: 'paused' };
    const [, quote = this.#currency] = o.symbol.split(':')[0]!.split('/');
    const px = o.price !== null ? Number(o.price) : this.#lastPrice.get(o.symbol);
    if (o.side === 'buy' && px !== undefined && Number(o.amount) * px > (this.#balances.get(quote) ?? 0) + 1e-9) {
      return { status: 'rejected', filledAmount: 0, averagePrice: null, reason: `insufficient ${quote} balance for notional ${Number(o.amount) * px}` };
    }
    return undefined;
  }

  #executeDirect(o: IntakeOrderView): Execution {
    return this.#riskCheck(o) ?? paperFill(o, this.#lastPrice.get(o.symbol));
  }

  async #execute(o: IntakeOrderView): Promise<Execution> {
    const refused = this.#riskCheck(o);
    if (refused) return refused;
    try {
      return await this.#venue(o, this.#lastPrice.get(o.symbol));
    } catch (e) {
      return { status: 'rejected', filledAmount: 0, averagePrice: null, reason: `venue error: ${(e as Error).message ?? e}` };
    }
  }

  #applyFill(symbol: string, side: 'buy' | 'sell', amount: number, price: number): void {
    const [base = symbol, quote = this.#currency] = symbol.split(':')[0]!.split('/');
    const sign = side === 'buy' ? 1 : -1;
    this.#balances.set(base, (this.#balances.get(base) ?? 0) + sign * amount);
    this.#balances.set(quote, (this.#balances.get(quote) ?? 0) - sign * amount * price);
    const p = this.#positions.get(symbol) ?? { amount: 0, cost: 0 };
    const next = p.amount + sign * amount;
    // Average entry price: adds move it, reductions keep it, a flip restarts it at the fill price.
    if (Math.abs(next) < 1e-12) this.#positions.set(symbol, { amount: 0, cost: 0 });
    else if (Math.sign(next) !== Math.sign(p.amount) && p.amount !== 0) this.#positions.set(symbol, { amount: next, cost: next * price });
    else if (Math.abs(next) > Math.abs(p.amount)) this.#positions.set(symbol, { amount: next, cost: p.cost + sign * amount * price });
    else this.#positions.set(symbol, { amount: next, cost: p.amount === 0 ? 0 : (p.cost / p.amount) * next });
    this.#lastPrice.set(symbol, price);
  }

  async cancel(clientOrderId: string, by: string): Promise<CancelResult> {
    await this.#settle();
    // Not executed from here on; an execution queued meanwhile is committed first, so the status read is current.
    this.#work = this.#work.filter((w) => w.clientOrderId !== clientOrderId);
    if (this.#updates.some((u) => u.clientOrderId === clientOrderId)) await this.#settle();
    const o = this.#book.get(clientOrderId);
    if (!o) return { ok: false, reason: 'not_found' };
    if (o.status !== 'open' && o.status !== 'accepted') return { ok: false, reason: 'not_cancelable' };
    await this.#write([{ clientOrderId, status: 'canceled', filledAmount: o.filledAmount, averagePrice: o.averagePrice, reason: `canceled by ${by}`, updatedAt: this.#clock.now() }]);
    return { ok: true, order: this.#book.get(clientOrderId)! };
  }

  async listOrders(filter: OrderFilter): Promise<IntakeOrderView[]> {
    await this.#settle();
    return this.#book.list(filter);
  }

  async positions(): Promise<PositionView[]> {
    return [...this.#positions]
      .filter(([, p]) => p.amount !== 0)
      .map(([symbol, p]) => ({ symbol, amount: round(p.amount), averagePrice: round(p.cost / p.amount) }));
  }

  async balances(): Promise<BalanceView[]> {
    return [...this.#balances].map(([currency, total]) => ({ currency, total: round(total) }));
  }

  async pause(): Promise<void> {
    this.#paused = true;
    await this.#setState('paused', 'true');
  }

  async resume(): Promise<void> {
    this.#paused = false;
    await this.#setState('paused', 'false');
  }

  isPaused(): boolean {
    return this.#paused;
  }

  async flatten(by: string): Promise<FlattenResult> {
    await this.#settle();
    const open = [...this.#book.withStatus('open'), ...this.#book.withStatus('accepted')];
    for (const o of open) await this.cancel(o.clientOrderId, by);
    let closing = 0;
    const now = this.#clock.now();
    for (const [symbol, p] of this.#positions) {
      if (p.amount === 0) continue;
      const px = this.#lastPrice.get(symbol);
      const amount = Math.abs(p.amount);
      const side = p.amount > 0 ? 'sell' : 'buy';
      const id = `flatten:${now}:${symbol}`;
      await this.submit({
        intentId: id, principal: by, source: 'api', symbol, side, type: 'market', amount: String(amount), price: px === undefined ? null : String(px), receivedAt: now,
        intent: { accountId: `gw:${by}`, exchangeId: 'gateway', strategyInstanceId: id, symbol: '-', timeframe: '-', barOpenTimeMs: 0, intentKind: 'manual', legIndex: 0, revision: 0 },
        clientOrderId: clientOrderId({ accountId: `gw:${by}`, exchangeId: 'gateway', strategyInstanceId: id, symbol: '-', timeframe: '-', barOpenTimeMs: 0, intentKind: 'manual', legIndex: 0, revision: 0 }),
      });
      closing++;
    }
    return { canceled: open.length, closing };
  }

  /** Resolves once every accepted order has been executed (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#pending.length || this.#updates.length || this.#running || this.#flushScheduled || this.#syncing) {
      if (this.#running) await this.#running;
      else await new Promise((r) => setImmediate(r));
    }
  }

  async close(): Promise<void> {
    // The writes posted here and before are completed by the book's close.
    if (this.#updates.length || this.#pending.length) this.#flush();
    this.#closed = true;
    await this.#book.close();
  }

  get startingCash(): number {
    return this.#cash;
  }
}

function round(x: number): number {
  return Math.round(x * 1e10) / 1e10;
}
