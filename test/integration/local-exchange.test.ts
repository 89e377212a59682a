import { createHmac } from 'node:crypto';
import ccxt from 'ccxt';
import type { Exchange } from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalExchange } from '../../engine/local-exchange/index.js';
import { startLocalExchange } from '../../engine/local-exchange/index.js';
import { HOUR, KEY, SECRET, T0, binanceAt, errorOf, startTestExchange, testBars } from './local-exchange-fixture.js';

let ex: LocalExchange;
let b: Exchange;

beforeEach(async () => {
  ex = await startTestExchange();
  b = binanceAt(ex.url);
  await b.loadMarkets();
});
afterEach(async () => {
  await ex.close();
});

/** A signed request built by hand, exactly as Binance specifies (for tampering tests). */
async function signedPost(url: string, body: string, opts: { key?: string; tamper?: (s: string) => string } = {}): Promise<{ status: number; json: { code?: number; msg?: string } }> {
  const sig = createHmac('sha256', SECRET).update(body).digest('hex');
  const sent = (opts.tamper ?? ((s) => s))(`${body}&signature=${sig}`);
  const res = await fetch(`${url}/api/v3/order`, {
    method: 'POST',
    headers: { 'X-MBX-APIKEY': opts.key ?? KEY, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: sent,
  });
  return { status: res.status, json: (await res.json()) as { code?: number; msg?: string } };
}

describe('local exchange with ccxt binance', () => {
  it('loads the spot market with its filters and asks only for /api/v3/exchangeInfo', async () => {
    const m = b.market('BTC/USDT');
    expect(m.id).toBe('BTCUSDT');
    expect(m.spot).toBe(true);
    expect(m.active).toBe(true);
    expect(m.precision).toMatchObject({ amount: 0.00001, price: 0.01 });
    expect(m.limits.amount).toEqual({ min: 0.00001, max: 9000 });
    expect(m.limits.cost?.min).toBe(5);
    expect(ex.counters.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v3/exchangeInfo']);
  });

  it('pointCcxtAt rewrites every urls.api entry to the loopback base and keeps its path', () => {
    const api = b.urls['api'] as Record<string, string>;
    const entries = Object.entries(api);
    expect(entries.length).toBeGreaterThan(10);
    for (const [, u] of entries) expect(u.startsWith(`${ex.url}/`)).toBe(true);
    expect(api['public']).toBe(`${ex.url}/api/v3`);
    expect(api['fapiPublic']).toBe(`${ex.url}/fapi/v1`);
    expect(api['sapi']).toBe(`${ex.url}/sapi/v1`);
  });

  it('answers fetchTime with the server clock (wall clock + skew)', async () => {
    const fixed = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: testBars() }], now: () => 1_767_300_000_000, skewMs: -3000 });
    try {
      const c = binanceAt(fixed.url);
      expect(await c.fetchTime()).toBe(1_767_299_997_000);
      fixed.clock.step(2000);
      expect(await c.fetchTime()).toBe(1_767_299_999_000);
    } finally {
      await fixed.close();
    }
  });

  it('fills a market buy at the current bar open with 0.1% commission in quote', async () => {
    const o = await b.createOrder('BTC/USDT', 'market', 'buy', 0.1, undefined, { clientOrderId: 'ck-buy-1' });
    expect(o).toMatchObject({ id: '1000001', clientOrderId: 'ck-buy-1', status: 'closed', price: 100, average: 100, filled: 0.1, cost: 10 });
    expect(o.fee).toEqual({ currency: 'USDT', cost: 0.01 });
    expect(o.trades).toHaveLength(1);
    const bal = await b.fetchBalance();
    expect(bal['USDT']).toEqual({ free: 9989.99, used: 0, total: 9989.99 });
    expect(bal['BTC']).toEqual({ free: 0.1, used: 0, total: 0.1 });
    const post = ex.counters.requests.find((r) => r.method === 'POST' && r.path === '/api/v3/order')!;
    expect(post.params).toMatchObject({ recvWindow: '5000', newClientOrderId: 'ck-buy-1', type: 'MARKET', side: 'BUY', quantity: '0.1' });
    expect(post.params['signature']).toBeUndefined();
    expect(ex.counters.orderPosts).toBe(1);
    expect(ex.counters.postsFor('ck-buy-1')).toBe(1);
    expect(ex.counters.ordersStored).toBe(1);
  });

  it('fills a market sell sent after advanceBar at the next bar open', async () => {
    await b.createOrder('BTC/USDT', 'market', 'buy', 0.1);
    expect(ex.clock.advanceBar()).toBe(true);
    expect(ex.clock.replayTime()).toBe(T0 + HOUR);
    const o = await b.createOrder('BTC/USDT', 'market', 'sell', 0.1);
    expect(o).toMatchObject({ status: 'closed', average: 101, filled: 0.1, cost: 10.1 });
    const bal = await b.fetchBalance();
    // 10000 − 10 − 0.01 + 10.1 − 0.0101
    expect(bal['USDT']!.free).toBe(10000.0799);
    expect(bal['BTC']!.free).toBe(0);
  });

  it('rests a limit buy below the price and fills it at its limit when the path reaches it', async () => {
    const placed = await b.createOrder('BTC/USDT', 'limit', 'buy', 0.2, 99, { clientOrderId: 'ck-lim-1' });
    expect(placed).toMatchObject({ status: 'open', price: 99, filled: 0, remaining: 0.2 });
    const open = await b.fetchOpenOrders('BTC/USDT');
    expect(open.map((o) => o.clientOrderId)).toEqual(['ck-lim-1']);
    const locked = await b.fetchBalance();
    // 0.2 × 99 × 1.001 reserved
    expect(locked['USDT']).toEqual({ free: 9980.1802, used: 19.8198, total: 10000 });
    ex.clock.advanceBar(); // bar 0 walks 100 → 98 (fills at 99) → 103 → 101
    const got = await b.fetchOrder(undefined as unknown as string, 'BTC/USDT', { clientOrderId: 'ck-lim-1' });
    expect(got).toMatchObject({ id: placed.id, status: 'closed', filled: 0.2, average: 99, cost: 19.8 });
    expect(await b.fetchOpenOrders('BTC/USDT')).toEqual([]);
    const trades = await b.fetchMyTrades('BTC/USDT');
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ order: placed.id, price: 99, amount: 0.2, cost: 19.8, side: 'buy', takerOrMaker: 'maker', fee: { currency: 'USDT', cost: 0.0198 } });
    const bal = await b.fetchBalance();
    expect(bal['USDT']).toEqual({ free: 9980.1802, used: 0, total: 9980.1802 });
    expect(bal['BTC']!.free).toBe(0.2);
  });

  it('fills a marketable limit order at once at the current price as taker', async () => {
    const o = await b.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 150);
    expect(o).toMatchObject({ status: 'closed', average: 100, filled: 0.1 });
    const trades = await b.fetchMyTrades('BTC/USDT');
    expect(trades[0]!.takerOrMaker).toBe('taker');
  });

  it('cancels an open order, releases its funds, and answers -2011 for a second cancel', async () => {
    const placed = await b.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 90, { clientOrderId: 'ck-cxl' });
    const c = await b.cancelOrder(placed.id!, 'BTC/USDT');
    expect(c).toMatchObject({ id: placed.id, status: 'canceled', filled: 0 });
    const bal = await b.fetchBalance();
    expect(bal['USDT']).toEqual({ free: 10000, used: 0, total: 10000 });
    const again = await errorOf(b.cancelOrder(placed.id!, 'BTC/USDT'));
    expect(again.error).toBeInstanceOf(ccxt.OrderNotFound);
    expect(again.message).toContain('"code":-2011');
    const byCid = await b.fetchOrder(undefined as unknown as string, 'BTC/USDT', { origClientOrderId: 'ck-cxl' });
    expect(byCid.status).toBe('canceled');
  });

  it('cancels by client order id', async () => {
    await b.createOrder('BTC/USDT', 'limit', 'sell', 0.1, 200, { clientOrderId: 'ck-cxl-2' }).catch(() => undefined);
    // No BTC to sell: the order was rejected, so the cancel finds nothing.
    const e = await errorOf(b.cancelOrder(undefined as unknown as string, 'BTC/USDT', { clientOrderId: 'ck-cxl-2' }));
    expect(e.error).toBeInstanceOf(ccxt.OrderNotFound);
    await b.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 90, { clientOrderId: 'ck-cxl-3' });
    const c = await b.cancelOrder(undefined as unknown as string, 'BTC/USDT', { clientOrderId: 'ck-cxl-3' });
    expect(c.status).toBe('canceled');
  });

  it('answers -2013 "Order does not exist." for an unknown client order id', async () => {
    const e = await errorOf(b.fetchOrder(undefined as unknown as string, 'BTC/USDT', { clientOrderId: 'ck-none' }));
    expect(e.error).toBeInstanceOf(ccxt.OrderNotFound);
    expect(e.message).toBe('binance {"code":-2013,"msg":"Order does not exist."}');
  });

  it('rejects a second order with the client id of an OPEN order with -2010 "Duplicate order sent."', async () => {
    await b.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 90, { clientOrderId: 'ck-dup' });
    const e = await errorOf(b.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 91, { clientOrderId: 'ck-dup' }));
    expect(e.error).toBeInstanceOf(ccxt.InvalidOrder);
    expect(e.message).toBe('binance {"code":-2010,"msg":"Duplicate order sent."}');
    expect(ex.counters.postsFor('ck-dup')).toBe(2);
    expect(ex.ordersFor('ck-dup')).toHaveLength(1);
  });

  it('accepts the client id of a FILLED order again as a new order (Binance behaviour)', async () => {
    const first = await b.createOrder('BTC/USDT', 'market', 'buy', 0.1, undefined, { clientOrderId: 'ck-reuse' });
    const second = await b.createOrder('BTC/USDT', 'market', 'buy', 0.1, undefined, { clientOrderId: 'ck-reuse' });
    expect(second.id).not.toBe(first.id);
    expect(ex.ordersFor('ck-reuse').map((o) => o.status)).toEqual(['FILLED', 'FILLED']);
    const q = await b.fetchOrder(undefined as unknown as string, 'BTC/USDT', { clientOrderId: 'ck-reuse' });
    expect(q.id).toBe(second.id);
    expect((await b.fetchBalance())['BTC']!.free).toBe(0.2);
  });

  it('rejects an order the balance cannot pay for with InsufficientFunds', async () => {
    const e = await errorOf(b.createOrder('BTC/USDT', 'market', 'buy', 100));
    expect(e.error).toBeInstanceOf(ccxt.InsufficientFunds);
    // ccxt matches the message before the code, so the text is all it keeps.
    expect(e.message).toBe('binance Account has insufficient balance for requested action.');
    expect(ex.counters.ordersStored).toBe(0);
  });

  it('enforces LOT_SIZE, PRICE_FILTER and NOTIONAL with -1013', async () => {
    const base = { symbol: 'BTCUSDT', side: 'BUY', newClientOrderId: 'ck-f' };
    const lot = await errorOf(b.privatePostOrder({ ...base, type: 'MARKET', quantity: '0.000015' }));
    expect(lot.error).toBeInstanceOf(ccxt.InvalidOrder);
    expect(lot.message).toContain('{"code":-1013,"msg":"Filter failure: LOT_SIZE"}');
    const price = await errorOf(b.privatePostOrder({ ...base, type: 'LIMIT', timeInForce: 'GTC', quantity: '0.1', price: '99.005' }));
    expect(price.error).toBeInstanceOf(ccxt.InvalidOrder);
    expect(price.message).toContain('{"code":-1013,"msg":"Filter failure: PRICE_FILTER"}');
    const notional = await errorOf(b.privatePostOrder({ ...base, type: 'MARKET', quantity: '0.01' }));
    expect(notional.error).toBeInstanceOf(ccxt.BadRequest);
    expect(notional.message).toBe('binance {"code":-1013,"msg":"Filter failure: NOTIONAL"}');
    expect(ex.counters.ordersStored).toBe(0);
  });

  it('accepts an exactly signed request and rejects a tampered one with -1022', async () => {
    const body = (ts: number) => `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.1&newClientOrderId=ck-raw-${ts}&timestamp=${ts}&recvWindow=5000`;
    const ok = await signedPost(ex.url, body(Date.now()));
    expect(ok.status).toBe(200);
    const bad = await signedPost(ex.url, body(Date.now()), { tamper: (s) => s.replace('quantity=0.1', 'quantity=0.2') });
    expect(bad).toEqual({ status: 400, json: { code: -1022, msg: 'Signature for this request is not valid.' } });
    expect(ex.counters.ordersStored).toBe(1);
  });

  it('signs query string + body together, as Binance does when a POST splits its parameters', async () => {
    const ts = Date.now();
    const query = `symbol=BTCUSDT&side=BUY&type=MARKET`;
    const body = `quantity=0.1&newClientOrderId=ck-split&timestamp=${ts}&recvWindow=5000`;
    const sig = createHmac('sha256', SECRET).update(query + body).digest('hex');
    const res = await fetch(`${ex.url}/api/v3/order?${query}`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': KEY, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `${body}&signature=${sig}`,
    });
    expect(res.status).toBe(200);
    expect(ex.ordersFor('ck-split')).toHaveLength(1);
  });

  it('rejects a wrong secret with -1022 (AuthenticationError) and an unknown key with -2015', async () => {
    const wrongSecret = binanceAt(ex.url, { secret: 'not-the-secret' });
    await wrongSecret.loadMarkets();
    const e1 = await errorOf(wrongSecret.fetchBalance());
    expect(e1.error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(e1.message).toBe('binance {"code":-1022,"msg":"Signature for this request is not valid."}');
    const wrongKey = binanceAt(ex.url, { apiKey: 'someone-else' });
    await wrongKey.loadMarkets();
    const e2 = await errorOf(wrongKey.fetchBalance());
    expect(e2.error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(e2.message).toBe('binance {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}');
    const noKey = await fetch(`${ex.url}/api/v3/account?timestamp=${Date.now()}&signature=00`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ code: -2014, msg: 'API-key format invalid.' });
  });

  it('drops a removed key at once and accepts an added one (key rotation)', async () => {
    expect((await b.fetchBalance())['USDT']!.free).toBe(10000);
    ex.addApiKey({ key: 'k2', secret: 's2' });
    const c = binanceAt(ex.url, { apiKey: 'k2', secret: 's2' });
    await c.loadMarkets();
    expect((await c.fetchBalance())['USDT']!.free).toBe(10000);
    ex.removeApiKey(KEY);
    // ccxt maps -2015 after an earlier success on the same instance to DDoSProtection (Binance's ban signal)…
    const e = await errorOf(b.fetchBalance());
    expect(e.name).toBe('DDoSProtection');
    expect(e.message).toBe('binance {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}');
    // …and to AuthenticationError on an instance that never succeeded.
    const fresh = binanceAt(ex.url);
    await fresh.loadMarkets();
    expect((await errorOf(fresh.fetchBalance())).name).toBe('AuthenticationError');
  });

  it('rejects recvWindow above 60000 with -1131', async () => {
    const e = await errorOf(b.fetchBalance({ recvWindow: 60001 }));
    expect(e.error).toBeInstanceOf(ccxt.ExchangeError);
    expect(e.message).toBe('binance {"code":-1131,"msg":"recvWindow must be less than 60000"}');
  });
});

