import type { EpochMs } from '../domain/index.js';
import { BinanceError, binanceErrors } from './binance-error.js';
import type { ExchangeClock } from './exchange-clock.js';
import type { ExchangeSymbol, MatchingEngine, NewOrder } from './matching-engine.js';
import { isOpen } from './matching-engine.js';
import { verifySigned } from './signed-request.js';
import type { ExchangeFill, ExchangeOrder, OrderSide, OrderType, TimeInForce } from './types.js';

/** What a route needs from the server for one request. */
export type ApiRequest = {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly rawQuery: string;
  readonly rawBody: string;
  readonly apiKey: string | undefined;
};

export type ApiContext = {
  readonly engine: MatchingEngine;
  readonly clock: ExchangeClock;
  readonly secrets: ReadonlyMap<string, string>;
  /** Whether klines include the forming bar (Binance: yes). */
  readonly klinesIncludeForming: boolean;
  /** Called when POST /api/v3/order stored an order. */
  readonly onOrderStored: (o: ExchangeOrder) => void;
};

type Route = {
  readonly weight: number;
  readonly signed: boolean;
  readonly run: (ctx: ApiContext, req: ApiRequest, now: EpochMs) => unknown;
};

/** Binance formats every decimal as a string with 8 decimals. */
export function fmt8(x: number): string {
  return (Math.round(x * 1e8) / 1e8).toFixed(8);
}

const INTERVAL_MS: Readonly<Record<string, number>> = {
  '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000, '2h': 7_200_000,
  '4h': 14_400_000, '6h': 21_600_000, '8h': 28_800_000, '12h': 43_200_000, '1d': 86_400_000, '3d': 259_200_000, '1w': 604_800_000,
};

function decimalParam(p: Readonly<Record<string, string>>, name: string, required: boolean): number | undefined {
  const v = p[name];
  if (v === undefined || v === '') {
    if (required) throw binanceErrors.mandatory(name);
    return undefined;
  }
  if (!/^([0-9]{1,20})(\.[0-9]{1,20})?$/.test(v)) throw binanceErrors.illegalChars(name);
  return Number(v);
}

function intParam(p: Readonly<Record<string, string>>, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d{1,19}$/.test(v)) throw binanceErrors.illegalChars(name);
  return Number(v);
}

function limitParam(p: Readonly<Record<string, string>>, def: number, max: number): number {
  const l = intParam(p, 'limit');
  if (l === undefined) return def;
  return Math.max(1, Math.min(max, l));
}

function requireSymbol(ctx: ApiContext, p: Readonly<Record<string, string>>): ExchangeSymbol {
  const id = p['symbol'];
  if (id === undefined || id === '') throw binanceErrors.mandatory('symbol');
  return ctx.engine.symbol(id);
}

function symbolInfo(s: ExchangeSymbol): unknown {
  const r = s.rules;
  return {
    symbol: s.id,
    status: 'TRADING',
    baseAsset: s.base,
    baseAssetPrecision: 8,
    quoteAsset: s.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'MARKET'],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: fmt8(r.minPrice), maxPrice: fmt8(r.maxPrice), tickSize: fmt8(r.tickSize) },
      { filterType: 'LOT_SIZE', minQty: fmt8(r.minQty), maxQty: fmt8(r.maxQty), stepSize: fmt8(r.stepSize) },
      { filterType: 'NOTIONAL', minNotional: fmt8(r.minNotional), applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
    ],
    permissions: ['SPOT'],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

