import ccxt from 'ccxt';
import type { Exchange } from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allocBarColumns } from '../../engine/domain/index.js';
import type { LocalExchange } from '../../engine/local-exchange/index.js';
import { HOUR, T0, binanceAt, errorOf, startTestExchange, testBars } from './local-exchange-fixture.js';

let ex: LocalExchange;
let b: Exchange;

/** ETH/USDT 1h: bar i opens 2000 + 10i, low −20, high +30, close +10. */
function ethBars() {
  const e = allocBarColumns(10);
  for (let i = 0; i < 10; i++) {
    e.openTime[i] = T0 + i * HOUR;
    e.open[i] = 2000 + 10 * i;
    e.low[i] = 1980 + 10 * i;
    e.high[i] = 2030 + 10 * i;
    e.close[i] = 2010 + 10 * i;
    e.volume[i] = 5;
  }
  return e;
}

beforeEach(async () => {
  ex = await startTestExchange({
    series: [
      { symbol: 'BTC/USDT', timeframe: '1h', bars: testBars() },
      { symbol: 'ETH/USDT', timeframe: '1h', bars: ethBars(), rules: { stepSize: 0.001, minQty: 0.001, tickSize: 0.1, minNotional: 10 } },
    ],
    balances: { USDT: 10_000, ETH: 1 },
  });
  b = binanceAt(ex.url);
  await b.loadMarkets();
});
afterEach(async () => {
  await ex.close();
});

describe('orders on the local exchange', () => {
  it('serves several symbols with their own rules and paths', async () => {
    expect(b.symbols).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(b.market('ETH/USDT').precision).toMatchObject({ amount: 0.001, price: 0.1 });
    ex.clock.advanceBar();
    expect(ex.clock.price('ETH/USDT')).toBe(2010);
    const o = await b.createOrder('ETH/USDT', 'market', 'sell', 0.5);
    expect(o).toMatchObject({ status: 'closed', average: 2010, cost: 1005, fee: { currency: 'USDT', cost: 1.005 } });
    const bal = await b.fetchBalance();
    expect(bal['ETH']!.free).toBe(0.5);
    expect(bal['USDT']!.free).toBe(11003.995);
  });

  it('rests a limit sell above the price, locks the base, and fills it at the limit on the way up', async () => {
    const o = await b.createOrder('ETH/USDT', 'limit', 'sell', 0.4, 2025);
    expect(o.status).toBe('open');
    expect((await b.fetchBalance())['ETH']).toEqual({ free: 0.6, used: 0.4, total: 1 });
    ex.clock.advanceBar(); // bar 0: 2000 → 1980 → 2030 (reaches 2025) → 2010
    const done = await b.fetchOrder(o.id!, 'ETH/USDT');
    expect(done).toMatchObject({ status: 'closed', average: 2025, filled: 0.4, cost: 810 });
    const bal = await b.fetchBalance();
    expect(bal['ETH']).toEqual({ free: 0.6, used: 0, total: 0.6 });
    expect(bal['USDT']!.free).toBe(10809.19);
  });

  it('expires a non-marketable IOC limit order at once', async () => {
    const o = await b.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 90, { timeInForce: 'IOC' });
    expect(o.status).toBe('expired');
    expect((await b.fetchBalance())['USDT']!.free).toBe(10000);
  });

  it('buys for a quote amount with quoteOrderQty, rounded down to the lot step', async () => {
    const o = await b.createOrder('BTC/USDT', 'market', 'buy', undefined as unknown as number, undefined, { cost: 50.5 });
    expect(o).toMatchObject({ status: 'closed', filled: 0.505, average: 100, cost: 50.5 });
    const post = ex.counters.requests.find((r) => r.path === '/api/v3/order')!;
    expect(post.params['quoteOrderQty']).toBe('50.5');
  });

  it('lists every order with fetchOrders and the fills with fetchMyTrades', async () => {
    await b.createOrder('BTC/USDT', 'market', 'buy', 0.1, undefined, { clientOrderId: 'a' });
    await b.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 95, { clientOrderId: 'b' });
    ex.clock.advanceBar(3); // bar 2 (down) walks to low 99; bar 3's low is 101: 95 is never reached
    await b.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, { clientOrderId: 'c' });
    const all = await b.fetchOrders('BTC/USDT');
    expect(all.map((o) => [o.clientOrderId, o.status, o.average ?? null])).toEqual([
      ['a', 'closed', 100], ['b', 'open', null], ['c', 'closed', 103],
    ]);
    const trades = await b.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => [t.side, t.price, t.amount])).toEqual([['buy', 100, 0.1], ['sell', 103, 0.1]]);
    b.options['fetchOpenOrders'] = { warnWithoutSymbol: false };
    expect((await b.fetchOpenOrders()).map((o) => o.clientOrderId)).toEqual(['b']);
  });

  it('cancels every open order of a symbol with cancelAllOrders', async () => {
    await b.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 90, { clientOrderId: 'x1' });
    await b.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 91, { clientOrderId: 'x2' });
    await b.createOrder('ETH/USDT', 'limit', 'sell', 0.1, 2100, { clientOrderId: 'x3' });
    const res = await b.cancelAllOrders('BTC/USDT');
    expect(res.map((o) => o.status)).toEqual(['canceled', 'canceled']);
    expect(ex.orders().map((o) => [o.clientOrderId, o.status])).toEqual([['x1', 'CANCELED'], ['x2', 'CANCELED'], ['x3', 'NEW']]);
    expect((await b.fetchBalance())['USDT']).toEqual({ free: 10000, used: 0, total: 10000 });
    const none = await errorOf(b.cancelAllOrders('BTC/USDT'));
    expect(none.error).toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('rejects an unknown symbol with -1121 and a missing parameter with -1102', async () => {
    const e = await errorOf(b.privateGetOrder({ symbol: 'DOGEUSDT', orderId: 1 }));
    expect(e.error).toBeInstanceOf(ccxt.BadSymbol);
    expect(e.message).toBe('binance {"code":-1121,"msg":"Invalid symbol."}');
    const m = await errorOf(b.privateGetOrder({ symbol: 'BTCUSDT' }));
    expect(m.error).toBeInstanceOf(ccxt.BadRequest);
    expect(m.message).toBe(`binance {"code":-1102,"msg":"Mandatory parameter 'orderId' was not sent, was empty/null, or malformed."}`);
  });
});
