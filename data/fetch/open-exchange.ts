import { UserError, suggest, type Timeframe } from '../../engine/domain/index.js';

/** The slice of a ccxt exchange instance the OHLCV download uses. */
export interface OhlcvExchange {
  readonly id: string;
  readonly has: Readonly<Record<string, boolean | string | undefined>>;
  readonly timeframes: Readonly<Record<string, string | number>> | undefined;
  readonly markets: Readonly<Record<string, OhlcvMarket>> | undefined;
  readonly features: Readonly<Record<string, unknown>> | undefined;
  /** ccxt's precision mode: 2 DECIMAL_PLACES, 3 SIGNIFICANT_DIGITS, 4 TICK_SIZE. */
  readonly precisionMode?: number;
  last_response_headers: Readonly<Record<string, string>> | undefined;
  urls: { api: unknown };
  options: Record<string, unknown>;
  loadMarkets(): Promise<unknown>;
  fetchTime(): Promise<number | undefined>;
  fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<unknown[]>;
  close?(): Promise<unknown>;
}

export type OhlcvMarket = {
  readonly symbol: string;
  readonly type?: string;
  readonly linear?: boolean;
  readonly inverse?: boolean;
  readonly precision?: { readonly amount?: number | null; readonly price?: number | null };
  readonly limits?: { readonly amount?: { readonly min?: number | null }; readonly cost?: { readonly min?: number | null } };
};

/** ccxt's error classes the retry loop needs (from the lazily loaded module). */
export type CcxtErrors = {
  readonly NetworkError: new (...a: never[]) => Error;
  readonly BadSymbol: new (...a: never[]) => Error;
  readonly BaseError: new (...a: never[]) => Error;
};

export type OpenedExchange = { readonly exchange: OhlcvExchange; readonly errors: CcxtErrors };

type CcxtModule = {
  default: { exchanges: string[] };
  exchanges: Record<string, new (config: Record<string, unknown>) => unknown>;
} & CcxtErrors;

/**
 * Creates a ccxt exchange instance (ccxt is imported lazily here, never at CLI start-up) with the
 * rate limiter on. `apiBaseUrl` rewrites every entry of `urls.api` to that origin, keeping each
 * path — for the loopback test exchange and self-hosted mirrors.
 */
export async function openExchange(exchangeId: string, opts: { apiBaseUrl?: string; spotOnly?: boolean } = {}): Promise<OpenedExchange> {
  const mod = (await import('ccxt')) as unknown as CcxtModule;
  const ids = mod.default.exchanges;
  const Ctor = ids.includes(exchangeId) ? mod.exchanges[exchangeId] : undefined;
  if (!Ctor) {
    const s = suggest(exchangeId, ids);
    throw new UserError(
      `unknown exchange "${exchangeId}"${s ? ` — did you mean "${s}"?` : ` (ccxt knows ${ids.length} exchanges, e.g. binance, coinbase, kraken, okx, bybit)`}`,
    );
  }
  const exchange = new Ctor({ enableRateLimit: true }) as OhlcvExchange;
  // Only public market data is needed: skip the currency list (a private call on some exchanges).
  exchange.options.fetchCurrencies = false;
  const fm = exchange.options.fetchMarkets;
  if (opts.spotOnly && fm && typeof fm === 'object' && Array.isArray((fm as { types?: unknown }).types)) {
    // Loading only spot markets avoids the futures endpoints when the symbol is a spot pair.
    exchange.options.fetchMarkets = { ...(fm as object), types: ['spot'] };
  }
  if (opts.apiBaseUrl !== undefined) exchange.urls.api = rewriteApiUrls(exchange.urls.api, parseBaseUrl(opts.apiBaseUrl));
  return { exchange, errors: { NetworkError: mod.NetworkError, BadSymbol: mod.BadSymbol, BaseError: mod.BaseError } };
}

/** Validates an `--exchange-url` value: an http(s) origin, optionally with nothing but `/` as path. */
export function parseBaseUrl(s: string, field = 'exchange-url'): URL {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new UserError(`${field}: "${s}" is not a URL (use e.g. http://127.0.0.1:8080)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`${field}: "${s}" must be an http:// or https:// URL`);
  return u;
}

/** Rewrites every URL string (at any depth) of a ccxt `urls.api` entry to `base`'s origin, keeping paths. */
export function rewriteApiUrls(api: unknown, base: URL): unknown {
  if (typeof api === 'string') {
    let u: URL;
    try {
      u = new URL(api);
    } catch {
      return api;
    }
    const prefix = base.pathname.replace(/\/+$/, '');
    const out = `${base.origin}${prefix}${u.pathname}${u.search}`;
    // URL() turns `https://host` into `https://host/`; keep the original's trailing-slash shape.
    return !api.endsWith('/') && out.endsWith('/') ? out.slice(0, -1) : out;
  }
  if (api && typeof api === 'object') {
    return Object.fromEntries(Object.entries(api as Record<string, unknown>).map(([k, v]) => [k, rewriteApiUrls(v, base)]));
  }
  return api;
}

/** Checks the symbol against the loaded markets; throws a UserError with a suggestion. */
export function requireMarket(exchange: OhlcvExchange, symbol: string): OhlcvMarket {
  const markets = exchange.markets ?? {};
  const m = markets[symbol];
  if (m) return m;
  const names = Object.keys(markets);
  const s = suggest(symbol, names);
  throw new UserError(
    `unknown symbol "${symbol}" on ${exchange.id}${s ? ` — did you mean "${s}"?` : ` (${names.length} markets loaded, e.g. ${names.slice(0, 3).join(', ')})`}`,
  );
}

/** Throws a UserError when the exchange does not offer the timeframe. */
export function requireTimeframe(exchange: OhlcvExchange, tf: Timeframe): void {
  if (exchange.has.fetchOHLCV === false || exchange.has.fetchOHLCV === undefined) {
    throw new UserError(`${exchange.id} does not offer OHLCV bars through ccxt (fetchOHLCV is not supported)`);
  }
  const tfs = Object.keys(exchange.timeframes ?? {});
  if (tfs.length > 0 && !tfs.includes(tf)) {
    throw new UserError(`timeframe "${tf}" is not offered by ${exchange.id} (it offers: ${tfs.join(', ')})`);
  }
}

/** The exchange's page size for OHLCV (ccxt `features`), or undefined to let the exchange choose. */
export function ohlcvPageLimit(exchange: OhlcvExchange, market: OhlcvMarket): number | undefined {
  const features = exchange.features ?? {};
  const byType = features[market.type ?? 'spot'] as Record<string, unknown> | undefined;
  if (!byType) return undefined;
  const sub = market.linear ? byType.linear : market.inverse ? byType.inverse : undefined;
  const node = (sub ?? byType) as Record<string, unknown> | undefined;
  const limit = (node?.fetchOHLCV as { limit?: unknown } | undefined)?.limit;
  return typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? limit : undefined;
}