function orderResult(o: ExchangeOrder): Record<string, unknown> {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime: o.time,
    price: fmt8(o.price),
    origQty: fmt8(o.origQty),
    executedQty: fmt8(o.executedQty),
    origQuoteOrderQty: '0.00000000',
    cummulativeQuoteQty: fmt8(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce ?? 'GTC',
    type: o.type,
    side: o.side,
    workingTime: o.time,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

function orderQuery(o: ExchangeOrder): Record<string, unknown> {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: fmt8(o.price),
    origQty: fmt8(o.origQty),
    executedQty: fmt8(o.executedQty),
    cummulativeQuoteQty: fmt8(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce ?? 'GTC',
    type: o.type,
    side: o.side,
    stopPrice: '0.00000000',
    icebergQty: '0.00000000',
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    workingTime: o.time,
    origQuoteOrderQty: '0.00000000',
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

function tradeRow(f: ExchangeFill): Record<string, unknown> {
  return {
    symbol: f.symbol,
    id: f.tradeId,
    orderId: f.orderId,
    orderListId: -1,
    price: fmt8(f.price),
    qty: fmt8(f.qty),
    quoteQty: fmt8(f.quoteQty),
    commission: fmt8(f.commission),
    commissionAsset: f.commissionAsset,
    time: f.time,
    isBuyer: f.isBuyer,
    isMaker: f.isMaker,
    isBestMatch: true,
  };
}

function parseNewOrder(ctx: ApiContext, p: Readonly<Record<string, string>>): NewOrder {
  const s = requireSymbol(ctx, p);
  const side = p['side'];
  if (side === undefined || side === '') throw binanceErrors.mandatory('side');
  if (side !== 'BUY' && side !== 'SELL') throw binanceErrors.invalidSide();
  const type = p['type'];
  if (type === undefined || type === '') throw binanceErrors.mandatory('type');
  if (type !== 'MARKET' && type !== 'LIMIT') throw binanceErrors.invalidOrderType();
  const cid = p['newClientOrderId'];
  if (cid !== undefined && !/^[.A-Z:/a-z0-9_-]{1,36}$/.test(cid)) {
    throw new BinanceError(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
  }
  let tif: TimeInForce | undefined;
  let price: number | undefined;
  let quantity: number | undefined;
  let quoteOrderQty: number | undefined;
  if (type === 'LIMIT') {
    const t = p['timeInForce'];
    if (t === undefined || t === '') throw binanceErrors.mandatory('timeInForce');
    if (t !== 'GTC' && t !== 'IOC' && t !== 'FOK') throw binanceErrors.invalidTimeInForce();
    tif = t;
    quantity = decimalParam(p, 'quantity', true);
    price = decimalParam(p, 'price', true);
    if (price! <= 0) throw binanceErrors.filter('PRICE_FILTER');
  } else {
    if (p['price'] !== undefined) throw binanceErrors.notRequired('price');
    quantity = decimalParam(p, 'quantity', false);
    quoteOrderQty = decimalParam(p, 'quoteOrderQty', false);
    if (quantity === undefined && quoteOrderQty === undefined) {
      throw new BinanceError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
    }
    if (quantity !== undefined && quoteOrderQty !== undefined) {
      throw new BinanceError(400, -1106, "Parameter 'quoteOrderQty' sent when not required.");
    }
  }
  return {
    symbol: s.id,
    side: side as OrderSide,
    type: type as OrderType,
    timeInForce: tif,
    quantity,
    quoteOrderQty,
    price,
    // Binance generates an id when none is sent (ccxt always sends one).
    clientOrderId: cid ?? `local-${ctx.engine.orders.length + 1}`,
  };
}

/** Finds the order named by orderId or origClientOrderId (-1102 when neither is sent). */
function findOrder(ctx: ApiContext, p: Readonly<Record<string, string>>, s: ExchangeSymbol, preferOpen: boolean): ExchangeOrder | undefined {
  const orderId = intParam(p, 'orderId');
  const cid = p['origClientOrderId'];
  if (orderId === undefined && (cid === undefined || cid === '')) throw binanceErrors.mandatory('orderId');
  if (orderId !== undefined) {
    const o = ctx.engine.order(orderId);
    return o && o.symbol === s.id ? o : undefined;
  }
  return (preferOpen ? ctx.engine.orderByClientId(s.id, cid!, true) : undefined) ?? ctx.engine.orderByClientId(s.id, cid!);
}

function klines(ctx: ApiContext, p: Readonly<Record<string, string>>): unknown[] {
  const s = requireSymbol(ctx, p);
  const interval = p['interval'];
  if (interval === undefined || interval === '') throw binanceErrors.mandatory('interval');
  const ivMs = INTERVAL_MS[interval];
  if (ivMs === undefined) throw binanceErrors.invalidInterval();
  const series = s.series;
  // Intervals coarser than the series are aggregated from it; finer ones cannot be served.
  if (ivMs % series.tfMs !== 0) throw binanceErrors.invalidInterval();
  const k = ivMs / series.tfMs;
  const startTime = intParam(p, 'startTime');
  const endTime = intParam(p, 'endTime');
  const limit = limitParam(p, 500, 1000);
  // The last bar whose bucket may be served: the forming one, or the last closed one when asked to omit it.
  let cur = series.barIndex;
  if (!ctx.klinesIncludeForming && cur >= 0) {
    const formingBucket = Math.floor(series.bars.openTime[cur]! / ivMs) * ivMs;
    while (cur >= 0 && Math.floor(series.bars.openTime[cur]! / ivMs) * ivMs === formingBucket) cur--;
  }
  if (cur < 0) return [];
  const ot = series.bars.openTime;
  // Index of the first bar with openTime >= t.
  const lowerBound = (t: number): number => {
    let lo = 0, hi = cur + 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ot[mid]! < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  const bucketOf = (t: number) => Math.floor(t / ivMs) * ivMs;
  let from: number;
  if (startTime !== undefined) from = lowerBound(bucketOf(startTime) === startTime ? startTime : bucketOf(startTime) + ivMs);
  else {
    const endIdx = endTime !== undefined ? lowerBound(endTime + 1) - 1 : cur;
    from = Math.max(0, endIdx - limit * k - k);
    from = lowerBound(bucketOf(ot[Math.min(from, cur)]!));
  }
  const rows: unknown[][] = [];
  let i = from;
  while (i <= cur && (startTime === undefined || rows.length < limit)) {
    const b0 = series.kline(i);
    const bucket = bucketOf(b0.openTime);
    if (endTime !== undefined && bucket > endTime) break;
    let { open, high, low, close, volume } = b0;
    let quoteVolume = volume * close;
    i++;
    while (i <= cur && bucketOf(ot[i]!) === bucket) {
      const b = series.kline(i);
      if (b.high > high) high = b.high;
      if (b.low < low) low = b.low;
      close = b.close;
      volume += b.volume;
      quoteVolume += b.volume * b.close;
      i++;
    }
    rows.push([bucket, fmt8(open), fmt8(high), fmt8(low), fmt8(close), fmt8(volume), bucket + ivMs - 1, fmt8(quoteVolume), 0, '0.00000000', '0.00000000', '0']);
  }
  if (startTime === undefined) return rows.slice(-limit);
  return rows.slice(0, limit);
}

function priceOf(s: ExchangeSymbol): number {
  const p = s.series.price();
  if (p === undefined) throw new BinanceError(400, -1013, 'Market is closed.');
  return p;
}

function perSymbol<T>(ctx: ApiContext, p: Readonly<Record<string, string>>, f: (s: ExchangeSymbol) => T): T | T[] {
  if (p['symbol'] !== undefined) return f(requireSymbol(ctx, p));
  const out: T[] = [];
  for (const s of ctx.engine.symbols.values()) if (s.series.price() !== undefined) out.push(f(s));
  return out;
}

function ticker24h(s: ExchangeSymbol, now: EpochMs): Record<string, unknown> {
  const series = s.series;
  const cur = series.barIndex;
  const last = priceOf(s);
  const span = Math.max(1, Math.round(86_400_000 / series.tfMs));
  const first = Math.max(0, cur - span + 1);
  let high = -Infinity, low = Infinity, volume = 0;
  for (let i = first; i <= cur; i++) {
    const b = series.kline(i);
    high = Math.max(high, b.high);
    low = Math.min(low, b.low);
    volume += b.volume;
  }
  const open = series.bars.open[first]!;
  return {
    symbol: s.id, priceChange: fmt8(last - open), priceChangePercent: ((100 * (last - open)) / open).toFixed(3),
    weightedAvgPrice: fmt8(last), prevClosePrice: fmt8(first > 0 ? series.bars.close[first - 1]! : open), lastPrice: fmt8(last), lastQty: '0.00000000',
    bidPrice: fmt8(last), bidQty: '1.00000000', askPrice: fmt8(last), askQty: '1.00000000', openPrice: fmt8(open),
    highPrice: fmt8(high), lowPrice: fmt8(low), volume: fmt8(volume), quoteVolume: fmt8(volume * last),
    openTime: now - 86_400_000, closeTime: now, firstId: -1, lastId: -1, count: 0,
  };
}

const ROUTES: Readonly<Record<string, Route>> = {
  'GET /api/v3/ping': { weight: 1, signed: false, run: () => ({}) },
  'GET /api/v3/time': { weight: 1, signed: false, run: (_c, _r, now) => ({ serverTime: now }) },
  'GET /api/v3/exchangeInfo': {
    weight: 20,
    signed: false,
    run: (ctx, req, now) => {
      let list = [...ctx.engine.symbols.values()];
      const one = req.params['symbol'];
      const many = req.params['symbols'];
      if (one !== undefined) list = [ctx.engine.symbol(one)];
      else if (many !== undefined) {
        let ids: unknown;
        try { ids = JSON.parse(many); } catch { throw binanceErrors.illegalChars('symbols'); }
        if (!Array.isArray(ids)) throw binanceErrors.illegalChars('symbols');
        list = ids.map((id) => ctx.engine.symbol(String(id)));
      }
      return {
        timezone: 'UTC',
        serverTime: now,
        rateLimits: [
          { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
          { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
          { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
          { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
        ],
        exchangeFilters: [],
        symbols: list.map(symbolInfo),
      };
    },
  },
  'GET /api/v3/klines': { weight: 2, signed: false, run: (ctx, req) => klines(ctx, req.params) },
  'GET /api/v3/ticker/price': {
    weight: 2, signed: false, run: (ctx, req) => perSymbol(ctx, req.params, (s) => ({ symbol: s.id, price: fmt8(priceOf(s)) })),
  },
  'GET /api/v3/ticker/bookTicker': {
    weight: 2,
    signed: false,
    run: (ctx, req) => perSymbol(ctx, req.params, (s) => {
      const p = fmt8(priceOf(s));
      return { symbol: s.id, bidPrice: p, bidQty: '1.00000000', askPrice: p, askQty: '1.00000000' };
    }),
  },
  'GET /api/v3/ticker/24hr': { weight: 2, signed: false, run: (ctx, req, now) => perSymbol(ctx, req.params, (s) => ticker24h(s, now)) },
  'POST /api/v3/order': {
    weight: 1,
    signed: true,
    run: (ctx, req, now) => {
      const spec = parseNewOrder(ctx, req.params);
      const o = ctx.engine.place(spec, now);
      ctx.onOrderStored(o);
      const resp = req.params['newOrderRespType'] ?? 'FULL';
      if (resp === 'ACK') return { symbol: o.symbol, orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, transactTime: o.time };
      const r = orderResult(o);
      if (resp === 'RESULT') return r;
      return {
        ...r,
        fills: o.fills.map((f) => ({ price: fmt8(f.price), qty: fmt8(f.qty), commission: fmt8(f.commission), commissionAsset: f.commissionAsset, tradeId: f.tradeId })),
      };
    },
  },
  'GET /api/v3/order': {
    weight: 4,
    signed: true,
    run: (ctx, req) => {
      const s = requireSymbol(ctx, req.params);
      const o = findOrder(ctx, req.params, s, false);
      if (!o) throw binanceErrors.orderDoesNotExist();
      return orderQuery(o);
    },
  },
  'DELETE /api/v3/order': {
    weight: 1,
    signed: true,
    run: (ctx, req, now) => {
      const s = requireSymbol(ctx, req.params);
      const o = ctx.engine.cancel(findOrder(ctx, req.params, s, true), now);
      return { ...orderResult(o), origClientOrderId: o.clientOrderId, clientOrderId: req.params['newClientOrderId'] ?? `cancel-${o.orderId}`, transactTime: now };
    },
  },
  'GET /api/v3/openOrders': {
    weight: 6,
    signed: true,
    run: (ctx, req) => {
      const sym = req.params['symbol'] !== undefined ? requireSymbol(ctx, req.params).id : undefined;
      return ctx.engine.orders.filter((o) => isOpen(o) && (sym === undefined || o.symbol === sym)).map(orderQuery);
    },
  },
  'DELETE /api/v3/openOrders': {
    weight: 1,
    signed: true,
    run: (ctx, req, now) => {
      const s = requireSymbol(ctx, req.params);
      const open = ctx.engine.orders.filter((o) => o.symbol === s.id && isOpen(o));
      // Binance answers -2011 when there is nothing to cancel.
      if (open.length === 0) throw binanceErrors.unknownOrderCancel();
      return open.map((o) => {
        ctx.engine.cancel(o, now);
        return { ...orderResult(o), origClientOrderId: o.clientOrderId, clientOrderId: `cancel-${o.orderId}`, transactTime: now };
      });
    },
  },
  'GET /api/v3/allOrders': {
    weight: 20,
    signed: true,
    run: (ctx, req) => {
      const s = requireSymbol(ctx, req.params);
      const fromId = intParam(req.params, 'orderId');
      const start = intParam(req.params, 'startTime');
      const end = intParam(req.params, 'endTime');
      const limit = limitParam(req.params, 500, 1000);
      const rows = ctx.engine.orders.filter((o) => o.symbol === s.id && (fromId === undefined || o.orderId >= fromId)
        && (start === undefined || o.time >= start) && (end === undefined || o.time <= end));
      return (fromId !== undefined || start !== undefined ? rows.slice(0, limit) : rows.slice(-limit)).map(orderQuery);
    },
  },
  'GET /api/v3/myTrades': {
    weight: 20,
    signed: true,
    run: (ctx, req) => {
      const s = requireSymbol(ctx, req.params);
      const orderId = intParam(req.params, 'orderId');
      const fromId = intParam(req.params, 'fromId');
      const start = intParam(req.params, 'startTime');
      const end = intParam(req.params, 'endTime');
      const limit = limitParam(req.params, 500, 1000);
      const rows = ctx.engine.trades.filter((f) => f.symbol === s.id && (orderId === undefined || f.orderId === orderId)
        && (fromId === undefined || f.tradeId >= fromId) && (start === undefined || f.time >= start) && (end === undefined || f.time <= end));
      return (fromId !== undefined || start !== undefined ? rows.slice(0, limit) : rows.slice(-limit)).map(tradeRow);
    },
  },
  'GET /api/v3/account': {
    weight: 20,
    signed: true,
    run: (ctx, req, now) => {
      const omitZero = req.params['omitZeroBalances'] === 'true';
      const balances = [...ctx.engine.balances.entries()]
        .filter(([, b]) => !omitZero || b.free !== 0 || b.locked !== 0)
        .map(([asset, b]) => ({ asset, free: fmt8(b.free), locked: fmt8(b.locked) }));
      const fee = fmt8(ctx.engine.feeRate);
      const bps = Math.round(ctx.engine.feeRate * 10_000);
      return {
        makerCommission: bps, takerCommission: bps, buyerCommission: 0, sellerCommission: 0,
        commissionRates: { maker: fee, taker: fee, buyer: '0.00000000', seller: '0.00000000' },
        canTrade: true, canWithdraw: false, canDeposit: false, brokered: false, requireSelfTradePrevention: false, preventSor: false,
        updateTime: now, accountType: 'SPOT', balances, permissions: ['SPOT'], uid: 1,
      };
    },
  },
  // ccxt may ask for other market types while loading markets; answer that there are none.
  'GET /fapi/v1/exchangeInfo': { weight: 1, signed: false, run: (_c, _r, now) => ({ timezone: 'UTC', serverTime: now, rateLimits: [], exchangeFilters: [], assets: [], symbols: [] }) },
  'GET /dapi/v1/exchangeInfo': { weight: 1, signed: false, run: (_c, _r, now) => ({ timezone: 'UTC', serverTime: now, rateLimits: [], exchangeFilters: [], symbols: [] }) },
  'GET /eapi/v1/exchangeInfo': { weight: 1, signed: false, run: (_c, _r, now) => ({ timezone: 'UTC', serverTime: now, optionContracts: [], optionAssets: [], optionSymbols: [], rateLimits: [] }) },
  'GET /sapi/v1/margin/allPairs': { weight: 1, signed: false, run: () => [] },
  'GET /sapi/v1/margin/isolated/allPairs': { weight: 1, signed: false, run: () => [] },
};

export type ApiAnswer = { readonly status: number; readonly body: unknown; readonly weight: number; readonly isOrder: boolean };

/** Runs one Binance REST request. Throws BinanceError for Binance error answers. */
export function handleApi(ctx: ApiContext, req: ApiRequest, now: EpochMs): ApiAnswer {
  const route = ROUTES[`${req.method} ${req.path}`];
  if (!route) throw binanceErrors.notFound();
  if (route.signed) {
    verifySigned({ apiKey: req.apiKey, secrets: ctx.secrets, rawQuery: req.rawQuery, rawBody: req.rawBody, params: req.params, serverTime: now });
  }
  return { status: 200, body: route.run(ctx, req, now), weight: route.weight, isOrder: req.path === '/api/v3/order' && req.method === 'POST' };
}

/** Weight of a route (for the X-MBX-USED-WEIGHT-1M header), 1 when unknown. */
export function routeWeight(method: string, path: string): number {
  return ROUTES[`${method} ${path}`]?.weight ?? 1;
}
