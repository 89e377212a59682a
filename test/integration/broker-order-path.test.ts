import { afterEach, describe, expect, it } from 'vitest';
import { harness, orderPosts, type Harness } from './live-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ORDER = '/api/v3/order';

describe('order path against the local exchange (SIGNING.md A5 rows)', () => {
  it('places a market order once and journals it FILLED with the exchange order id', async () => {
    h = await harness();
    h.ex.clock.advanceBar();
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(1), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    expect(h.ex.counters.orderPosts).toBe(1);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(1);
    expect(row.exchangeOrderId).toBe(String(h.ex.ordersFor(row.clientOrderId)[0]!.orderId));
    expect(row.filled).toBe(0.01);
    expect(h.journal.events(row.clientOrderId).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'FILLED']);
  });

  it('sends recvWindow=5000 and the A4 client id on the order request', async () => {
    h = await harness();
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(2), side: 'buy', type: 'market', amount: 0.01 });
    const post = h.ex.counters.requests.find((r) => r.method === 'POST' && r.path === ORDER)!;
    expect(post.params['recvWindow']).toBe('5000');
    expect(post.params['newClientOrderId']).toBe(row.clientOrderId);
    expect(row.clientOrderId).toMatch(/^ck[0-9a-f]{30}$/);
  });

  it('handling the same intent twice sends at most one POST', async () => {
    h = await harness();
    const a = await h.account.path.place({ sessionId: 's1', intent: h.intent(3), side: 'buy', type: 'market', amount: 0.01 });
    const b = await h.account.path.place({ sessionId: 's1', intent: h.intent(3), side: 'buy', type: 'market', amount: 0.01 });
    expect(b.clientOrderId).toBe(a.clientOrderId);
    expect(b.state).toBe('FILLED');
    expect(h.ex.counters.orderPosts).toBe(1);
  });

  it('stored order whose reply is delayed past the timeout: UNKNOWN, reconciled by client id to FILLED, 1 POST', async () => {
    h = await harness({ timeoutMs: 800 });
    h.ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'acceptThenDelay', delayMs: 3000 } });
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(4), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(1);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(1);
    expect(h.journal.events(row.clientOrderId).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'UNKNOWN', 'FILLED']);
  });

  it('lost response on a filled market order (B5): exactly 1 POST and state FILLED', async () => {
    h = await harness();
    h.ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'acceptThenDrop' } });
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(5), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(1);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(1);
  });

  it('500 after storing: UNKNOWN, reconciled to FILLED, 1 POST', async () => {
    h = await harness();
    h.ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'storeThen500' } });
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(6), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(1);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(1);
    expect(h.journal.events(row.clientOrderId).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'UNKNOWN', 'FILLED']);
  });

  it('request dropped without being stored: 2 POSTs with the same id after the window, 1 order, FILLED', async () => {
    h = await harness();
    h.ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'dropUnprocessed' } });
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(7), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    const posts = h.ex.counters.requests.filter((r) => r.method === 'POST' && r.path === ORDER);
    expect(posts.map((p) => p.params['newClientOrderId'])).toEqual([row.clientOrderId, row.clientOrderId]);
    // The resend left only after the first request's receive window (+1 s) had passed on the exchange clock.
    expect(posts[1]!.at - Number(posts[0]!.params['timestamp'])).toBeGreaterThanOrEqual(6000);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(1);
    expect(h.journal.events(row.clientOrderId).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'UNKNOWN', 'NOT_PLACED', 'SUBMITTING', 'FILLED']);
  });

  it('connection reset before processing: reconciled to NOT_PLACED, resent once with the same id, 1 order', async () => {
    h = await harness();
    h.ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'reset' } });
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(8), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(2);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(1);
  });

  it('429 with Retry-After 2: no request at all for 2 s, reconciled, resent with the same id, 1 order', async () => {
    h = await harness();
    h.ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'rateLimit', retryAfterSec: 2 } });
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(9), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(2);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(1);
    const reqs = h.ex.counters.requests;
    const i = reqs.findIndex((r) => r.status === 429);
    expect(i).toBeGreaterThanOrEqual(0);
    // The exchange's own request log: the next request of any kind arrived ≥ 2 s after the 429.
    expect(reqs[i + 1]!.at - reqs[i]!.at).toBeGreaterThanOrEqual(2000);
    expect(h.journal.events(row.clientOrderId).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'UNKNOWN', 'NOT_PLACED', 'SUBMITTING', 'FILLED']);
  });

  it('418 ban: trading halts, no request until the ban ends, the order is reconciled NOT_PLACED and never resent', async () => {
    h = await harness();
    h.ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'ban', periodMs: 2000 } });
    const halts: string[] = [];
    h.account.gate.onHalt.push((r) => halts.push(r));
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(10), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('NOT_PLACED');
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(1);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(0);
    expect(halts[0]).toMatch(/banned/);
    const reqs = h.ex.counters.requests;
    const i = reqs.findIndex((r) => r.status === 418);
    expect(reqs[i + 1]!.at - reqs[i]!.at).toBeGreaterThanOrEqual(1900);
    expect(reqs.slice(i + 1).every((r) => r.status !== 418)).toBe(true);
  });

  it('-2010 duplicate: the order exists, so it is reconciled and adopted (ACKED), never treated as a failure', async () => {
    h = await harness();
    // Another process (or a lost journal) already placed an open limit order with this intent's id.
    const intent = h.intent(11);
    const cid = h.account.path.clientOrderIdOf(intent).id;
    const ex = h.account.handle.exchange;
    const first = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 20_000, { clientOrderId: cid });
    const row = await h.account.path.place({ sessionId: 's1', intent, side: 'buy', type: 'limit', amount: 0.01, price: 20_000 });
    expect(row.state).toBe('ACKED');
    expect(row.exchangeOrderId).toBe(String(first.id));
    expect(orderPosts(h.ex, cid)).toBe(2);
    expect(h.ex.counters.requests.filter((r) => r.method === 'POST' && r.path === ORDER).map((r) => r.code)).toEqual([undefined, -2010]);
    expect(h.ex.ordersFor(cid)).toHaveLength(1);
    expect(h.journal.events(cid).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'UNKNOWN', 'ACKED']);
  });

  it('-1021 (timestamp rejected): one re-sync and exactly one resend with the same id, 1 order, FILLED', async () => {
    h = await harness();
    const syncs = h.account.clock.syncCount;
    h.ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'timestampRejected' } });
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(12), side: 'buy', type: 'market', amount: 0.01 });
    expect(row.state).toBe('FILLED');
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(2);
    expect(h.account.clock.syncCount).toBe(syncs + 1);
    expect(h.ex.ordersFor(row.clientOrderId)).toHaveLength(1);
    expect(h.journal.events(row.clientOrderId).map((e) => e.to)).toEqual(['PLANNED', 'SUBMITTING', 'NOT_PLACED', 'SUBMITTING', 'FILLED']);
  });

  it('a definite reject (insufficient balance) is REJECTED with no resend', async () => {
    h = await harness();
    const row = await h.account.path.place({ sessionId: 's1', intent: h.intent(13), side: 'buy', type: 'market', amount: 100 });
    expect(row.state).toBe('REJECTED');
    expect(row.lastError).toMatch(/insufficient/i);
    expect(orderPosts(h.ex, row.clientOrderId)).toBe(1);
  });

  it('while an intent is UNKNOWN no other order for that (strategy, symbol) leaves', async () => {
    h = await harness({ timeoutMs: 800 });
    h.ex.faults.inject({ method: 'POST', path: ORDER, fault: { kind: 'dropUnprocessed' } });
    const first = h.account.path.place({ sessionId: 's1', intent: h.intent(14), side: 'buy', type: 'market', amount: 0.01 });
    await new Promise((r) => setTimeout(r, 300));
    const second = await h.account.path.place({ sessionId: 's1', intent: h.intent(15), side: 'buy', type: 'market', amount: 0.01 });
    expect(second.state).toBe('REJECTED');
    expect(second.lastError).toMatch(/unknown outcome/);
    expect(orderPosts(h.ex, second.clientOrderId)).toBe(0);
    expect((await first).state).toBe('FILLED');
  });
});
