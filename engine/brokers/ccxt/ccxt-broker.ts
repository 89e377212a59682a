import type { Bar, EpochMs, InstrumentId } from '../../domain/index.js';
import { parseInstrument } from '../../domain/index.js';
import type { Broker, BrokerSink, Order, OrderChanges, OrderStatus, OrderUpdate } from '../../ports/index.js';
import type { JournalRow } from '../../../data/store/order-journal.js';
import type { OrderIntent } from '../../core/client-order-id.js';
import { resolveUnits } from '../../core/sizing.js';
import type { RiskGuard } from '../../core/risk.js';
import type { Logger } from '../../log/index.js';
import type { OrderPath } from './order-path.js';
import type { ExchangeHandle } from './exchange-factory.js';

/** The strategy's ledger as the broker needs it for sizing and risk (the kernel's Ledger fits). */
export interface AccountView {
  equity(): number;
  position(instrument: InstrumentId): { readonly size: number };
}

export type CcxtBrokerOptions = {
  readonly sessionId: string;
  readonly accountId: string;
  readonly strategyInstanceId: string;
  readonly timeframe: string;
  readonly feeRate: number;
  readonly intents: ReadonlyMap<string, OrderIntent>;
  readonly risk?: RiskGuard;
  readonly now?: () => EpochMs;
  /** Called when an order outcome stays unknown too long or a kill switch fires. */
  readonly onAlert?: (reason: string) => void;
};

/**
 * The live Broker: the kernel's orders go to a real (or local) exchange through the replay-safe OrderPath.
 * `submit` returns at once; the exchange's answers come back through the sink as order updates and fills
 * (`open` first, then fills, then the terminal status), exactly as the simulated broker reports them.
 */
export class CcxtBroker implements Broker {
  #sink: BrokerSink | undefined;
  readonly #orders = new Map<string, Order>();
  readonly #reported = new Map<string, { filled: number; cost: number; fee: number; opened: boolean }>();
  readonly #marks = new Map<InstrumentId, number>();
  readonly #pending = new Set<Promise<unknown>>();
  account: AccountView | undefined;
  readonly #now: () => EpochMs;
  paused: string | undefined;

  constructor(
    private readonly handle: ExchangeHandle,
    private readonly path: OrderPath,
    private readonly log: Logger,
    private readonly opts: CcxtBrokerOptions,
  ) {
    this.#now = opts.now ?? Date.now;
  }

  connect(sink: BrokerSink): void {
    this.#sink = sink;
  }

