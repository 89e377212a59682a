import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, rm } from '../helpers/cli.js';
import { clientOrderId } from '../../engine/core/client-order-id.js';
import { gatewayIntent } from '../../engine/gateway/order-body.js';
import { signRequest } from '../../engine/client/sign.js';
import { SecretBox } from '../../engine/signing/secret-box.js';
import { verifyAuditChain } from '../../engine/signing/audit-chain.js';
import { revokeKey } from '../../engine/signing/keyring.js';
import { openSecurityStore } from '../../data/store/security-store.js';
import { V1, TestClock, startHarness, raw, rawLine, signedRequest, auditRows, lastSeq, freshNonce, type Harness } from './gateway-harness.js';

const T0: number = V1.ts;
const V1_INTENT = 'sma-cross-v1:BTC/USDT:1h:1767222000000:entry-long:0';

let dir: string;
let h: Harness;

async function start(config?: Record<string, unknown>, at = T0): Promise<Harness> {
  h = await startHarness(dir, { clock: new TestClock(at), config });
  h.keyring.create({ principal: 'alice', scopes: 'read,trade', keyId: V1.keyId, secret: V1.secret, now: T0 - 60_000, lifetimeMs: null });
  return h;
}

function sendV1(over: Partial<{ target: string; body: string; sig: string; ts: string; nonce: string; keyId: string }> = {}) {
  return raw(h.port, {
    method: 'POST',
    target: over.target ?? '/v1/orders',
    headers: {
      'CK-Key-Id': over.keyId ?? V1.keyId,
      'CK-Timestamp': over.ts ?? String(V1.ts),
      'CK-Nonce': over.nonce ?? V1.nonce,
      'CK-Signature': over.sig ?? V1.signature,
      'content-type': 'application/json',
    },
    body: over.body ?? V1.body,
  });
}

/** The audit rows a request left (after `before`), excluding background rows. */
function rowsSince(before: number) {
  return auditRows(h.store, before).filter((r) => r.event !== 'server.started');
}

/** Asserts one request left exactly one audit row, rejected with the given internal reason. */
function expectOneRejectedRow(before: number, reason: string, event = 'request.rejected') {
  const rows = rowsSince(before);
  expect(rows.map((r) => [r.event, r.outcome, r.reason])).toEqual([[event, 'rejected', reason]]);
  return rows[0]!;
}

beforeEach(() => {
  dir = tempDir('ck-gw-');
});
afterEach(async () => {
  await h?.close();
  rm(dir);
});

describe('vector V1', () => {
  it('verifies V1 byte for byte and accepts the order with 202 and a client id derived from (principal, intentId)', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await sendV1();
    const expectedId = clientOrderId(gatewayIntent('alice', V1_INTENT));
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ intentId: V1_INTENT, clientOrderId: expectedId, status: 'accepted', receivedAt: T0, idempotent: false });
    expect(expectedId).toMatch(/^ck[0-9a-f]{30}$/);
    const rows = rowsSince(before);
    expect(rows.map((x) => [x.event, x.outcome, x.key_id, x.principal, x.body_sha256, x.target])).toEqual([
      ['order.submitted', 'accepted', V1.keyId, 'alice', V1.bodySha256, '/v1/orders'],
    ]);
    expect(JSON.parse(rows[0]!.detail!).sig).toBe('4a4ba4fd');
  });

  it('the A4 tuple of a gateway order is cko1|gw:{principal}|gateway|{intentId}|-|-|0|manual|0|0', () => {
    const i = gatewayIntent('alice', 'x-1');
    expect(i).toEqual({ accountId: 'gw:alice', exchangeId: 'gateway', strategyInstanceId: 'x-1', symbol: '-', timeframe: '-', barOpenTimeMs: 0, intentKind: 'manual', legIndex: 0, revision: 0 });
  });

  it('hands the accepted order to the order intake, which journals it in the paper book', async () => {
    await start();
    await sendV1();
    await waitFor(async () => (await h.intake.listOrders({})).length === 1);
    await h.intake.idle();
    const [o] = await h.intake.listOrders({});
    expect(o).toMatchObject({ intentId: V1_INTENT, principal: 'alice', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.001', price: '30000', status: 'open' });
    await waitFor(async () => h.store.intents.get('alice', V1_INTENT)?.handedOff === true);
  });
});

