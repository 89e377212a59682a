import { afterEach, describe, expect, it } from 'vitest';
import { harness, orderPosts, startExchange, staticCredentials, type Harness } from './live-harness.js';
import { clearExchangeInstances, getExchange } from '../../engine/brokers/ccxt/exchange-factory.js';
import type { LocalExchange } from '../../engine/local-exchange/index.js';

let h: Harness | undefined;
let ex: LocalExchange | undefined;
afterEach(async () => {
  await h?.close();
  await ex?.close();
  h = undefined;
  ex = undefined;
});

const ORDER = '/api/v3/order';

describe('clock sync against a skewed exchange clock (SIGNING.md A2)', () => {
  it('server clock 3 s behind: without sync the order gets -1021; after sync the first order is accepted', async () => {
    ex = await startExchange({ skewMs: -3000 });
    clearExchangeInstances();
    const raw = await getExchange({ exchangeId: 'binance', accountId: 'acct:nosync', baseUrl: ex.url, credentials: staticCredentials(), timeoutMs: 2000 });
    await raw.exchange.loadMarkets();
    await expect(raw.exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { clientOrderId: 'cknosync000000000000000000000001' })).rejects.toThrow(/-1021/);
    expect(ex.ordersFor('cknosync000000000000000000000001')).toHaveLength(0);

    h = await harness({ ex, accountId: 'acct:synced' });
    expect(Math.round((h.account.clock.offsetMs ?? 0) / 100) * 100).toBe(-3000);
    const posts = ex.counters.orderPosts;
    const row = await h.account.path.place({ sessionId: 's', intent: h.intent(1), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    expect(ex.counters.orderPosts - posts).toBe(1);
    expect(h.journal.events(row.clientOrderId).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'FILLED']);
  });

  it('server clock 3 s ahead: after sync the order is accepted at once', async () => {
    h = await harness({ skewMs: 3000 });
    expect(Math.round((h.account.clock.offsetMs ?? 0) / 100) * 100).toBe(3000);
    // timeDifference = −offset + 200 ms margin: signed timestamps land just behind the server.
    expect(Math.abs(Number(h.account.handle.exchange.options.timeDifference) - (-3000 + 200))).toBeLessThan(60);
    const row = await h.account.path.place({ sessionId: 's', intent: h.intent(2), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(1);
    const post = h.ex.counters.requests.find((r) => r.method === 'POST' && r.path === ORDER)!;
    const lead = Number(post.params['timestamp']) - post.at;
    expect(lead).toBeLessThanOrEqual(0);
    expect(lead).toBeGreaterThan(-1000);
  });

  it('a 2 s clock step mid-run: the next -1021 triggers one re-sync and exactly one resend with the same id', async () => {
    h = await harness();
    const first = await h.account.path.place({ sessionId: 's', intent: h.intent(3), side: 'buy', type: 'market', amount: 0.01 });
    expect(first.state).toBe('FILLED');
    const syncs = h.account.clock.syncCount;
    h.ex.clock.step(-2000);
    const row = await h.account.path.place({ sessionId: 's', intent: h.intent(4), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    const posts = h.ex.counters.requests.filter((r) => r.method === 'POST' && r.path === ORDER && r.params['newClientOrderId'] === row.clientOrderId);
    expect(posts.map((p) => p.code)).toEqual([-1021, undefined]);
    expect(h.account.clock.syncCount).toBe(syncs + 1);
    expect(Math.round((h.account.clock.offsetMs ?? 0) / 100) * 100).toBe(-2000);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(1);
    expect(h.account.gate.haltReason()).toBeUndefined();
    expect(h.journal.events(row.clientOrderId).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'NOT_PLACED', 'SUBMITTING', 'FILLED']);
  });

  it('halts trading after 3 failed syncs in a row, and new orders are refused without a POST', async () => {
    h = await harness();
    h.ex.faults.inject({ method: 'GET', path: '/api/v3/time', fault: { kind: 'reset' }, times: 3 });
    for (let i = 0; i < 3; i++) await expect(h.account.clock.sync()).rejects.toThrow();
    expect(h.account.gate.haltReason()).toMatch(/failed 3 times/);
    const row = await h.account.path.place({ sessionId: 's', intent: h.intent(5), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('REJECTED');
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(0);
    await h.account.clock.sync();
    expect(h.account.gate.haltReason()).toBeUndefined();
  });

  it('halts trading when the best round trip exceeds half the receive window', async () => {
    h = await harness({ timeoutMs: 5000 });
    h.ex.faults.inject({ method: 'GET', path: '/api/v3/time', fault: { kind: 'acceptThenDelay', delayMs: 2600 }, times: 5 });
    await h.account.clock.sync();
    expect(h.account.gate.haltReason()).toMatch(/round trip \d+ ms exceeds half the receive window \(2500 ms\)/);
  }, 30_000);
});
