import ccxt from 'ccxt';
import type { Exchange } from 'ccxt';
import { allocBarColumns } from '../../engine/domain/index.js';
import type { BarColumns } from '../../engine/domain/index.js';
import { pointCcxtAt, startLocalExchange } from '../../engine/local-exchange/index.js';
import type { LocalExchange, LocalExchangeOptions } from '../../engine/local-exchange/index.js';

/** 2026-01-01T00:00Z, on the 1h grid. */
export const T0 = 1_767_225_600_000;
export const HOUR = 3_600_000;
export const KEY = 'test-key-1';
export const SECRET = 'test-secret-1';

/**
 * Ten 1h bars. Bar i (up bars): open 100+i, low 98+i, high 103+i, close 101+i.
 * Bar 2 is a down bar: open 102, high 104, low 99, close 100 (path O→H→L→C).
 */
export function testBars(n = 10): BarColumns {
  const b = allocBarColumns(n);
  for (let i = 0; i < n; i++) {
    b.openTime[i] = T0 + i * HOUR;
    b.open[i] = 100 + i;
    b.low[i] = 98 + i;
    b.high[i] = 103 + i;
    b.close[i] = 101 + i;
    b.volume[i] = 10 + i;
  }
  b.open[2] = 102; b.high[2] = 104; b.low[2] = 99; b.close[2] = 100;
  return b;
}

export async function startTestExchange(opts: Partial<LocalExchangeOptions> = {}): Promise<LocalExchange> {
  return startLocalExchange({
    series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: testBars() }],
    apiKeys: [{ key: KEY, secret: SECRET }],
    balances: { USDT: 10_000 },
    ...opts,
  });
}

/** ccxt's real binance class with the live-safe options of SIGNING.md A1, pointed at the local exchange. */
export function binanceAt(url: string, over: { apiKey?: string; secret?: string; timeout?: number } = {}): Exchange {
  const b = new ccxt.binance({
    apiKey: over.apiKey ?? KEY,
    secret: over.secret ?? SECRET,
    enableRateLimit: false,
    timeout: over.timeout ?? 5_000,
    options: { fetchCurrencies: false, recvWindow: 5000, adjustForTimeDifference: false, maxRetriesOnFailure: 0 },
  });
  return pointCcxtAt(b, url);
}

/** The ccxt error class name a promise rejects with. */
export async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string; error: unknown }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error;
    return { name: err.constructor.name, message: err.message, error: e };
  }
  throw new Error('expected a rejection');
}