describe('6.3 step 1: headers', () => {
  it.each([
    ['CK-Key-Id', { keyId: 'CK_TEST' }],
    ['CK-Timestamp', { ts: '1767225600' }],
    ['CK-Nonce', { nonce: 'short' }],
    ['CK-Signature', { sig: V1.signature.toUpperCase() }],
  ])('a malformed %s gets 400 malformed_auth and one audit row', async (header, over) => {
    await start();
    const before = lastSeq(h.store);
    const r = await sendV1(over);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'malformed_auth' });
    expect(JSON.parse(expectOneRejectedRow(before, 'malformed_auth').detail!).header).toBe(header);
  });

  it('a missing header gets 400 malformed_auth', async () => {
    await start();
    const r = await raw(h.port, { method: 'GET', target: '/v1/orders' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'malformed_auth' });
  });
});

describe('6.3 step 2: body limit', () => {
  it('a body over 64 KiB streamed without Content-Length gets 413 body_too_large and one audit row', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await raw(h.port, {
      method: 'POST', target: '/v1/orders', chunked: true, body: Buffer.alloc(64 * 1024 + 1, 0x20),
      headers: { 'CK-Key-Id': V1.keyId, 'CK-Timestamp': String(T0), 'CK-Nonce': V1.nonce, 'CK-Signature': V1.signature },
    });
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ error: 'body_too_large' });
    expectOneRejectedRow(before, 'body_too_large');
  });

  it('a declared Content-Length over 64 KiB is refused before reading the body', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await sendV1({ body: 'x'.repeat(65_537) });
    expect(r.status).toBe(413);
    expectOneRejectedRow(before, 'body_too_large');
  });

  it('a body of exactly 64 KiB is read and verified', async () => {
    await start();
    const body = JSON.stringify({ intentId: 'big', symbol: 'BTC/USDT', side: 'buy', amount: '1', price: '1', pad: '' });
    const padded = body.replace('"pad":""', `"pad":"${'p'.repeat(65_536 - body.length)}"`);
    expect(Buffer.byteLength(padded)).toBe(65_536);
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'POST', target: '/v1/orders', body: padded, ts: T0 });
    // Authenticated (not 413/401); the unknown field is then refused by body validation.
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_body');
  });
});

describe('6.3 step 3: key lookup', () => {
  it('an unknown key gets 401 invalid_credentials; the audit row says unknown_key', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: 'ck_nobody', secret: V1.secret, method: 'GET', target: '/v1/orders', ts: T0 });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
    expectOneRejectedRow(before, 'unknown_key');
  });

  it('a revoked key gets 401 invalid_credentials; the audit row says revoked_key', async () => {
    await start();
    h.keyring.revoke({ keyId: V1.keyId, now: T0 - 1 });
    const before = lastSeq(h.store);
    const r = await sendV1();
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
    expectOneRejectedRow(before, 'revoked_key');
  });

  it('an expired key gets 401 invalid_credentials; the first rejection is recorded as key.expired, later ones as request.rejected', async () => {
    await start();
    h.keyring.create({ principal: 'bob', scopes: 'read,trade', keyId: 'ck_bob_old', secret: 'cks_bob_secret', now: T0 - 100_000, lifetimeMs: 50_000 });
    let before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: 'ck_bob_old', secret: 'cks_bob_secret', method: 'GET', target: '/v1/orders', ts: T0 });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
    expectOneRejectedRow(before, 'expired_key', 'key.expired');
    before = lastSeq(h.store);
    await signedRequest(h.port, { keyId: 'ck_bob_old', secret: 'cks_bob_secret', method: 'GET', target: '/v1/orders', ts: T0 });
    expectOneRejectedRow(before, 'expired_key', 'request.rejected');
  });

  it('a not-yet-valid key gets 401 invalid_credentials; the audit row says not_yet_valid_key', async () => {
    await start();
    h.keyring.create({ principal: 'carol', scopes: 'read', keyId: 'ck_carol_future', secret: 'cks_carol', now: T0, notBefore: T0 + 60_000 });
    const before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: 'ck_carol_future', secret: 'cks_carol', method: 'GET', target: '/v1/orders', ts: T0 });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
    expectOneRejectedRow(before, 'not_yet_valid_key');
  });
});

