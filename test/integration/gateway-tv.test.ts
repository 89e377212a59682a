import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tempDir, rm } from '../helpers/cli.js';
import { alertSource, generateTvToken, tvTokenHash, tvDedupeKey } from '../../engine/gateway/tradingview.js';
import { clientOrderId } from '../../engine/core/client-order-id.js';
import { gatewayIntent } from '../../engine/gateway/order-body.js';
import type { Venue } from '../../engine/gateway/paper-intake.js';
import { V1, TestClock, startHarness, raw, signedRequest, auditRows, lastSeq, type Harness } from './gateway-harness.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
let dir: string;
let h: Harness;
let token: string;

async function start(venue?: Venue, config?: Record<string, unknown>): Promise<void> {
  h = await startHarness(dir, { clock: new TestClock(T0), ...(venue ? { venue } : {}), ...(config ? { config } : {}) });
  token = generateTvToken();
  h.store.tv.upsertRoute({ routeId: 'tv1', principal: 'tv:tv1', symbols: ['BTC/USDT'], maxNotional: 1000, status: 'active', createdAt: T0 });
  h.store.tv.addToken({ routeId: 'tv1', tokenSha256: tvTokenHash(token), createdAt: T0, status: 'active' });
}

function alert(over: Record<string, unknown> = {}) {
  return JSON.stringify({
    token, sent: '2026-01-01T00:00:00Z', ticker: 'BINANCE:BTCUSDT', interval: '60', time: '2025-12-31T23:00:00Z', orderId: 'Long', action: 'buy',
    contracts: '0.01', price: '30000', ...over,
  });
}

function post(body: string, route = 'tv1', contentType = 'text/plain; charset=utf-8', extra: Record<string, string> = {}) {
  return raw(h.port, { method: 'POST', target: `/v1/tv/${route}`, headers: { 'content-type': contentType, ...extra }, body });
}

beforeEach(() => {
  dir = tempDir('ck-tv-');
});
afterEach(async () => {
  await h?.close();
  rm(dir);
});

describe('TradingView adapter (6.8)', () => {
  it('accepts an alert and derives the client order id from the dedupe key', async () => {
    await start();
    const r = await post(alert());
    expect(r.status).toBe(200);
    const dedupe = tvDedupeKey('tv1', { ticker: 'BINANCE:BTCUSDT', interval: '60', time: '2025-12-31T23:00:00Z', orderId: 'Long', action: 'buy' });
    expect(r.body).toEqual({ intentId: `tv:${dedupe}`, clientOrderId: clientOrderId(gatewayIntent('tv:tv1', `tv:${dedupe}`)), status: 'accepted', receivedAt: T0, duplicate: false });
    await h.intake.idle();
    await waitFor(async () => (await h.intake.listOrders({})).length === 1);
    expect((await h.intake.listOrders({}))[0]).toMatchObject({ symbol: 'BTC/USDT', side: 'buy', amount: '0.01', source: 'tradingview', principal: 'tv:tv1' });
  });

  it('a duplicate alert makes one intent and gets 200 {"duplicate":true}', async () => {
    await start();
    expect((await post(alert())).status).toBe(200);
    const before = lastSeq(h.store);
    const dup = await post(alert({ sent: '2026-01-01T00:00:05Z' }), 'tv1', 'application/json');
    expect(dup.status).toBe(200);
    expect(dup.body).toEqual({ duplicate: true });
    expect(auditRows(h.store, before).map((x) => [x.event, x.reason])).toEqual([['request.accepted', 'duplicate_alert']]);
    await waitFor(async () => (await h.intake.listOrders({})).length >= 1);
    await h.intake.idle();
    expect(await h.intake.listOrders({})).toHaveLength(1);
    expect(h.store.db.prepare("SELECT count(*) AS n FROM gateway_intents WHERE source = 'tradingview'").get()).toEqual({ n: 1 });
  });

  it('a stale {{timenow}} gets 401 timestamp_out_of_window', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await post(alert({ sent: '2025-12-31T23:58:59Z' }));
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'timestamp_out_of_window', serverTime: T0 });
    expect(auditRows(h.store, before).map((x) => x.reason)).toEqual(['stale_timenow']);
  });

  it('a wrong token gets 401 invalid_credentials', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await post(alert({ token: generateTvToken() }));
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
    expect(auditRows(h.store, before).map((x) => x.reason)).toEqual(['bad_token']);
  });

  it('an unknown route gets the same 401 as a wrong token', async () => {
    await start();
    const r = await post(alert(), 'nope');
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
  });

  it('keeps two tokens active per route for rotation; a third retires the oldest', async () => {
    await start();
    const second = generateTvToken();
    h.store.tv.addToken({ routeId: 'tv1', tokenSha256: tvTokenHash(second), createdAt: T0 + 1, status: 'active' });
    expect((await post(alert())).status).toBe(200);
    expect((await post(alert({ token: second, orderId: 'L2' }))).status).toBe(200);
    h.store.tv.addToken({ routeId: 'tv1', tokenSha256: tvTokenHash(generateTvToken()), createdAt: T0 + 2, status: 'active' });
    expect((await post(alert({ orderId: 'L3' }))).status).toBe(401);
    expect((await post(alert({ token: second, orderId: 'L4' }))).status).toBe(200);
  });

  it('refuses symbols outside the route allowlist and orders above the max notional', async () => {
    await start();
    expect((await post(alert({ ticker: 'BINANCE:ETHUSDT' }))).body).toEqual({ error: 'symbol_not_allowed' });
    expect((await post(alert({ contracts: '1' }))).body).toEqual({ error: 'max_notional_exceeded' });
  });

  it('answers while the exchange stalls 10 s: the reply comes after persisting, before any exchange I/O completes', async () => {
    let requestsSeen = 0;
    let release: () => void = () => {};
    const stalled = new Promise<void>((r) => (release = r));
    const exchange = http.createServer((req, res) => {
      requestsSeen++;
      const t = setTimeout(() => res.end('{"status":"filled"}'), 10_000);
      void stalled.then(() => {
        clearTimeout(t);
        res.end('{"status":"filled"}');
      });
    });
    await new Promise<void>((r) => exchange.listen(0, '127.0.0.1', r));
    const port = (exchange.address() as AddressInfo).port;
    const venue: Venue = (o) =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/order', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: 'filled', filledAmount: Number(o.amount), averagePrice: Number(o.price), reason: null }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(o));
      });
    await start(venue);
    h.keyring.create({ principal: 'alice', scopes: 'read,trade', keyId: V1.keyId, secret: V1.secret, now: T0 - 1000 });
    try {
      const t0 = performance.now();
      const first = await post(alert());
      const elapsed = performance.now() - t0;
      expect(first.status).toBe(200);
      expect(elapsed).toBeLessThan(3000);
      await waitFor(() => requestsSeen === 1);
      // The exchange now holds the order request; the gateway keeps answering.
      const second = await post(alert({ orderId: 'L2' }));
      expect(second.status).toBe(200);
      expect((await raw(h.port, { method: 'GET', target: '/v1/time' })).body).toEqual({ serverTime: T0 });
      for (let i = 0; i < 20; i++) {
        const r = await signedRequest(h.port, { keyId: V1.keyId, secret: 'cks_wrong', method: 'GET', target: '/v1/orders', ts: T0 });
        expect(r.status).toBe(401);
      }
      const listed = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/orders', ts: T0 });
      expect(listed.status).toBe(200);
      expect(listed.body.orders.map((o: { status: string }) => o.status)).toEqual(['accepted', 'accepted']);
      expect(requestsSeen).toBe(1);
    } finally {
      release();
      await h.intake.idle();
      await new Promise<void>((r) => exchange.close(() => r()));
    }
    expect((await h.intake.listOrders({})).map((o) => o.status)).toEqual(['filled', 'filled']);
  });
});

