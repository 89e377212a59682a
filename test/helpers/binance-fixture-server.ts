/**
 * A loopback HTTP server that speaks just enough of Binance's public spot REST API for ccxt's real
 * `binance` class: `/api/v3/exchangeInfo`, `/api/v3/time`, `/api/v3/klines` (plus empty futures
 * exchangeInfo answers). Bars come from a fixture; klines follow Binance's startTime/endTime/limit
 * semantics and return 12-column arrays with prices as strings, including the still-forming bar.
 *
 * Failure injection: `failures` maps the 1-based index of a klines request to a failure
 * (500 once, 429 with Retry-After, a connection reset, a malformed row). `stallAt` holds one klines
 * request until `release()` so a test can interrupt a client at a known point.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** [openTime ms, open, high, low, close, volume]. */
export type FixtureRow = readonly [number, number, number, number, number, number];

export type Failure =
  | { readonly kind: 'status500' }
  | { readonly kind: 'status429'; readonly retryAfterS: number }
  | { readonly kind: 'reset' }
  /** Serves the page but replaces one field of its first row with `value` (a string as Binance sends). */
  | { readonly kind: 'badRow'; readonly column: 1 | 2 | 3 | 4 | 5; readonly value: string };

export type FixtureOptions = {
  /** Bars per Binance market id and interval, ascending: `{ BTCUSDT: { '1h': rows } }`. */
  readonly series: Readonly<Record<string, Readonly<Record<string, readonly FixtureRow[]>>>>;
  /** The exchange's clock (ms). Bars with openTime > serverTime are never served. */
  readonly serverTime: number;
  /** Klines request number (1-based, counted over all klines requests) → failure served instead. */
  readonly failures?: ReadonlyMap<number, Failure>;
  /** Klines request number to hold until release() is called. */
  readonly stallAt?: number;
};

export type RequestLog = { readonly path: string; readonly query: Readonly<Record<string, string>>; readonly status: number };

export type FixtureServer = {
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly requests: RequestLog[];
  /** Paths that are not part of the fixture API (ccxt called something unexpected). */
  readonly unexpected: string[];
  /** Number of klines requests answered with bars (status 200). */
  klinesServed(): number;
  /** Resolves when the stalled request has arrived. */
  stalled(): Promise<void>;
  /** Lets the stalled request through. */
  release(): void;
  close(): Promise<void>;
};

const INTERVAL_MS: Readonly<Record<string, number>> = {
  '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000,
  '1h': 3_600_000, '2h': 7_200_000, '4h': 14_400_000, '6h': 21_600_000, '8h': 28_800_000,
  '12h': 43_200_000, '1d': 86_400_000, '3d': 259_200_000, '1w': 604_800_000,
};