describe('6.3 step 4: timestamp window', () => {
  it('a timestamp 31 s old gets 401 timestamp_out_of_window with serverTime; the audit row says stale_timestamp', async () => {
    await start();
    h.clock.t = T0 + 31_000;
    const before = lastSeq(h.store);
    const r = await sendV1();
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'timestamp_out_of_window', serverTime: T0 + 31_000 });
    expectOneRejectedRow(before, 'stale_timestamp');
  });

  it('a timestamp 6 s ahead gets 401 timestamp_out_of_window; the audit row says future_timestamp', async () => {
    await start(undefined, T0 - 6000);
    const before = lastSeq(h.store);
    const r = await sendV1();
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'timestamp_out_of_window', serverTime: T0 - 6000 });
    expectOneRejectedRow(before, 'future_timestamp');
  });

  it('accepts a timestamp exactly 30 s old (inclusive bound)', async () => {
    await start(undefined, T0 + 30_000);
    expect((await sendV1()).status).toBe(202);
  });

  it('accepts a timestamp exactly 5 s ahead (inclusive bound)', async () => {
    await start(undefined, T0 - 5000);
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/orders', ts: T0 });
    expect(r.status).toBe(200);
  });

  it('honours configured window bounds', async () => {
    await start({ pastWindowMs: 10_000, futureWindowMs: 0 });
    h.clock.t = T0 + 10_001;
    expect((await sendV1()).body.reason).toBe('timestamp_out_of_window');
  });
});

describe('6.3 step 5: signature', () => {
  it('a body changed by one byte gets 401 invalid_credentials; the audit row says bad_signature', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await sendV1({ body: V1.body.replace('"0.001"', '"0.002"') });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
    expectOneRejectedRow(before, 'bad_signature');
  });

  it('a different path gets 401 invalid_credentials (bad_signature)', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/positions', sendTarget: '/v1/balances', ts: T0 });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
    expectOneRejectedRow(before, 'bad_signature');
  });

  it('a different query gets 401 invalid_credentials (bad_signature)', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/orders?status=open', sendTarget: '/v1/orders?status=filled', ts: T0 });
    expect(r.status).toBe(401);
    expectOneRejectedRow(before, 'bad_signature');
  });

  it('the query is verified raw: a re-encoded query does not verify', async () => {
    await start();
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/orders?symbol=BTC/USDT', sendTarget: '/v1/orders?symbol=BTC%2FUSDT', ts: T0 });
    expect(r.status).toBe(401);
    const ok = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/orders?symbol=BTC%2FUSDT', ts: T0 });
    expect(ok.status).toBe(200);
  });

  it('a signature made with another secret gets 401 invalid_credentials (bad_signature)', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: 'cks_wrong', method: 'GET', target: '/v1/orders', ts: T0 });
    expect(r.status).toBe(401);
    expectOneRejectedRow(before, 'bad_signature');
  });

  it('refuses absolute-form request-targets and fragments with 400 and one audit row each', async () => {
    await start();
    let before = lastSeq(h.store);
    expect(await rawLine(h.port, 'GET http://127.0.0.1/v1/orders HTTP/1.1')).toBe(400);
    expectOneRejectedRow(before, 'invalid_request_target');
    before = lastSeq(h.store);
    const status = await rawLine(h.port, 'GET /v1/orders#frag HTTP/1.1');
    expect(status).toBe(400);
    expectOneRejectedRow(before, 'invalid_request_target');
  });
});

