import { UserError } from '../../domain/index.js';
import { registerSecret } from '../../log/index.js';
import { loadCcxt, type CcxtExchange } from './ccxt-types.js';

export type ExchangeCredentials = { readonly apiKey: string; readonly secret: string; readonly password?: string };

/** Where the current credentials of an account come from (the encrypted key store); version changes on rotation. */
export interface CredentialSource {
  version(): number;
  load(): ExchangeCredentials;
}

export type ExchangeSettings = {
  readonly exchangeId: string;
  readonly accountId: string;
  readonly recvWindowMs?: number;
  readonly timeoutMs?: number;
  readonly verbose?: boolean;
  /** Base URL replacing every entry of `urls.api` (the local exchange). */
  readonly baseUrl?: string;
  readonly credentials?: CredentialSource;
  /** Use ccxt.pro's class (websocket methods such as watchOHLCV) — for keyless market-data instances. */
  readonly pro?: boolean;
};

/** One account's ccxt instance plus the credential version it currently signs with. */
export type ExchangeHandle = {
  readonly exchange: CcxtExchange;
  readonly exchangeId: string;
  readonly accountId: string;
  readonly recvWindowMs: number;
  /** Swaps in rotated credentials; called before every private request so the new key is used from the next one. */
  refreshCredentials(): void;
  readonly credentialVersion: () => number;
};

const instances = new Map<string, Promise<ExchangeHandle>>();

/** Keys that look real enough that verbose logging would leak them. */
function hasKeys(c: ExchangeCredentials | undefined): boolean {
  return !!c && c.apiKey.length > 0 && c.secret.length > 0;
}

/**
 * SIGNING.md A1: one ccxt instance per (exchange, account) in this process, with live-safe settings.
 * The same (exchange, account) always returns the same instance (one throttler per key).
 */
export function getExchange(s: ExchangeSettings): Promise<ExchangeHandle> {
  const recvWindowMs = s.recvWindowMs ?? 5000;
  if (!Number.isInteger(recvWindowMs) || recvWindowMs < 1000 || recvWindowMs > 60_000) {
    throw new UserError(`live.recvWindowMs: ${recvWindowMs} is out of range; it must be 1000–60000 ms (SIGNING.md A3 advises 5000)`);
  }
  const creds = s.credentials?.load();
  if (s.verbose && hasKeys(creds)) {
    throw new UserError('live.verbose: must be false while real exchange keys are loaded (verbose ccxt logs print signed requests and keys)');
  }
  const key = `${s.exchangeId}\u0000${s.accountId}`;
  const cached = instances.get(key);
  if (cached) return cached;
  const made = create(s, recvWindowMs, creds);
  instances.set(key, made);
  made.catch(() => instances.delete(key));
  return made;
}

/** Forgets every cached instance (tests; a process restart). */
export function clearExchangeInstances(): void {
  instances.clear();
}

async function create(s: ExchangeSettings, recvWindowMs: number, creds: ExchangeCredentials | undefined): Promise<ExchangeHandle> {
  const ccxt = await loadCcxt();
  const ns = (s.pro ? (ccxt as unknown as { pro: unknown }).pro : ccxt) as Record<string, new (cfg: object) => CcxtExchange>;
  const Cls = ns[s.exchangeId] ?? (ccxt as unknown as Record<string, new (cfg: object) => CcxtExchange>)[s.exchangeId];
  if (typeof Cls !== 'function') throw new UserError(`unknown exchange "${s.exchangeId}" (not a ccxt exchange id)`);
  if (creds) {
    registerSecret(creds.apiKey);
    registerSecret(creds.secret);
    registerSecret(creds.password);
  }
  const ex = new Cls({
    apiKey: creds?.apiKey,
    secret: creds?.secret,
    password: creds?.password,
    enableRateLimit: true,
    // Binance's limits are request weight per rolling minute: model that instead of a 50 ms leaky bucket, so an
    // order is not held behind a market-data poll that just went out (the limiter stays on, A7).
    ...(s.exchangeId === 'binance' ? { rateLimiterAlgorithm: 'rollingWindow', rollingWindowSize: 60_000 } : {}),
    timeout: s.timeoutMs ?? 10_000,
    verbose: false,
    options: {
      recvWindow: recvWindowMs,
      // We sync the clock ourselves (A2) and never let ccxt retry an order (A5).
      adjustForTimeDifference: false,
      maxRetriesOnFailure: 0,
      fetchCurrencies: false,
      defaultType: 'spot',
      fetchMarkets: { types: ['spot'] },
      timeDifference: 0,
    },
  });
  if (s.baseUrl) {
    pointAt(ex, s.baseUrl);
    // A Binance-compatible local exchange serves spot only.
    (ex.options as Record<string, unknown>).fetchMargins = false;
  }
  let version = s.credentials?.version() ?? 0;
  const handle: ExchangeHandle = {
    exchange: ex,
    exchangeId: s.exchangeId,
    accountId: s.accountId,
    recvWindowMs,
    credentialVersion: () => version,
    refreshCredentials() {
      const src = s.credentials;
      if (!src) return;
      const v = src.version();
      if (v === version) return;
      const next = src.load();
      registerSecret(next.apiKey);
      registerSecret(next.secret);
      ex.apiKey = next.apiKey;
      ex.secret = next.secret;
      if (next.password !== undefined) ex.password = next.password;
      version = v;
    },
  };
  return handle;
}

/** Rewrites every `urls.api` entry to `baseUrl` + the entry's path (ccxt's `hostname` option cannot do it). */
export function pointAt(ex: CcxtExchange, baseUrl: string): void {
  const base = baseUrl.replace(/\/+$/, '');
  const api = (ex.urls as { api: Record<string, unknown> }).api;
  const rewrite = (v: unknown): unknown => {
    if (typeof v === 'string') {
      try {
        const u = new URL(v);
        return base + u.pathname.replace(/\/+$/, '');
      } catch {
        return v;
      }
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) o[k] = rewrite(o[k]);
      return o;
    }
    return v;
  };
  for (const k of Object.keys(api)) api[k] = rewrite(api[k]);
}
