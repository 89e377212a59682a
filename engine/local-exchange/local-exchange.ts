import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EpochMs } from '../domain/index.js';
import { handleApi, routeWeight } from './binance-api.js';
import type { ApiContext } from './binance-api.js';
import { BinanceError, binanceErrors } from './binance-error.js';
import { ExchangeClock } from './exchange-clock.js';
import { FaultInjector, validateFault } from './faults.js';
import type { Fault, FaultSpec } from './faults.js';
import { MatchingEngine } from './matching-engine.js';
import type { Balance, ExchangeSymbol } from './matching-engine.js';
import { ReplaySeries, TICKS_PER_BAR } from './replay-series.js';
import type { ApiKey, ExchangeOrder, LocalExchangeOptions, RequestLogEntry } from './types.js';
import { DEFAULT_RULES } from './types.js';

const MAX_BODY_BYTES = 1 << 20;

/** Controls of the exchange's clocks and of the replayed price path. */
export type LocalExchangeClock = {
  /** Server time (wall clock + skew): what /api/v3/time answers and timestamps are checked against. */
  serverTime(): EpochMs;
  skewMs(): number;
  /** Server time = wall clock + ms (e.g. −3000: the server is 3 s behind the client). */
  setSkew(ms: number): void;
  /** Clock step: server time jumps by deltaMs (e.g. +2000 mid-run). */
  step(deltaMs: number): void;
  setServerTime(t: EpochMs): void;
  /** Replay time: position in the price path. */
  replayTime(): EpochMs;
  /** Walks the rest of the current bar of the first series (filling limit orders) and stops at the next bar's open. Returns false at the end of the series. */
  advanceBar(n?: number): boolean;
  /** Walks the price path up to replay time t (never backwards). */
  advanceTo(t: EpochMs): void;
  /** 0 = manual; > 0 = replay runs with the wall clock at this factor. */
  setSpeed(speed: number): void;
  /** Current path price of a symbol (`BTC/USDT` or `BTCUSDT`). */
  price(symbol: string): number | undefined;
  /** Open time of the current bar of a symbol (the bar that is forming). */
  currentBarOpenTime(symbol: string): EpochMs | undefined;
};

export type LocalExchangeFaults = {
  /** Arms a fault for the next `times` (default 1) requests matching method/path; returns its id. */
  inject(spec: FaultSpec): number;
  clear(): void;
  pending(): ReturnType<FaultInjector['pending']>;
  /** Ban end (server time) while a 418 ban is active, else undefined. */
  bannedUntil(): EpochMs | undefined;
  /** Lifts a ban now. */
  unban(): void;
};

export type LocalExchangeCounters = {
  /** POST /api/v3/order requests received (including ones dropped, rejected or faulted). */
  readonly orderPosts: number;
  /** POST /api/v3/order requests received per newClientOrderId. */
  postsFor(clientOrderId: string): number;
  readonly postsByClientOrderId: ReadonlyMap<string, number>;
  /** Orders stored by the exchange (accepted by the matching engine). */
  readonly ordersStored: number;
  /** Every request received (signature removed), oldest first. */
  readonly requests: readonly RequestLogEntry[];
  /** Clears the counters and the request log (orders and balances stay). */
  reset(): void;
};

export type LocalExchange = {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly clock: LocalExchangeClock;
  readonly faults: LocalExchangeFaults;
  readonly counters: LocalExchangeCounters;
  /** Copies of all stored orders, oldest first. */
  orders(): ExchangeOrder[];
  /** Orders with this client order id (several when a closed order's id was reused). */
  ordersFor(clientOrderId: string): ExchangeOrder[];
  balances(): Record<string, Balance>;
  /** Adds (or replaces) an accepted API key. */
  addApiKey(k: ApiKey): void;
  /** Removes an API key: later requests with it get -2015. */
  removeApiKey(key: string): void;
  close(): Promise<void>;
};