describe('6.3 step 6: nonce', () => {
  it('the same request replayed gets 401 nonce_replayed and one audit row', async () => {
    await start();
    expect((await sendV1()).status).toBe(202);
    const before = lastSeq(h.store);
    const r = await sendV1();
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'nonce_replayed' });
    expectOneRejectedRow(before, 'nonce_replayed');
  });

  it('a replay after a server restart is still refused (nonces are persisted)', async () => {
    await start();
    expect((await sendV1()).status).toBe(202);
    await h.close();
    h = await startHarness(dir, { clock: new TestClock(T0 + 1000) });
    const before = lastSeq(h.store);
    const r = await sendV1();
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'nonce_replayed' });
    expectOneRejectedRow(before, 'nonce_replayed');
  });

  it('stores the nonce with expires_at = ts + PAST_WINDOW_MS + 1000 and purges it at start-up once expired', async () => {
    await start();
    await sendV1();
    const row = h.store.db.prepare('SELECT expires_at FROM used_nonces WHERE key_id = ? AND nonce = ?').get(V1.keyId, V1.nonce) as { expires_at: number };
    expect(row.expires_at).toBe(T0 + 31_000);
    await h.close();
    h = await startHarness(dir, { clock: new TestClock(T0 + 31_000) });
    expect(h.store.nonces.count()).toBe(1);
    await h.close();
    h = await startHarness(dir, { clock: new TestClock(T0 + 31_001) });
    expect(h.store.nonces.count()).toBe(0);
  });

  it('the minute purge removes nonces whose expires_at has passed, and only those', async () => {
    await start();
    await sendV1();
    h.clock.t = T0 + 20_000;
    await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/orders', ts: T0 + 20_000 });
    expect(h.store.nonces.count()).toBe(2);
    h.clock.t = T0 + 31_001;
    h.gw.purge();
    await new Promise((r) => setImmediate(r));
    expect(h.store.nonces.count()).toBe(1);
  });

  it('a request with a bad signature leaves no nonce', async () => {
    await start();
    await sendV1({ body: V1.body + ' ' });
    expect(h.store.nonces.count()).toBe(0);
  });
});

describe('6.3 step 7: scope', () => {
  it('a read-scoped key on a trade route gets 403 insufficient_scope and one audit row', async () => {
    await start();
    h.keyring.create({ principal: 'reader', scopes: 'read', keyId: 'ck_reader', secret: 'cks_reader', now: T0 });
    const before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: 'ck_reader', secret: 'cks_reader', method: 'POST', target: '/v1/orders', body: V1.body, ts: T0 });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: 'insufficient_scope' });
    expectOneRejectedRow(before, 'insufficient_scope');
  });

  it('trade does not imply read: a trade-only key on GET /v1/orders gets 403', async () => {
    await start();
    h.keyring.create({ principal: 'trader', scopes: 'trade', keyId: 'ck_trader', secret: 'cks_trader', now: T0 });
    const r = await signedRequest(h.port, { keyId: 'ck_trader', secret: 'cks_trader', method: 'GET', target: '/v1/orders', ts: T0 });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: 'insufficient_scope' });
  });
});

describe('6.3 step 8: business idempotency', () => {
  it('the same intent with the same body (new nonce) returns the stored response with 200 and idempotent:true', async () => {
    await start();
    const first = await sendV1();
    const before = lastSeq(h.store);
    const again = await sendV1({ nonce: 'another_nonce_1234567890', sig: signRequest({ keyId: V1.keyId, secret: V1.secret, method: 'POST', target: '/v1/orders', body: V1.body, timestamp: T0, nonce: 'another_nonce_1234567890' })['CK-Signature'] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, idempotent: true });
    expect(rowsSince(before).map((r) => [r.event, r.reason])).toEqual([['request.accepted', 'idempotent_replay']]);
    await h.intake.idle();
    expect(await h.intake.listOrders({})).toHaveLength(1);
  });

  it('the same intent with a different body gets 409 idempotency_conflict and one audit row', async () => {
    await start();
    await sendV1();
    const before = lastSeq(h.store);
    const body = V1.body.replace('"30000"', '"31000"');
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'POST', target: '/v1/orders', body, ts: T0 });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ error: 'idempotency_conflict' });
    expectOneRejectedRow(before, 'idempotency_conflict');
  });

  it('a body without intentId gets 400 invalid_body', async () => {
    await start();
    const before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'POST', target: '/v1/orders', body: '{"symbol":"BTC/USDT","side":"buy","amount":"1"}', ts: T0 });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_body');
    expect(r.body.message).toMatch(/intentId/);
    expectOneRejectedRow(before, 'invalid_body');
  });

  it('an intentId longer than 128 characters is refused', async () => {
    await start();
    const body = JSON.stringify({ intentId: 'i'.repeat(129), symbol: 'BTC/USDT', side: 'buy', amount: '1', price: '1' });
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'POST', target: '/v1/orders', body, ts: T0 });
    expect(r.status).toBe(400);
  });

  it('two principals may use the same intentId and get different client order ids', async () => {
    await start();
    h.keyring.create({ principal: 'bob', scopes: 'trade', keyId: 'ck_bob', secret: 'cks_bob', now: T0 });
    const a = await sendV1();
    const b = await signedRequest(h.port, { keyId: 'ck_bob', secret: 'cks_bob', method: 'POST', target: '/v1/orders', body: V1.body, ts: T0 });
    expect(b.status).toBe(202);
    expect(b.body.clientOrderId).not.toBe(a.body.clientOrderId);
  });
});