describe('timestamp rules against a skewed server clock', () => {
  it('rejects an unsynced client when the server is 3000 ms behind, and accepts it after sync', async () => {
    ex.clock.setSkew(-3000);
    const e = await errorOf(b.createOrder('BTC/USDT', 'market', 'buy', 0.1, undefined, { clientOrderId: 'ck-ts-1' }));
    expect(e.error).toBeInstanceOf(ccxt.InvalidNonce);
    expect(e.message).toBe('binance {"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server\'s time."}');
    expect(ex.counters.ordersStored).toBe(0);
    await b.loadTimeDifference();
    const o = await b.createOrder('BTC/USDT', 'market', 'buy', 0.1, undefined, { clientOrderId: 'ck-ts-1' });
    expect(o.status).toBe('closed');
    expect(ex.counters.postsFor('ck-ts-1')).toBe(2);
    expect(ex.ordersFor('ck-ts-1')).toHaveLength(1);
  });

  it('accepts an unsynced client when the server is 3000 ms ahead (inside recvWindow 5000)', async () => {
    ex.clock.setSkew(3000);
    const o = await b.createOrder('BTC/USDT', 'market', 'buy', 0.1);
    expect(o.status).toBe('closed');
  });

  it('rejects a timestamp older than recvWindow (server 6000 ms ahead) with -1021', async () => {
    ex.clock.setSkew(6000);
    const e = await errorOf(b.fetchBalance());
    expect(e.error).toBeInstanceOf(ccxt.InvalidNonce);
    expect(e.message).toBe('binance {"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}');
  });

  it('starts rejecting after a 2 s backward clock step until the client re-syncs', async () => {
    await b.loadTimeDifference();
    expect((await b.fetchBalance())['USDT']!.free).toBe(10000);
    ex.clock.step(-2000);
    const e = await errorOf(b.fetchBalance());
    expect(e.error).toBeInstanceOf(ccxt.InvalidNonce);
    await b.loadTimeDifference();
    expect((await b.fetchBalance())['USDT']!.free).toBe(10000);
  });
});

