import type { EpochMs } from '../domain/index.js';
import { BinanceError, binanceErrors } from './binance-error.js';
import type { ReplaySeries } from './replay-series.js';
import type { ExchangeFill, ExchangeOrder, OrderSide, OrderType, SymbolRules, TimeInForce } from './types.js';
import { OrderStatus } from './types.js';

/** One tradable symbol of the local exchange. */
export type ExchangeSymbol = {
  /** Binance id, `BTCUSDT`. */
  readonly id: string;
  /** ccxt unified symbol, `BTC/USDT`. */
  readonly unified: string;
  readonly base: string;
  readonly quote: string;
  readonly rules: SymbolRules;
  readonly series: ReplaySeries;
};

/** A validated new-order request (the HTTP layer parses strings into this). */
export type NewOrder = {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce | undefined;
  readonly quantity: number | undefined;
  readonly quoteOrderQty: number | undefined;
  readonly price: number | undefined;
  readonly clientOrderId: string;
};

export type Balance = { free: number; locked: number };

const EPS = 1e-9;

/** Rounds to Binance's 8 decimals, removing float noise from balances and amounts. */
export function round8(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}

function isMultiple(x: number, step: number): boolean {
  if (step <= 0) return true;
  const r = x / step;
  return Math.abs(r - Math.round(r)) < 1e-6;
}

const OPEN: ReadonlySet<string> = new Set([OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED]);

export function isOpen(o: ExchangeOrder): boolean {
  return OPEN.has(o.status);
}

/**
 * The exchange's books: one account (balances), orders, trades, and matching against the replayed price
 * path. Market orders and marketable limit orders fill in full at the current path price (taker);
 * resting limit orders fill in full at their limit price when the path reaches it (maker). Commission is
 * `feeRate` of the quote amount, charged in the quote asset (both maker and taker).
 */
export class MatchingEngine {
  readonly symbols = new Map<string, ExchangeSymbol>();
  readonly balances = new Map<string, Balance>();
  readonly orders: ExchangeOrder[] = [];
  readonly trades: ExchangeFill[] = [];
  private readonly byId = new Map<number, ExchangeOrder>();
  /** Resting orders, oldest first (Set iteration follows insertion order). */
  private readonly resting = new Set<ExchangeOrder>();
  private nextOrderId = 1_000_001;
  private nextTradeId = 5_000_001;

  constructor(readonly feeRate: number, balances: Readonly<Record<string, number>>) {
    for (const [asset, free] of Object.entries(balances)) this.balances.set(asset, { free, locked: 0 });
  }

  addSymbol(s: ExchangeSymbol): void {
    this.symbols.set(s.id, s);
    for (const a of [s.base, s.quote]) if (!this.balances.has(a)) this.balances.set(a, { free: 0, locked: 0 });
  }

  balance(asset: string): Balance {
    let b = this.balances.get(asset);
    if (!b) {
      b = { free: 0, locked: 0 };
      this.balances.set(asset, b);
    }
    return b;
  }

  symbol(id: string): ExchangeSymbol {
    const s = this.symbols.get(id);
    if (!s) throw binanceErrors.invalidSymbol();
    return s;
  }

  order(orderId: number): ExchangeOrder | undefined {
    return this.byId.get(orderId);
  }

  /** The most recent order with this client id (ids may repeat once the earlier order is closed). */
  orderByClientId(symbol: string, clientOrderId: string, openOnly = false): ExchangeOrder | undefined {
    for (let i = this.orders.length - 1; i >= 0; i--) {
      const o = this.orders[i]!;
      if (o.symbol === symbol && o.clientOrderId === clientOrderId && (!openOnly || isOpen(o))) return o;
    }
    return undefined;
  }