function symbolInfo(symbol: string, base: string, quote: string) {
  return {
    symbol,
    status: 'TRADING',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
      { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
      { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

/** A minimal but valid spot exchangeInfo with BTCUSDT and ETHUSDT. */
export function exchangeInfo(serverTime: number) {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: [symbolInfo('BTCUSDT', 'BTC', 'USDT'), symbolInfo('ETHUSDT', 'ETH', 'USDT')],
  };
}

/** Binance's 12-column kline row: prices and volumes as 8-decimal strings. */
export function klineRow(r: FixtureRow, intervalMs: number): (number | string)[] {
  const [t, o, h, l, c, v] = r;
  const s = (x: number) => x.toFixed(8);
  return [t, s(o), s(h), s(l), s(c), s(v), t + intervalMs - 1, s(v * c), 100, s(v / 2), s((v / 2) * c), '0'];
}

/**
 * Deterministic bars on the grid: 2-decimal prices (exact through Binance's 8-decimal strings),
 * 3-decimal volumes, a bounded random walk from a seeded LCG.
 */
export function generateFixtureBars(opts: { start: number; intervalMs: number; count: number; seed?: number; startPrice?: number }): FixtureRow[] {
  let state = (opts.seed ?? 1) >>> 0;
  const rnd = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const rows: FixtureRow[] = [];
  let prev = Math.round((opts.startPrice ?? 42000) * 100);
  for (let i = 0; i < opts.count; i++) {
    const open = prev;
    const close = Math.max(100, open + Math.round((rnd() - 0.5) * 20000));
    const high = Math.max(open, close) + Math.round(rnd() * 5000);
    const low = Math.max(1, Math.min(open, close) - Math.round(rnd() * 5000));
    const volume = Math.round(rnd() * 1_000_000) / 1000;
    rows.push([opts.start + i * opts.intervalMs, open / 100, high / 100, low / 100, close / 100, volume]);
    prev = close;
  }
  return rows;
}

/** Binance's klines selection: startTime/endTime bound openTime inclusively; limit defaults to 500, max 1000. */
export function selectKlines(rows: readonly FixtureRow[], serverTime: number, q: { startTime?: number; endTime?: number; limit: number }): FixtureRow[] {
  const visible = rows.filter((r) => r[0] <= serverTime);
  const inRange = visible.filter((r) => (q.startTime === undefined || r[0] >= q.startTime) && (q.endTime === undefined || r[0] <= q.endTime));
  // Without startTime Binance returns the most recent bars up to endTime.
  return q.startTime === undefined ? inRange.slice(Math.max(0, inRange.length - q.limit)) : inRange.slice(0, q.limit);
}

export async function startBinanceFixtureServer(opts: FixtureOptions): Promise<FixtureServer> {
  const requests: RequestLog[] = [];
  const unexpected: string[] = [];
  let klinesCount = 0;
  let served = 0;
  let releaseStall: (() => void) | undefined;
  let stallArrived: () => void = () => {};
  const stallArrivedP = new Promise<void>((r) => (stallArrived = r));
  const stallGate = new Promise<void>((r) => (releaseStall = r));

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(u.searchParams.entries());
    const log = (status: number) => requests.push({ path: u.pathname, query, status });
    void (async () => {
      switch (u.pathname) {
        case '/api/v3/time':
          log(200);
          return send(res, 200, { serverTime: opts.serverTime });
        case '/api/v3/exchangeInfo':
          log(200);
          return send(res, 200, exchangeInfo(opts.serverTime));
        case '/fapi/v1/exchangeInfo':
        case '/dapi/v1/exchangeInfo':
          log(200);
          return send(res, 200, { timezone: 'UTC', serverTime: opts.serverTime, rateLimits: [], exchangeFilters: [], assets: [], symbols: [] });
        case '/api/v3/klines': {
          klinesCount++;
          const n = klinesCount;
          if (opts.stallAt === n) {
            stallArrived();
            await stallGate;
          }
          const failure = opts.failures?.get(n);
          if (failure?.kind === 'status500') {
            log(500);
            res.writeHead(500, { 'content-type': 'text/html' });
            return res.end('<html><body>500 Internal Server Error</body></html>');
          }
          if (failure?.kind === 'status429') {
            log(429);
            return send(res, 429, { code: -1003, msg: 'Too many requests; current limit is 6000 request weight per 1 MINUTE.' }, { 'Retry-After': String(failure.retryAfterS) });
          }
          if (failure?.kind === 'reset') {
            log(0);
            req.socket.destroy();
            return;
          }
          const symbol = query.symbol ?? '';
          const interval = query.interval ?? '';
          const bySymbol = opts.series[symbol];
          if (!exchangeInfo(0).symbols.some((s) => s.symbol === symbol)) {
            log(400);
            return send(res, 400, { code: -1121, msg: 'Invalid symbol.' });
          }
          const ms = INTERVAL_MS[interval];
          if (ms === undefined) {
            log(400);
            return send(res, 400, { code: -1120, msg: 'Invalid interval.' });
          }
          const limit = query.limit === undefined ? 500 : Number(query.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
            log(400);
            return send(res, 400, { code: -1130, msg: "Data sent for parameter 'limit' is not valid." });
          }
          const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
          const rows = selectKlines(bySymbol?.[interval] ?? [], opts.serverTime, { startTime: num(query.startTime), endTime: num(query.endTime), limit });
          const body = rows.map((r) => klineRow(r, ms));
          if (failure?.kind === 'badRow' && body.length > 0) body[0]![failure.column] = failure.value;
          log(200);
          served++;
          return send(res, 200, body);
        }
        default:
          log(404);
          unexpected.push(u.pathname);
          return send(res, 404, { code: -1, msg: `not in the fixture: ${u.pathname}` });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    unexpected,
    klinesServed: () => served,
    stalled: () => stallArrivedP,
    release: () => releaseStall?.(),
    close: () =>
      new Promise<void>((resolve) => {
        releaseStall?.();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