  /** Resolves when every order in flight has reached a known state. */
  async settle(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  onBar(bar: Bar): void {
    this.#marks.set(bar.instrument, bar.close);
  }

  submit(order: Order): void {
    this.#orders.set(order.id, order);
    // Never throws and never loses an order: anything that fails before the journal is a rejection.
    this.#track(this.#submit(order).catch((e: unknown) => this.#reject(order, e instanceof Error ? e.message : String(e))));
  }

  async #submit(order: Order): Promise<void> {
    const intent = this.opts.intents.get(order.id);
    if (!intent) return this.#reject(order, 'order id was not derived from an intent (SIGNING.md A4)');
    if (this.paused) return this.#reject(order, `trading paused: ${this.paused}`);
    if (order.type !== 'market' && order.type !== 'limit') return this.#reject(order, `order type ${order.type} is not supported live yet (market, limit)`);
    const p = parseInstrument(order.instrument);
    const pos = this.account?.position(order.instrument).size ?? 0;
    let price = order.type === 'limit' ? order.limitPrice! : this.#marks.get(order.instrument) ?? NaN;
    const needsPrice = !('units' in order.size) && !('closeAll' in order.size);
    if (order.type === 'market' && needsPrice) {
      // Size against the price the order will actually meet.
      try {
        const t = await this.handle.exchange.fetchTicker(p.symbol);
        price = t.last ?? t.close ?? price;
      } catch (e) {
        this.log.warn({ err: e }, 'fetchTicker failed; sizing on the last close');
      }
    }
    let units = resolveUnits(order.size, {
      side: order.side, price, equity: this.account?.equity() ?? 0, position: pos, feeRate: this.opts.feeRate, fixedFee: 0,
      ...(order.stopLoss !== undefined ? { stopLoss: order.stopLoss } : {}),
    });
    if (!(units > 0)) return this.#reject(order, 'size resolves to zero units');
    units = Number(this.handle.exchange.amountToPrecision(p.symbol, units));
    if (!(units > 0)) return this.#reject(order, 'size rounds to zero at the market precision');
    if (this.opts.risk) {
      const positions = new Map<InstrumentId, { size: number; price: number }>();
      positions.set(order.instrument, { size: pos, price });
      const verdict = this.opts.risk.check({ instrument: order.instrument, side: order.side, amount: units, price }, { positions, openOrders: this.#openCount() }, this.#now());
      if (!verdict.ok) return this.#reject(order, `risk: ${verdict.reason}`);
    }
    const row = await this.path.place({
      sessionId: this.opts.sessionId, intent, side: order.side, type: order.type, amount: units,
      ...(order.type === 'limit' ? { price: Number(this.handle.exchange.priceToPrecision(p.symbol, order.limitPrice!)) } : {}),
    });
    if (row.state === 'NOT_PLACED') this.notPlaced(row);
  }

  cancel(id: string, _time: EpochMs): void {
    this.#track(this.path.cancel(id));
  }

  replace(id: string, _changes: OrderChanges, _time: EpochMs): void {
    const o = this.#orders.get(id);
    if (o) this.#update(o, 'open', this.#reported.get(id)?.filled ?? 0, 'replace is not supported live: cancel and submit a new order');
  }

  /** Polls open orders for fills and terminal states (limit orders). */
  async refresh(): Promise<void> {
    await this.path.refreshOpen();
  }

  /** The OrderPath's onChange hook: journal rows become order updates and fills. */
  onJournalChange = (row: JournalRow): void => {
    const order = this.#orders.get(row.clientOrderId);
    if (!order || !this.#sink) return;
    const rep = this.#reported.get(row.clientOrderId) ?? { filled: 0, cost: 0, fee: 0, opened: false };
    this.#reported.set(row.clientOrderId, rep);
    const accepted = row.state === 'ACKED' || row.state === 'FILLED' || row.state === 'CANCELED';
    if (accepted && !rep.opened) {
      rep.opened = true;
      this.#update(order, 'open', 0);
    }
    if (row.filled > rep.filled + 1e-12 && row.avgPrice !== null) {
      const cost = row.filled * row.avgPrice;
      const amount = row.filled - rep.filled;
      // The first fill's price is the exchange's average exactly (no float noise from cost arithmetic).
      const price = rep.filled === 0 ? row.avgPrice : (cost - rep.cost) / amount;
      const fee = row.fee - rep.fee;
      rep.filled = row.filled;
      rep.cost = cost;
      rep.fee = row.fee;
      this.#sink.filled({ order, instrument: order.instrument, side: order.side, amount, price, fee, time: this.#now(), liquidity: order.type === 'limit' ? 'maker' : 'taker', ambiguous: false });
      if (row.state === 'ACKED') this.#update(order, 'partially-filled', rep.filled);
    }
    switch (row.state) {
      case 'FILLED':
        this.#update(order, 'filled', rep.filled);
        break;
      case 'CANCELED':
        this.#update(order, 'cancelled', rep.filled);
        break;
      case 'REJECTED':
        this.#update(order, 'rejected', 0, row.lastError ?? 'rejected by the exchange');
        break;
      default:
        break;
    }
  };

  /** Called after NOT_PLACED was final (no resend left): the order never existed. */
  notPlaced(row: JournalRow): void {
    const order = this.#orders.get(row.clientOrderId);
    if (order) this.#update(order, 'rejected', 0, 'not placed: the exchange never received it');
  }

  #openCount(): number {
    let n = 0;
    for (const [id, r] of this.#reported) if (r.opened && this.#orders.has(id)) n++;
    return n;
  }

  #reject(order: Order, reason: string): void {
    this.log.warn({ orderId: order.id, reason }, 'order rejected before sending');
    this.#update(order, 'rejected', 0, reason);
  }

  #update(order: Order, status: OrderStatus, filled: number, reason?: string): void {
    const terminal = status !== 'open' && status !== 'partially-filled';
    const remaining = terminal ? 0 : Math.max(0, (order.type === 'market' ? filled : filled) - filled);
    const u: OrderUpdate = reason !== undefined ? { order, status, filled, remaining, reason, time: this.#now() } : { order, status, filled, remaining, time: this.#now() };
    if (terminal) {
      this.#orders.delete(order.id);
      this.#reported.delete(order.id);
    }
    this.#sink?.orderUpdated(u);
  }

  #track(p: Promise<unknown>): void {
    const q = p.catch((e) => this.log.error({ err: e }, 'broker task failed')).finally(() => this.#pending.delete(q));
    this.#pending.add(q);
  }
}