  /** Validates, stores and (when marketable) fills a new order. Throws BinanceError on rejection. */
  place(req: NewOrder, now: EpochMs): ExchangeOrder {
    const s = this.symbol(req.symbol);
    // Binance: a client order id is unique among OPEN orders only; a closed order's id may be reused.
    for (const o of this.resting) {
      if (o.clientOrderId === req.clientOrderId) throw binanceErrors.duplicateOrder();
    }
    const current = s.series.price();
    if (current === undefined) throw new BinanceError(400, -1013, 'Market is closed.');
    const r = s.rules;
    if (req.type === 'LIMIT') {
      const p = req.price!;
      if (p < r.minPrice - EPS || p > r.maxPrice + EPS || !isMultiple(p, r.tickSize)) throw binanceErrors.filter('PRICE_FILTER');
    }
    let qty: number;
    if (req.quantity !== undefined) {
      qty = req.quantity;
    } else {
      // quoteOrderQty on a market order: as much base as the quote amount buys, rounded down to the step.
      const raw = req.quoteOrderQty! / current;
      qty = r.stepSize > 0 ? round8(Math.floor(raw / r.stepSize + 1e-9) * r.stepSize) : round8(raw);
    }
    if (qty < r.minQty - EPS || qty > r.maxQty + EPS || !isMultiple(qty, r.stepSize)) throw binanceErrors.filter('LOT_SIZE');
    const refPrice = req.type === 'LIMIT' ? req.price! : current;
    if (qty * refPrice < r.minNotional - EPS) throw binanceErrors.filter('NOTIONAL');

    const marketable = req.type === 'MARKET' || (req.side === 'BUY' ? current <= req.price! : current >= req.price!);
    const fillPrice = req.type === 'MARKET' ? current : marketable ? current : req.price!;
    const needed = req.side === 'BUY' ? round8(qty * (marketable ? fillPrice : refPrice) * (1 + this.feeRate)) : qty;
    const fundAsset = req.side === 'BUY' ? s.quote : s.base;
    if (this.balance(fundAsset).free + EPS < needed) throw binanceErrors.insufficientBalance();

    const order: ExchangeOrder = {
      orderId: this.nextOrderId++,
      symbol: s.id,
      clientOrderId: req.clientOrderId,
      side: req.side,
      type: req.type,
      timeInForce: req.type === 'LIMIT' ? req.timeInForce ?? 'GTC' : undefined,
      price: req.type === 'LIMIT' ? req.price! : 0,
      origQty: qty,
      executedQty: 0,
      cummulativeQuoteQty: 0,
      status: OrderStatus.NEW,
      time: now,
      updateTime: now,
      locked: 0,
      fills: [],
    };
    this.orders.push(order);
    this.byId.set(order.orderId, order);
    if (marketable) {
      this.fill(order, s, current, false, now);
    } else if (order.timeInForce === 'IOC' || order.timeInForce === 'FOK') {
      order.status = OrderStatus.EXPIRED;
    } else {
      order.locked = needed;
      this.resting.add(order);
      const b = this.balance(fundAsset);
      b.free = round8(b.free - needed);
      b.locked = round8(b.locked + needed);
    }
    return order;
  }

  /** Cancels an open order; throws -2011 when it is unknown or already closed (Binance behaviour). */
  cancel(o: ExchangeOrder | undefined, now: EpochMs): ExchangeOrder {
    if (!o || !isOpen(o)) throw binanceErrors.unknownOrderCancel();
    const s = this.symbol(o.symbol);
    this.unlock(o, s);
    this.resting.delete(o);
    o.status = OrderStatus.CANCELED;
    o.updateTime = now;
    return o;
  }

  /** The path moved to `price` on `symbol`: fill every resting limit order it reaches, oldest first. */
  onTick(s: ExchangeSymbol, price: number, now: EpochMs): void {
    for (const o of this.resting) {
      if (o.symbol !== s.id) continue;
      const reached = o.side === 'BUY' ? price <= o.price + EPS : price >= o.price - EPS;
      if (reached) {
        this.unlock(o, s);
        // A resting order fills at its own limit price: the book cannot trade through it.
        this.fill(o, s, o.price, true, now);
      }
    }
  }

  private unlock(o: ExchangeOrder, s: ExchangeSymbol): void {
    if (o.locked === 0) return;
    const b = this.balance(o.side === 'BUY' ? s.quote : s.base);
    b.locked = round8(b.locked - o.locked);
    b.free = round8(b.free + o.locked);
    o.locked = 0;
  }

  private fill(o: ExchangeOrder, s: ExchangeSymbol, price: number, isMaker: boolean, now: EpochMs): void {
    const qty = round8(o.origQty - o.executedQty);
    const quoteQty = round8(qty * price);
    const commission = round8(quoteQty * this.feeRate);
    const base = this.balance(s.base);
    const quote = this.balance(s.quote);
    if (o.side === 'BUY') {
      quote.free = round8(quote.free - quoteQty - commission);
      base.free = round8(base.free + qty);
    } else {
      base.free = round8(base.free - qty);
      quote.free = round8(quote.free + quoteQty - commission);
    }
    const f: ExchangeFill = {
      tradeId: this.nextTradeId++,
      orderId: o.orderId,
      symbol: s.id,
      price,
      qty,
      quoteQty,
      commission,
      commissionAsset: s.quote,
      time: now,
      isBuyer: o.side === 'BUY',
      isMaker,
    };
    o.fills.push(f);
    this.trades.push(f);
    o.executedQty = round8(o.executedQty + qty);
    o.cummulativeQuoteQty = round8(o.cummulativeQuoteQty + quoteQty);
    o.status = OrderStatus.FILLED;
    o.updateTime = now;
    this.resting.delete(o);
  }
}