describe('6.3 step 9: one transaction', () => {
  it('an accepted order leaves its nonce, its intent and its audit row together', async () => {
    await start();
    const before = lastSeq(h.store);
    await sendV1();
    expect(h.store.nonces.count()).toBe(1);
    expect(h.store.intents.get('alice', V1_INTENT)?.bodySha256).toBe(V1.bodySha256);
    expect(rowsSince(before)).toHaveLength(1);
  });
});

describe('rate limit, clock steps, floods', () => {
  it('the 51st request of one key within a second gets 429 with Retry-After', async () => {
    await start();
    for (let i = 0; i < 50; i++) {
      const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/balances', ts: T0 });
      expect(r.status).toBe(200);
    }
    const before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/balances', ts: T0 });
    expect(r.status).toBe(429);
    expect(r.body).toEqual({ error: 'rate_limited' });
    expect(r.headers['retry-after']).toBe('1');
    expectOneRejectedRow(before, 'rate_limited');
    expect(h.store.nonces.count()).toBe(50);
    h.clock.t += 1000;
    expect((await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/balances', ts: h.clock.t })).status).toBe(200);
  });

  it('a backward clock step over 1 s refuses signed requests for PAST_WINDOW_MS while /v1/time keeps answering', async () => {
    await start();
    expect((await sendV1()).status).toBe(202);
    h.clock.t = T0 - 2000;
    h.gw.tick();
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/balances', ts: h.clock.t });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ error: 'unavailable', reason: 'clock_step' });
    expect(r.headers['retry-after']).toBe('30');
    expect((await raw(h.port, { method: 'GET', target: '/v1/time' })).body).toEqual({ serverTime: T0 - 2000 });
    h.clock.t = T0 - 2000 + 30_000;
    expect((await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/balances', ts: h.clock.t })).status).toBe(200);
    expect(auditRows(h.store).some((x) => x.event === 'server.clock_step')).toBe(true);
  });

  it('a clock behind the newest audit row at start-up (a step while down) refuses signed requests', async () => {
    await start();
    await sendV1();
    await h.close();
    h = await startHarness(dir, { clock: new TestClock(T0 - 5000) });
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/balances', ts: T0 - 5000 });
    expect(r.status).toBe(503);
  });

  it('a forward step or a 1 s backward jitter does not trip the guard', async () => {
    await start();
    h.clock.t = T0 - 1000;
    h.gw.tick();
    expect((await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/balances', ts: h.clock.t })).status).toBe(200);
  });

  it('aggregates rejected floods per (remote, reason, minute) after 100 rows', async () => {
    await start();
    const before = lastSeq(h.store);
    for (let i = 0; i < 105; i++) {
      const r = await signedRequest(h.port, { keyId: V1.keyId, secret: 'cks_wrong', method: 'GET', target: '/v1/orders', ts: T0 });
      expect(r.status).toBe(401);
    }
    expect(rowsSince(before)).toHaveLength(100);
    h.clock.t = T0 + 60_000;
    h.gw.tick();
    await new Promise((r) => setImmediate(r));
    const rows = rowsSince(before);
    expect(rows).toHaveLength(101);
    expect(rows[100]!.reason).toBe('bad_signature');
    expect(JSON.parse(rows[100]!.detail!)).toEqual({ aggregated: 5, minute: T0 - (T0 % 60_000) });
  });
});

describe('routes', () => {
  it('answers GET /v1/time without authentication', async () => {
    await start();
    const r = await raw(h.port, { method: 'GET', target: '/v1/time' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ serverTime: T0 });
  });

  it('lists orders, positions and balances, cancels an order, pauses, resumes and flattens', async () => {
    await start();
    const call = (method: string, target: string, body?: string) => signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method, target, body, ts: T0 });
    const limit = await sendV1();
    const market = await call('POST', '/v1/orders', JSON.stringify({ intentId: 'm-1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '2', price: '100' }));
    expect(market.status).toBe(202);
    await waitFor(async () => (await h.intake.listOrders({})).length === 2);
    await h.intake.idle();
    const orders = await call('GET', '/v1/orders');
    expect(orders.status).toBe(200);
    expect(orders.body.orders.map((o: { intentId: string; status: string }) => [o.intentId, o.status])).toEqual([[V1_INTENT, 'open'], ['m-1', 'filled']]);
    expect((await call('GET', '/v1/orders?status=filled')).body.orders).toHaveLength(1);
    expect((await call('GET', '/v1/orders?status=bogus')).body.error).toBe('invalid_query');
    expect((await call('GET', '/v1/positions')).body).toEqual({ positions: [{ symbol: 'BTC/USDT', amount: 2, averagePrice: 100 }] });
    expect((await call('GET', '/v1/balances')).body).toEqual({ balances: [{ currency: 'USDT', total: 999_800 }, { currency: 'BTC', total: 2 }] });
    const cancel = await call('DELETE', `/v1/orders/${limit.body.clientOrderId}`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.order.status).toBe('canceled');
    expect((await call('DELETE', '/v1/orders/ck_none')).status).toBe(404);
    expect((await call('POST', '/v1/commands/pause')).body).toEqual({ paused: true });
    await call('POST', '/v1/orders', JSON.stringify({ intentId: 'm-2', symbol: 'BTC/USDT', side: 'buy', amount: '1', price: '100' }));
    await waitFor(async () => (await h.intake.listOrders({})).length === 3);
    await h.intake.idle();
    expect((await h.intake.listOrders({ status: 'rejected' }))[0]?.reason).toBe('paused');
    expect((await call('POST', '/v1/commands/resume')).body).toEqual({ paused: false });
    expect((await call('POST', '/v1/commands/flatten')).body).toEqual({ canceled: 0, closing: 1 });
    await h.intake.idle();
    expect((await call('GET', '/v1/positions')).body).toEqual({ positions: [] });
  });

  it('GET /v1/audit returns audit rows to a read key', async () => {
    await start();
    await sendV1();
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/audit?after=0&limit=1000', ts: T0 });
    expect(r.status).toBe(200);
    expect(r.body.rows.some((x: { event: string }) => x.event === 'order.submitted')).toBe(true);
  });

  it('unknown routes get 404 and wrong methods 405', async () => {
    await start();
    expect((await raw(h.port, { method: 'GET', target: '/v1/nope' })).status).toBe(404);
    expect((await raw(h.port, { method: 'PUT', target: '/v1/orders' })).status).toBe(405);
    expect((await raw(h.port, { method: 'GET', target: '/v1//orders' })).status).toBe(404);
  });
});

describe('keys: rotation and limits (6.5)', () => {
  it('both keys verify during a rotation overlap; the old one is refused after it', async () => {
    await start();
    const { issued } = h.keyring.rotate({ keyId: V1.keyId, overlapMs: 3_600_000, now: T0 });
    const oldOk = await sendV1();
    expect(oldOk.status).toBe(202);
    const body = JSON.stringify({ intentId: 'after-rotation', symbol: 'BTC/USDT', side: 'sell', amount: '1', price: '1' });
    expect((await signedRequest(h.port, { keyId: issued.keyId, secret: issued.secret, method: 'POST', target: '/v1/orders', body, ts: T0 })).status).toBe(202);
    h.clock.t = T0 + 3_600_000;
    const before = lastSeq(h.store);
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/orders', ts: h.clock.t });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
    expectOneRejectedRow(before, 'expired_key', 'key.expired');
    expect((await signedRequest(h.port, { keyId: issued.keyId, secret: issued.secret, method: 'GET', target: '/v1/orders', ts: h.clock.t })).status).toBe(200);
    expect(h.store.keys.get(issued.keyId)?.replacesKeyId).toBe(V1.keyId);
  });

  it('revoke takes effect immediately, whatever the overlap', async () => {
    await start();
    h.keyring.rotate({ keyId: V1.keyId, overlapMs: 86_400_000, now: T0 });
    h.keyring.revoke({ keyId: V1.keyId, now: T0 });
    expect((await sendV1()).body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
  });

  it('a revoke committed by another process (connection) applies to the very next request', async () => {
    await start();
    expect((await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/orders', ts: T0 })).status).toBe(200);
    const other = openSecurityStore(path.join(dir, 'security.db'));
    revokeKey(other, { keyId: V1.keyId, now: T0 });
    other.close();
    const r = await signedRequest(h.port, { keyId: V1.keyId, secret: V1.secret, method: 'GET', target: '/v1/orders', ts: T0 });
    expect(r.body).toEqual({ error: 'unauthorized', reason: 'invalid_credentials' });
  });

  it('a 4th active key for one principal is refused', async () => {
    await start();
    h.keyring.create({ principal: 'alice', scopes: 'read', now: T0 });
    h.keyring.create({ principal: 'alice', scopes: 'read', now: T0 });
    expect(() => h.keyring.create({ principal: 'alice', scopes: 'read', now: T0 })).toThrow(/already has 3 active keys/);
  });

  it('updates last_used_at', async () => {
    await start();
    expect(h.store.keys.get(V1.keyId)?.lastUsedAt).toBeNull();
    await sendV1();
    expect(h.store.keys.get(V1.keyId)?.lastUsedAt).toBe(T0);
  });
});

describe('secrets at rest and the audit chain (6.6, 6.7)', () => {
  it('the database files never contain a secret in the clear', async () => {
    await start();
    const issued = h.keyring.create({ principal: 'dave', scopes: 'read,trade', now: T0 });
    await sendV1();
    await signedRequest(h.port, { keyId: issued.keyId, secret: issued.secret, method: 'GET', target: '/v1/orders', ts: T0 });
    for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('security.db'))) {
      const bytes = fs.readFileSync(path.join(dir, f));
      expect(bytes.includes(Buffer.from(issued.secret))).toBe(false);
      expect(bytes.includes(Buffer.from(V1.secret))).toBe(false);
      expect(bytes.includes(Buffer.from(V1.signature.slice(3)))).toBe(false);
    }
  });

  it('a wrong master key makes start-up fail with a clear message', async () => {
    await start();
    await h.close();
    await expect(startHarness(dir, { clock: new TestClock(T0), box: new SecretBox(Buffer.alloc(32, 9)) })).rejects.toThrow(/wrong master key/);
    h = await startHarness(dir, { clock: new TestClock(T0) });
  });

  it('swapping secret_ct between two rows makes decryption fail (AAD = key id)', async () => {
    await start();
    h.keyring.create({ principal: 'erin', scopes: 'read', keyId: 'ck_erin', secret: 'cks_test_A_6Hq3vU9xZ1rT8mW2pL5nB0yC4dF7gX', now: T0 });
    const a = h.store.keys.get(V1.keyId)!;
    const b = h.store.keys.get('ck_erin')!;
    const box = new SecretBox(Buffer.alloc(32, 7));
    expect(() => box.open({ ...b.sealed, ct: a.sealed.ct }, 'ck_erin')).toThrow(/cannot decrypt/);
    h.store.db.prepare('UPDATE api_keys SET secret_ct = ?, secret_iv = ?, secret_tag = ? WHERE key_id = ?').run(a.sealed.ct, a.sealed.iv, a.sealed.tag, 'ck_erin');
    await h.close();
    await expect(startHarness(dir, { clock: new TestClock(T0) })).rejects.toThrow(/cannot decrypt the secret of "ck_erin"/);
  });

  it('UPDATE and DELETE on audit_log abort', async () => {
    await start();
    await sendV1();
    expect(() => h.store.db.prepare("UPDATE audit_log SET reason = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => h.store.db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
  });

  it('the audit chain verifies, and every row links to the previous hash', async () => {
    await start();
    await sendV1();
    await sendV1();
    const check = verifyAuditChain([auditRows(h.store)]);
    expect(check.ok).toBe(true);
  });
});

async function waitFor(cond: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}

export { freshNonce };