async function waitFor(cond: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}

describe('TradingView adapter: optional source-address allowlist (6.8)', () => {
  it('refuses an alert from an address not on the list with 403 and one audit row, before reading it', async () => {
    await start(undefined, { tvIpAllowlist: ['127.0.0.2'] });
    const before = lastSeq(h.store);
    const r = await post(alert());
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: 'forbidden', reason: 'source_not_allowed' });
    expect(auditRows(h.store, before).map((x) => [x.event, x.reason])).toEqual([['request.rejected', 'source_not_allowed']]);
    expect(h.store.db.prepare("SELECT count(*) AS n FROM gateway_intents WHERE source = 'tradingview'").get()).toEqual({ n: 0 });
  });

  it("takes TradingView's documented addresses, seen through a trusted proxy's X-Forwarded-For (its right-most entry)", async () => {
    await start(undefined, { tvIpAllowlist: 'tradingview', trustedProxies: ['127.0.0.1'] });
    expect((await post(alert(), 'tv1', 'text/plain', { 'x-forwarded-for': '10.1.2.3, 52.89.214.238' })).status).toBe(200);
    // A caller-supplied entry left of the proxy's own does not count.
    expect((await post(alert({ orderId: 'L2' }), 'tv1', 'text/plain', { 'x-forwarded-for': '52.89.214.238, 10.1.2.3' })).status).toBe(403);
    expect((await post(alert({ orderId: 'L3' }))).status).toBe(403);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    await start(undefined, { tvIpAllowlist: 'tradingview' });
    expect((await post(alert(), 'tv1', 'text/plain', { 'x-forwarded-for': '52.89.214.238' })).status).toBe(403);
  });

  it('reads IPv4-mapped peer addresses as IPv4', () => {
    expect(alertSource('::ffff:127.0.0.1', '52.32.178.7', ['127.0.0.1'])).toBe('52.32.178.7');
    expect(alertSource('::ffff:10.0.0.1', '52.32.178.7', ['127.0.0.1'])).toBe('10.0.0.1');
    expect(alertSource('127.0.0.1', undefined, ['127.0.0.1'])).toBe('127.0.0.1');
  });
});