function splitSymbol(unified: string): { base: string; quote: string } {
  const m = /^([A-Z0-9]+)\/([A-Z0-9]+)$/.exec(unified);
  if (!m) throw new RangeError(`symbol "${unified}" is not a spot symbol like BTC/USDT`);
  return { base: m[1]!, quote: m[2]! };
}

function copyOrder(o: ExchangeOrder): ExchangeOrder {
  return { ...o, fills: [...o.fills] };
}

/**
 * Starts the local Binance-compatible exchange on 127.0.0.1. See engine/local-exchange/README.md for
 * the endpoints, the price path rule and the fault kinds.
 */
export async function startLocalExchange(opts: LocalExchangeOptions): Promise<LocalExchange> {
  if (opts.series.length === 0) throw new RangeError('startLocalExchange: at least one series is required');
  const wall = opts.now ?? (() => Date.now());
  const engine = new MatchingEngine(opts.feeRate ?? 0.001, opts.balances ?? { USDT: 10_000 });
  const bySymbol = new Map<string, ExchangeSymbol>();
  for (const src of opts.series) {
    const { base, quote } = splitSymbol(src.symbol);
    const id = base + quote;
    if (bySymbol.has(src.symbol)) throw new RangeError(`startLocalExchange: symbol ${src.symbol} is given twice (one series per symbol; coarser klines are aggregated)`);
    if (src.bars.length === 0) throw new RangeError(`startLocalExchange: series ${src.symbol} ${src.timeframe} has no bars`);
    const s: ExchangeSymbol = { id, unified: src.symbol, base, quote, rules: { ...DEFAULT_RULES, ...src.rules }, series: new ReplaySeries(src.timeframe, src.bars) };
    bySymbol.set(src.symbol, s);
    engine.addSymbol(s);
  }
  let primary = [...bySymbol.values()][0]!;
  let start = opts.startTime ?? primary.series.bars.openTime[0]!;
  if (opts.rebaseToNow) {
    // Shift by whole units of the largest timeframe so every series stays on its UTC grid.
    const unit = Math.max(...[...bySymbol.values()].map((s) => s.series.tfMs));
    const nowMs = Math.floor(wall()) + (opts.skewMs ?? 0);
    const delta = Math.floor((nowMs - start) / unit) * unit;
    for (const [k, s] of bySymbol) {
      const b = s.series.bars;
      const openTime = new Float64Array(b.length);
      for (let i = 0; i < b.length; i++) openTime[i] = b.openTime[i]! + delta;
      const shifted: ExchangeSymbol = { ...s, series: new ReplaySeries(s.series.timeframe, { ...b, openTime }) };
      bySymbol.set(k, shifted);
      engine.addSymbol(shifted);
    }
    primary = [...bySymbol.values()][0]!;
    start = Math.max(start + delta, nowMs);
  }
  const clock = new ExchangeClock(wall, start, opts.skewMs ?? 0, opts.speed ?? 0);
  const secrets = new Map<string, string>();
  for (const k of opts.apiKeys ?? []) secrets.set(k.key, k.secret);
  const faults = new FaultInjector();
  let bannedUntil: EpochMs | undefined;

  let orderPosts = 0;
  let ordersStored = 0;
  const postsByCid = new Map<string, number>();
  let requests: RequestLogEntry[] = [];
  let weightMinute = -1;
  let weightUsed = 0;
  let ordersTen = { bucket: -1, n: 0 };
  let ordersDay = { bucket: -1, n: 0 };

  const maxLog = opts.maxRequestLog ?? 100_000;
  const weightLimit = opts.weightLimitPerMinute ?? 6000;
  const ctx: ApiContext = { engine, clock, secrets, klinesIncludeForming: opts.klinesIncludeForming ?? true, onOrderStored: () => { ordersStored++; } };

  const sync = (): void => {
    const t = clock.replayTime();
    const now = clock.serverTime();
    for (const s of engine.symbols.values()) {
      s.series.advanceTo(s.series.positionAt(t), (price) => engine.onTick(s, price, now));
    }
  };
  sync();

  const lookup = (symbol: string): ExchangeSymbol | undefined => bySymbol.get(symbol) ?? engine.symbols.get(symbol);

  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => void): void => {
    const t = setTimeout(() => { timers.delete(t); f(); }, ms);
    timers.add(t);
  };

  function usedWeight(w: number): number {
    const minute = Math.floor(clock.serverTime() / 60_000);
    if (minute !== weightMinute) { weightMinute = minute; weightUsed = 0; }
    weightUsed += w;
    return weightUsed;
  }

  function countOrder(): Record<string, string> {
    const now = clock.serverTime();
    const b10 = Math.floor(now / 10_000), bd = Math.floor(now / 86_400_000);
    if (ordersTen.bucket !== b10) ordersTen = { bucket: b10, n: 0 };
    if (ordersDay.bucket !== bd) ordersDay = { bucket: bd, n: 0 };
    ordersTen.n++;
    ordersDay.n++;
    return { 'X-MBX-ORDER-COUNT-10S': String(ordersTen.n), 'X-MBX-ORDER-COUNT-1D': String(ordersDay.n) };
  }

  function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string>, contentType = 'application/json;charset=UTF-8'): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function readBody(req: http.IncomingMessage): Promise<string | undefined> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) { req.destroy(); resolve(undefined); return; }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', () => resolve(undefined));
      req.on('close', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    });
  }

  async function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const raw = (await readBody(req)) ?? '';
    const json = (status: number, body: unknown) => send(res, status, JSON.stringify(body), {});
    let body: Record<string, unknown> = {};
    try {
      if (raw !== '') {
        const v: unknown = JSON.parse(raw);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError('body: expected a JSON object');
        body = v as Record<string, unknown>;
      }
      const num = (field: string): number | undefined => {
        const v = body[field];
        if (v === undefined) return undefined;
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${field}: expected a number, got ${JSON.stringify(v)}`);
        return v;
      };
      const route = `${req.method} ${path}`;
      switch (route) {
        case 'GET /__admin/state':
          return json(200, adminState());
        case 'POST /__admin/faults': {
          validateFault(body['fault']);
          const times = num('times');
          const method = body['method'], p = body['path'];
          if (method !== undefined && typeof method !== 'string') throw new TypeError('method: expected a string');
          if (p !== undefined && typeof p !== 'string') throw new TypeError('path: expected a string');
          const id = api.faults.inject({ fault: body['fault'] as Fault, ...(times !== undefined ? { times } : {}), ...(method !== undefined ? { method } : {}), ...(p !== undefined ? { path: p } : {}) });
          return json(200, { id });
        }
        case 'DELETE /__admin/faults':
          api.faults.clear();
          return json(200, {});
        case 'POST /__admin/clock': {
          const skew = num('skewMs'), stepMs = num('stepMs'), serverTime = num('serverTime'), speed = num('speed');
          if (skew !== undefined) clock.setSkew(skew);
          if (stepMs !== undefined) clock.step(stepMs);
          if (serverTime !== undefined) clock.setServerTime(serverTime);
          if (speed !== undefined) api.clock.setSpeed(speed);
          return json(200, adminState());
        }
        case 'POST /__admin/advance': {
          const bars = num('bars'), to = num('to');
          if (to !== undefined) api.clock.advanceTo(to);
          else api.clock.advanceBar(bars ?? 1);
          return json(200, adminState());
        }
        case 'GET /__admin/counters':
          return json(200, {
            orderPosts, ordersStored, postsByClientOrderId: Object.fromEntries(postsByCid), requests,
          });
        case 'POST /__admin/counters/reset':
          api.counters.reset();
          return json(200, {});
        case 'GET /__admin/orders':
          return json(200, api.orders());
        case 'GET /__admin/balances':
          return json(200, api.balances());
        case 'POST /__admin/keys': {
          const key = body['key'], secret = body['secret'];
          if (typeof key !== 'string' || typeof secret !== 'string' || key === '' || secret === '') throw new TypeError('key, secret: expected non-empty strings');
          api.addApiKey({ key, secret });
          return json(200, {});
        }
        case 'DELETE /__admin/keys': {
          const key = body['key'];
          if (typeof key !== 'string') throw new TypeError('key: expected a string');
          api.removeApiKey(key);
          return json(200, {});
        }
        default:
          return json(404, { error: `unknown admin route ${route}` });
      }
    } catch (e) {
      return json(400, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  function adminState(): Record<string, unknown> {
    sync();
    const prices: Record<string, number | undefined> = {};
    for (const s of bySymbol.values()) prices[s.unified] = s.series.price();
    return { serverTime: clock.serverTime(), skewMs: clock.skewMs, replayTime: clock.replayTime(), speed: clock.speed, prices, bannedUntil };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    if (path.startsWith('/__admin/')) return handleAdmin(req, res, path);

    const arrival = clock.serverTime();
    const apiKeyHeader = req.headers['x-mbx-apikey'];
    const apiKey = Array.isArray(apiKeyHeader) ? apiKeyHeader[0] : apiKeyHeader;
    const fault = faults.take(method, path);
    const rawBody = (await readBody(req)) ?? '';
    const params: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(rawBody)) params[k] = v;
    // Binance: a parameter sent in both the query string and the body takes the query string's value.
    for (const [k, v] of new URLSearchParams(rawQuery)) params[k] = v;
    const logged: Record<string, string> = { ...params };
    delete logged['signature'];
    const entry: RequestLogEntry = { method, path, params: logged, apiKey, status: 0, code: undefined, fault: fault?.kind, at: arrival };
    requests.push(entry);
    if (requests.length > maxLog) requests.splice(0, requests.length - maxLog);
    const isOrderPost = method === 'POST' && path === '/api/v3/order';
    if (isOrderPost) {
      orderPosts++;
      const cid = params['newClientOrderId'];
      if (cid !== undefined) postsByCid.set(cid, (postsByCid.get(cid) ?? 0) + 1);
    }

    const used = usedWeight(routeWeight(method, path));
    const headers: Record<string, string> = { 'X-MBX-USED-WEIGHT-1M': String(used) };
    const fail = (e: BinanceError): void => {
      entry.status = e.httpStatus;
      entry.code = e.code;
      send(res, e.httpStatus, JSON.stringify({ code: e.code, msg: e.msg }), { ...headers, ...e.headers });
    };

    // Faults that stop the request before it is processed.
    if (fault?.kind === 'reset') { req.socket.resetAndDestroy(); return; }
    if (fault?.kind === 'dropUnprocessed') { req.socket.destroy(); return; }
    if (fault?.kind === 'rateLimit') return fail(binanceErrors.tooManyRequests(fault.retryAfterSec));
    if (fault?.kind === 'ban') bannedUntil = arrival + fault.periodMs;
    if (bannedUntil !== undefined) {
      if (arrival < bannedUntil) return fail(binanceErrors.banned(bannedUntil, Math.ceil((bannedUntil - arrival) / 1000)));
      bannedUntil = undefined;
    }
    if (fault?.kind === 'timestampRejected') return fail(binanceErrors.timestampBehind());
    if (used > weightLimit) return fail(binanceErrors.tooManyRequests(Math.ceil((60_000 - (arrival % 60_000)) / 1000)));

    sync();
    let status: number;
    let body: string;
    try {
      const a = handleApi(ctx, { method, path, params, rawQuery, rawBody, apiKey }, clock.serverTime());
      status = a.status;
      body = JSON.stringify(a.body);
      if (a.isOrder) Object.assign(headers, countOrder());
    } catch (e) {
      if (!(e instanceof BinanceError)) {
        entry.status = 500;
        send(res, 500, JSON.stringify({ code: -1000, msg: `An unknown error occured while processing the request. ${e instanceof Error ? e.message : String(e)}` }), headers);
        return;
      }
      return fail(e);
    }

    // Faults that happen after the request was processed (the order IS stored).
    if (fault?.kind === 'acceptThenDrop') { req.socket.destroy(); return; }
    if (fault?.kind === 'storeThen500') {
      entry.status = 500;
      send(res, 500, '<html><body><h1>500 Internal Server Error</h1></body></html>', headers, 'text/html');
      return;
    }
    if (fault?.kind === 'storeThen1007') return fail(binanceErrors.backendTimeout());
    entry.status = status;
    if (fault?.kind === 'acceptThenDelay') {
      later(fault.delayMs, () => send(res, status, body, headers));
      return;
    }
    send(res, status, body, headers);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      send(res, 500, JSON.stringify({ code: -1000, msg: String(e) }), {});
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;

  let ticker: NodeJS.Timeout | undefined;
  const setTicker = (): void => {
    if (ticker) { clearInterval(ticker); ticker = undefined; }
    if (clock.speed > 0) {
      // In real-time mode resting limit orders fill as the path moves, even without requests.
      ticker = setInterval(sync, 25);
      ticker.unref();
    }
  };
  setTicker();

  const api: LocalExchange = {
    url: `http://127.0.0.1:${port}`,
    port,
    clock: {
      serverTime: () => clock.serverTime(),
      skewMs: () => clock.skewMs,
      setSkew: (ms) => clock.setSkew(ms),
      step: (d) => clock.step(d),
      setServerTime: (t) => clock.setServerTime(t),
      replayTime: () => clock.replayTime(),
      advanceBar(n = 1) {
        for (let k = 0; k < n; k++) {
          sync();
          const next = primary.series.nextOpenTime();
          if (next === undefined) {
            // End of the series: walk the last bar to its close and stay there.
            primary.series.advanceTo(primary.series.bars.length * TICKS_PER_BAR - 1, (p) => engine.onTick(primary, p, clock.serverTime()));
            return false;
          }
          clock.setReplayTime(next);
          sync();
        }
        return true;
      },
      advanceTo(t) {
        clock.setReplayTime(t);
        sync();
      },
      setSpeed(speed) {
        sync();
        clock.setSpeed(speed);
        setTicker();
      },
      price(symbol) {
        sync();
        return lookup(symbol)?.series.price();
      },
      currentBarOpenTime(symbol) {
        sync();
        const s = lookup(symbol);
        if (!s || s.series.barIndex < 0) return undefined;
        return s.series.bars.openTime[s.series.barIndex];
      },
    },
    faults: {
      inject: (spec) => faults.add(spec),
      clear: () => faults.clear(),
      pending: () => faults.pending(),
      bannedUntil: () => (bannedUntil !== undefined && clock.serverTime() < bannedUntil ? bannedUntil : undefined),
      unban: () => { bannedUntil = undefined; },
    },
    counters: {
      get orderPosts() { return orderPosts; },
      postsFor: (cid) => postsByCid.get(cid) ?? 0,
      get postsByClientOrderId() { return new Map(postsByCid); },
      get ordersStored() { return ordersStored; },
      get requests() { return requests; },
      reset() {
        orderPosts = 0;
        ordersStored = 0;
        postsByCid.clear();
        requests = [];
      },
    },
    orders: () => engine.orders.map(copyOrder),
    ordersFor: (cid) => engine.orders.filter((o) => o.clientOrderId === cid).map(copyOrder),
    balances: () => Object.fromEntries([...engine.balances.entries()].map(([a, b]) => [a, { ...b }])),
    addApiKey: (k) => { secrets.set(k.key, k.secret); },
    removeApiKey: (key) => { secrets.delete(key); },
    async close() {
      if (ticker) clearInterval(ticker);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return api;
}
