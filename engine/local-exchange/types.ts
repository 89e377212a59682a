import type { BarColumns, EpochMs, Timeframe } from '../domain/index.js';

/** Trading rules of one symbol, published in exchangeInfo filters and enforced on every order. */
export type SymbolRules = {
  /** PRICE_FILTER tickSize; prices must be a multiple of it. */
  readonly tickSize: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  /** LOT_SIZE stepSize; quantities must be a multiple of it. */
  readonly stepSize: number;
  readonly minQty: number;
  readonly maxQty: number;
  /** NOTIONAL filter: price × quantity must be at least this (market orders use the current price). */
  readonly minNotional: number;
};

/** Defaults close to Binance's BTCUSDT. */
export const DEFAULT_RULES: SymbolRules = {
  tickSize: 0.01,
  minPrice: 0.01,
  maxPrice: 1_000_000,
  stepSize: 0.00001,
  minQty: 0.00001,
  maxQty: 9000,
  minNotional: 5,
};

/** One replayed series. `symbol` is the ccxt unified spot symbol (`BTC/USDT`). */
export type SeriesSource = {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly bars: BarColumns;
  readonly rules?: Partial<SymbolRules>;
};

export type ApiKey = { readonly key: string; readonly secret: string };

export type LocalExchangeOptions = {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** The series to replay. Several symbols may be served; the first one drives `advanceBar()`. */
  readonly series: readonly SeriesSource[];
  /** Keys accepted in X-MBX-APIKEY (all share one account). More can be added at run time. */
  readonly apiKeys?: readonly ApiKey[];
  /** Starting free balances per asset, e.g. `{ USDT: 10000 }`. */
  readonly balances?: Readonly<Record<string, number>>;
  /** Commission per fill as a fraction of the quote amount, charged in the quote asset. Default 0.001. */
  readonly feeRate?: number;
  /**
   * Replay speed. Absent or 0: the price path moves only through `clock.advanceBar()`/`advanceTo()`.
   * > 0: the replay time runs with the wall clock at this factor (60 = one minute of bars per second).
   */
  readonly speed?: number;
  /** Replay start (a bar open time); default the first bar of the first series. */
  readonly startTime?: EpochMs;
  /**
   * Shift every bar time by the same whole number of (largest) timeframes so that the replay starts at the
   * current wall-clock time: with speed 1 bars then close in real time, as on a real exchange (practice mode).
   */
  readonly rebaseToNow?: boolean;
  /** Whether klines include the forming (current, unclosed) bar, as Binance does. Default true. */
  readonly klinesIncludeForming?: boolean;
  /** REQUEST_WEIGHT limit per minute; above it requests get 429 -1003 until the minute ends (Binance: 6000). */
  readonly weightLimitPerMinute?: number;
  /** Request log entries kept (oldest dropped first). Default 100 000. */
  readonly maxRequestLog?: number;
  /** Initial server clock skew in ms (server time = wall clock + skew). */
  readonly skewMs?: number;
  /** Wall clock; default Date.now. */
  readonly now?: () => EpochMs;
};

export const OrderStatus = {
  NEW: 'NEW',
  PARTIALLY_FILLED: 'PARTIALLY_FILLED',
  FILLED: 'FILLED',
  CANCELED: 'CANCELED',
  EXPIRED: 'EXPIRED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

export type OrderSide = 'BUY' | 'SELL';
export type OrderType = 'MARKET' | 'LIMIT';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';

/** A fill of one order (Binance "trade" in myTrades). */
export type ExchangeFill = {
  readonly tradeId: number;
  readonly orderId: number;
  readonly symbol: string;
  readonly price: number;
  readonly qty: number;
  readonly quoteQty: number;
  readonly commission: number;
  readonly commissionAsset: string;
  readonly time: EpochMs;
  readonly isBuyer: boolean;
  readonly isMaker: boolean;
};

/** An order as stored by the exchange (mutable inside the engine; copies are handed out). */
export type ExchangeOrder = {
  readonly orderId: number;
  /** Exchange symbol id, e.g. `BTCUSDT`. */
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce | undefined;
  readonly price: number;
  readonly origQty: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  status: OrderStatus;
  readonly time: EpochMs;
  updateTime: EpochMs;
  /** Quote amount reserved for an open BUY (price × qty × (1 + fee)), or base amount for a SELL. */
  locked: number;
  readonly fills: ExchangeFill[];
};

/** One line of the request log (signature removed). */
export type RequestLogEntry = {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly apiKey: string | undefined;
  /** HTTP status answered, or 0 when no response was sent (dropped/reset). */
  status: number;
  /** Binance error code when the answer was an error. */
  code: number | undefined;
  /** Fault applied to this request, if any. */
  fault: string | undefined;
  /** Server time at arrival. */
  readonly at: EpochMs;
};
