import ccxt from 'ccxt';
import type { Exchange } from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalExchange } from '../../engine/local-exchange/index.js';
import { binanceAt, errorOf, startTestExchange } from './local-exchange-fixture.js';

let ex: LocalExchange;
let b: Exchange;
const ORDER = { method: 'POST', path: '/api/v3/order' } as const;

beforeEach(async () => {
  ex = await startTestExchange();
  b = binanceAt(ex.url, { timeout: 1000 });
  await b.loadMarkets();
});
afterEach(async () => {
  await ex.close();
});

const buy = (cid: string) => b.createOrder('BTC/USDT', 'market', 'buy', 0.1, undefined, { clientOrderId: cid });

describe('fault injection as seen from ccxt binance', () => {
  it('acceptThenDrop: the order is stored and FILLED, ccxt sees a NetworkError', async () => {
    ex.faults.inject({ ...ORDER, fault: { kind: 'acceptThenDrop' } });
    const e = await errorOf(buy('ck-drop'));
    expect(e.name).toBe('NetworkError');
    expect(e.error).toBeInstanceOf(ccxt.NetworkError);
    expect(ex.counters.postsFor('ck-drop')).toBe(1);
    expect(ex.ordersFor('ck-drop').map((o) => o.status)).toEqual(['FILLED']);
    const found = await b.fetchOrder(undefined as unknown as string, 'BTC/USDT', { clientOrderId: 'ck-drop' });
    expect(found.status).toBe('closed');
  });

  it('acceptThenDelay: the order is stored, ccxt times out with RequestTimeout', async () => {
    ex.faults.inject({ ...ORDER, fault: { kind: 'acceptThenDelay', delayMs: 3000 } });
    const e = await errorOf(buy('ck-delay'));
    expect(e.name).toBe('RequestTimeout');
    expect(e.error).toBeInstanceOf(ccxt.RequestTimeout);
    expect(ex.ordersFor('ck-delay').map((o) => o.status)).toEqual(['FILLED']);
    expect(ex.counters.orderPosts).toBe(1);
  });

  it('storeThen500: the order is stored, ccxt throws ExchangeNotAvailable', async () => {
    ex.faults.inject({ ...ORDER, fault: { kind: 'storeThen500' } });
    const e = await errorOf(buy('ck-500'));
    expect(e.name).toBe('ExchangeNotAvailable');
    expect(e.error).toBeInstanceOf(ccxt.ExchangeNotAvailable);
    expect(ex.ordersFor('ck-500').map((o) => o.status)).toEqual(['FILLED']);
  });

  it('storeThen1007: the order is stored, 503 -1007 reaches ccxt as RequestTimeout', async () => {
    ex.faults.inject({ ...ORDER, fault: { kind: 'storeThen1007' } });
    const e = await errorOf(buy('ck-1007'));
    expect(e.name).toBe('RequestTimeout');
    expect(e.message).toBe('binance {"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}');
    expect(ex.ordersFor('ck-1007').map((o) => o.status)).toEqual(['FILLED']);
  });

  it('rateLimit: 429 with Retry-After, nothing stored, ccxt throws DDoSProtection', async () => {
    ex.faults.inject({ ...ORDER, fault: { kind: 'rateLimit', retryAfterSec: 2 } });
    const e = await errorOf(buy('ck-429'));
    expect(e.name).toBe('DDoSProtection');
    expect(e.error).toBeInstanceOf(ccxt.DDoSProtection);
    expect(e.message).toContain('429');
    const headers = b.last_response_headers as Record<string, string>;
    expect(Object.entries(headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1]).toBe('2');
    expect(ex.ordersFor('ck-429')).toEqual([]);
    expect(ex.counters.postsFor('ck-429')).toBe(1);
    // The fault was for one request only.
    expect((await buy('ck-429')).status).toBe('closed');
  });

  it('ban: 418 with -1003 "IP banned until <ms>" on every request until the ban ends', async () => {
    ex.faults.inject({ ...ORDER, fault: { kind: 'ban', periodMs: 60_000 } });
    const e = await errorOf(buy('ck-418'));
    expect(e.name).toBe('DDoSProtection');
    expect(e.error).toBeInstanceOf(ccxt.DDoSProtection);
    const until = ex.faults.bannedUntil();
    expect(until).toBeDefined();
    expect(e.message).toContain(`IP banned until ${until}`);
    const again = await errorOf(b.fetchTime());
    expect(again.message).toContain('418');
    expect(ex.ordersFor('ck-418')).toEqual([]);
    ex.faults.unban();
    expect(typeof (await b.fetchTime())).toBe('number');
  });

  it('dropUnprocessed: the connection closes, nothing is stored, a resend places exactly one order', async () => {
    ex.faults.inject({ ...ORDER, fault: { kind: 'dropUnprocessed' } });
    const e = await errorOf(buy('ck-lost'));
    expect(e.name).toBe('NetworkError');
    expect(e.error).toBeInstanceOf(ccxt.NetworkError);
    expect(ex.ordersFor('ck-lost')).toEqual([]);
    await expect(b.fetchOrder(undefined as unknown as string, 'BTC/USDT', { clientOrderId: 'ck-lost' })).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    expect((await buy('ck-lost')).status).toBe('closed');
    expect(ex.counters.postsFor('ck-lost')).toBe(2);
    expect(ex.ordersFor('ck-lost')).toHaveLength(1);
  });

  it('reset: the connection is reset, nothing is stored, ccxt throws a NetworkError', async () => {
    ex.faults.inject({ ...ORDER, fault: { kind: 'reset' } });
    const e = await errorOf(buy('ck-rst'));
    expect(e.name).toBe('NetworkError');
    expect(e.error).toBeInstanceOf(ccxt.NetworkError);
    expect(ex.ordersFor('ck-rst')).toEqual([]);
    expect(ex.counters.postsFor('ck-rst')).toBe(1);
  });

  it('timestampRejected: -1021 without processing, ccxt throws InvalidNonce', async () => {
    ex.faults.inject({ ...ORDER, fault: { kind: 'timestampRejected' } });
    const e = await errorOf(buy('ck-1021'));
    expect(e.name).toBe('InvalidNonce');
    expect(e.error).toBeInstanceOf(ccxt.InvalidNonce);
    expect(ex.ordersFor('ck-1021')).toEqual([]);
    expect((await buy('ck-1021')).status).toBe('closed');
    expect(ex.ordersFor('ck-1021')).toHaveLength(1);
  });

  it('applies a fault to exactly `times` matching requests and leaves other paths alone', async () => {
    ex.faults.inject({ ...ORDER, times: 2, fault: { kind: 'rateLimit', retryAfterSec: 1 } });
    expect(typeof (await b.fetchTime())).toBe('number');
    await expect(buy('ck-n')).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    await expect(buy('ck-n')).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    expect((await buy('ck-n')).status).toBe('closed');
    expect(ex.faults.pending()).toEqual([]);
    expect(ex.counters.requests.filter((r) => r.path === '/api/v3/order').map((r) => [r.status, r.fault])).toEqual([
      [429, 'rateLimit'], [429, 'rateLimit'], [200, undefined],
    ]);
  });
});