describe('klines and prices follow the replayed path', () => {
  it('returns only bars opened by the replay time, the last one forming', async () => {
    expect(await b.fetchOHLCV('BTC/USDT', '1h')).toEqual([[T0, 100, 100, 100, 100, 0]]);
    ex.clock.advanceBar(2);
    expect(await b.fetchOHLCV('BTC/USDT', '1h')).toEqual([
      [T0, 100, 103, 98, 101, 10],
      [T0 + HOUR, 101, 104, 99, 102, 11],
      [T0 + 2 * HOUR, 102, 102, 102, 102, 0],
    ]);
    ex.clock.advanceTo(T0 + 2 * HOUR + HOUR / 2); // down bar: O 102 → H 104 → L 99, close not reached
    const last = (await b.fetchOHLCV('BTC/USDT', '1h')).at(-1);
    expect(last).toEqual([T0 + 2 * HOUR, 102, 104, 99, 99, 8]);
  });

  it('honours since and limit like Binance', async () => {
    ex.clock.advanceBar(6);
    const rows = await b.fetchOHLCV('BTC/USDT', '1h', T0 + 2 * HOUR, 3);
    expect(rows.map((r) => r[0])).toEqual([T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + 4 * HOUR]);
    const latest = await b.fetchOHLCV('BTC/USDT', '1h', undefined, 2);
    expect(latest.map((r) => r[0])).toEqual([T0 + 5 * HOUR, T0 + 6 * HOUR]);
  });

  it('aggregates coarser intervals from the series', async () => {
    ex.clock.advanceBar(3);
    const rows = await b.fetchOHLCV('BTC/USDT', '2h');
    expect(rows).toEqual([
      [T0, 100, 104, 98, 102, 21],
      [T0 + 2 * HOUR, 102, 104, 99, 103, 12],
    ]);
  });

  it('prices tickers at the current tick', async () => {
    ex.clock.advanceBar();
    const r = await b.publicGetTickerPrice({ symbol: 'BTCUSDT' });
    expect(r).toEqual({ symbol: 'BTCUSDT', price: '101.00000000' });
    expect(ex.clock.price('BTC/USDT')).toBe(101);
  });

  it('stays at the last close at the end of the series', async () => {
    expect(ex.clock.advanceBar(20)).toBe(false);
    expect(ex.clock.price('BTC/USDT')).toBe(110);
  });

  it('omits the forming bar from klines when klinesIncludeForming is false', async () => {
    const closed = await startTestExchange({ klinesIncludeForming: false });
    try {
      const c = binanceAt(closed.url);
      await c.loadMarkets();
      expect(await c.fetchOHLCV('BTC/USDT', '1h')).toEqual([]);
      closed.clock.advanceBar(2);
      expect((await c.fetchOHLCV('BTC/USDT', '1h')).map((r) => r[0])).toEqual([T0, T0 + HOUR]);
      expect((await c.fetchOHLCV('BTC/USDT', '2h')).map((r) => r[0])).toEqual([T0]);
    } finally {
      await closed.close();
    }
  });

  it('rebases the series onto the wall clock so bars close in real time', async () => {
    const wall = T0 + 400 * 24 * HOUR + 30 * 60_000; // 400 days later, half past the hour
    const rb = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: testBars() }], now: () => wall, speed: 1, rebaseToNow: true });
    try {
      const shiftedT0 = T0 + 400 * 24 * HOUR;
      expect(rb.clock.replayTime()).toBe(wall);
      expect(rb.clock.currentBarOpenTime('BTC/USDT')).toBe(shiftedT0);
      // Half way through bar 0 (an up bar): open → low → high; the high is the current tick.
      expect(rb.clock.price('BTC/USDT')).toBe(103);
    } finally {
      await rb.close();
    }
  });

  it('runs the replay with the wall clock at the speed factor', async () => {
    let wall = 1_767_300_000_000;
    const rt = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: testBars() }], now: () => wall, speed: 3600 });
    try {
      expect(rt.clock.price('BTC/USDT')).toBe(100);
      wall += 1000; // one wall second = one replayed hour
      expect(rt.clock.currentBarOpenTime('BTC/USDT')).toBe(T0 + HOUR);
      expect(rt.clock.price('BTC/USDT')).toBe(101);
      wall += 250; // a quarter bar later: bar 1's low
      expect(rt.clock.price('BTC/USDT')).toBe(99);
    } finally {
      await rt.close();
    }
  });
});

describe('counters and headers', () => {
  it('sends X-MBX-USED-WEIGHT-1M and logs requests without their signature', async () => {
    await b.fetchBalance();
    const headers = b.last_response_headers as Record<string, string>;
    const weight = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-mbx-used-weight-1m')?.[1];
    expect(Number(weight)).toBeGreaterThan(0);
    const acct = ex.counters.requests.at(-1)!;
    expect(acct).toMatchObject({ method: 'GET', path: '/api/v3/account', apiKey: KEY, status: 200 });
    expect(Object.keys(acct.params).sort()).toEqual(['recvWindow', 'timestamp']);
    ex.counters.reset();
    expect(ex.counters.requests).toEqual([]);
  });
});