describe('request weight', () => {
  it('answers 429 once the per-minute weight limit is used up', async () => {
    const tight = await startTestExchange({ weightLimitPerMinute: 3, now: () => 1_767_300_000_000 });
    try {
      const c = binanceAt(tight.url);
      await c.fetchTime(); // weight 1
      await c.fetchTime(); // 2
      await c.fetchTime(); // 3
      const e = await errorOf(c.fetchTime());
      expect(e.name).toBe('DDoSProtection');
      expect(e.message).toContain('"code":-1003');
    } finally {
      await tight.close();
    }
  });
});

describe('HTTP admin routes', () => {
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(`${ex.url}/__admin/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
    return r.json();
  };

  it('injects faults, moves the clocks and reports counters for an out-of-process server', async () => {
    await admin('POST', 'faults', { method: 'POST', path: '/api/v3/order', fault: { kind: 'storeThen500' } });
    await expect(buy('ck-admin')).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    const counters = (await admin('GET', 'counters')) as { orderPosts: number; ordersStored: number; postsByClientOrderId: Record<string, number> };
    expect(counters).toMatchObject({ orderPosts: 1, ordersStored: 1, postsByClientOrderId: { 'ck-admin': 1 } });
    const orders = (await admin('GET', 'orders')) as { clientOrderId: string; status: string }[];
    expect(orders.map((o) => [o.clientOrderId, o.status])).toEqual([['ck-admin', 'FILLED']]);
    const state = (await admin('POST', 'clock', { skewMs: -3000 })) as { skewMs: number };
    expect(state.skewMs).toBe(-3000);
    await expect(b.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    const adv = (await admin('POST', 'advance', { bars: 2 })) as { prices: Record<string, number> };
    expect(adv.prices).toEqual({ 'BTC/USDT': 102 });
    expect(await admin('POST', 'faults', { fault: { kind: 'nope' } })).toEqual({
      error: 'fault.kind: "nope" is not one of acceptThenDrop, acceptThenDelay, storeThen500, storeThen1007, rateLimit, ban, dropUnprocessed, reset, timestampRejected',
    });
  });
});
