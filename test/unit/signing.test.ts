import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { signRequest, canonicalString, sha256Hex, EMPTY_BODY_SHA256 } from '../../engine/client/index.js';
import { generateSecret, generateNonce, NONCE_RE, hmacHex } from '../../engine/signing/canonical.js';
import { parseScopes, hasScope, keyValidity, keyStatusLabel } from '../../engine/signing/keyring.js';
import { auditHash, auditCanonicalJson, verifyAuditChain, GENESIS_HASH, AUDIT_HASH_FIELDS } from '../../engine/signing/audit-chain.js';
import { SecretBox } from '../../engine/signing/secret-box.js';
import { RateLimiter } from '../../engine/gateway/rate-limit.js';
import { FloodControl } from '../../engine/gateway/flood-control.js';
import { ClockGuard } from '../../engine/gateway/clock-guard.js';
import { parseOrderBody } from '../../engine/gateway/order-body.js';
import { parseGatewayConfig } from '../../engine/gateway/config.js';
import { parseTimenow, tvDedupeKey } from '../../engine/gateway/tradingview.js';
import type { ApiKeyRecord, AuditRow } from '../../engine/ports/index.js';

const V1 = {
  keyId: 'ck_test_2026a',
  secret: 'cks_test_A_6Hq3vU9xZ1rT8mW2pL5nB0yC4dF7gJ',
  ts: 1767225600000,
  nonce: '8b1f0c9e2d7a4b6c3e5f1a2b9c8d7e6f',
  body: '{"intentId":"sma-cross-v1:BTC/USDT:1h:1767222000000:entry-long:0","symbol":"BTC/USDT","side":"buy","type":"limit","amount":"0.001","price":"30000"}',
};

describe('canonical string v1 and vector V1', () => {
  it('hashes the V1 body to 4d5ae6e1…a392', () => {
    expect(sha256Hex(V1.body)).toBe('4d5ae6e10a79d58f3245b65f9549906de5a5d28f2df1887cb2386f46b0a3a392');
  });

  it('builds seven lines joined by \\n without a trailing newline', () => {
    const c = canonicalString({ keyId: V1.keyId, timestamp: String(V1.ts), nonce: V1.nonce, method: 'post', target: '/v1/orders', bodySha256: sha256Hex(V1.body) });
    expect(c).toBe(
      'CK1-HMAC-SHA256\nck_test_2026a\n1767225600000\n8b1f0c9e2d7a4b6c3e5f1a2b9c8d7e6f\nPOST\n/v1/orders\n4d5ae6e10a79d58f3245b65f9549906de5a5d28f2df1887cb2386f46b0a3a392',
    );
  });

  it('signRequest reproduces the V1 signature', () => {
    const h = signRequest({ keyId: V1.keyId, secret: V1.secret, method: 'POST', target: '/v1/orders', body: V1.body, timestamp: V1.ts, nonce: V1.nonce });
    expect(h).toEqual({
      'CK-Key-Id': 'ck_test_2026a',
      'CK-Timestamp': '1767225600000',
      'CK-Nonce': '8b1f0c9e2d7a4b6c3e5f1a2b9c8d7e6f',
      'CK-Signature': 'v1=4a4ba4fdc74b96e1e85c6d914092fee646502243312afbf06e9774d230b4afbf',
    });
  });

  it('signs an empty body with the sha256 of nothing', () => {
    expect(EMPTY_BODY_SHA256).toBe(crypto.createHash('sha256').digest('hex'));
    const a = signRequest({ keyId: 'ck_x_1', secret: 's', method: 'GET', target: '/v1/time', timestamp: 1, nonce: 'n'.repeat(22) });
    const c = canonicalString({ keyId: 'ck_x_1', timestamp: '0000000000001', nonce: 'n'.repeat(22), method: 'GET', target: '/v1/time', bodySha256: EMPTY_BODY_SHA256 });
    expect(a['CK-Timestamp']).toBe('1');
    expect(hmacHex('s', c)).toHaveLength(64);
  });

  it('refuses absolute-form targets and fragments on the client side too', () => {
    expect(() => signRequest({ keyId: 'ck_a_1', secret: 's', method: 'GET', target: 'http://x/v1/orders' })).toThrow(/origin-form/);
    expect(() => signRequest({ keyId: 'ck_a_1', secret: 's', method: 'GET', target: '/v1/orders#x' })).toThrow(/fragment/);
  });

  it('issues secrets as cks_ + base64url(32 bytes) and nonces of 128 bits that match the header rule', () => {
    expect(generateSecret()).toMatch(/^cks_[A-Za-z0-9_-]{43}$/);
    const n = generateNonce();
    expect(n).toMatch(NONCE_RE);
    expect(Buffer.from(n, 'base64url')).toHaveLength(16);
  });
});

describe('scopes and key validity (6.5)', () => {
  it('parses scope sets; trade does not imply read', () => {
    expect(parseScopes('trade,read')).toBe('read,trade');
    expect(parseScopes('read')).toBe('read');
    expect(hasScope('trade', 'read')).toBe(false);
    expect(hasScope('read,trade', 'read')).toBe(true);
    expect(() => parseScopes('admin')).toThrow(/unknown scope "admin"/);
    expect(() => parseScopes('read,read')).toThrow(/once each/);
  });

  it('a key is valid iff active, not_before ≤ now and now < expires_at', () => {
    const k = { status: 'active', notBefore: 100, expiresAt: 200 } as ApiKeyRecord;
    expect(keyValidity(k, 99)).toBe('not_yet_valid_key');
    expect(keyValidity(k, 100)).toBe('valid');
    expect(keyValidity(k, 199)).toBe('valid');
    expect(keyValidity(k, 200)).toBe('expired_key');
    expect(keyValidity({ ...k, status: 'revoked' }, 150)).toBe('revoked_key');
  });

  it('shows a key as expiring 14 days before its expiry', () => {
    const k = { status: 'active', notBefore: 0, expiresAt: 30 * 86_400_000 } as ApiKeyRecord;
    expect(keyStatusLabel(k, 15 * 86_400_000)).toBe('active');
    expect(keyStatusLabel(k, 16 * 86_400_000)).toBe('expiring');
  });
});

describe('audit hash chain (6.7)', () => {
  const row = (seq: number, prev: string): AuditRow => {
    const r = { seq, at: 1000 + seq, event: 'request.rejected', principal: null, key_id: 'ck_a_1', outcome: 'rejected', reason: 'bad_signature', method: 'GET', target: '/v1/orders', body_sha256: null, remote: '127.0.0.1', detail: null, prev_hash: prev };
    return { ...r, hash: auditHash(r) };
  };

  it('hashes sha256(prev_hash + "\\n" + canonical JSON with sorted keys)', () => {
    const r = row(1, GENESIS_HASH);
    const json = auditCanonicalJson(r);
    expect(json).toBe('{"at":1001,"body_sha256":null,"detail":null,"event":"request.rejected","key_id":"ck_a_1","method":"GET","outcome":"rejected","prev_hash":"' + GENESIS_HASH + '","principal":null,"reason":"bad_signature","remote":"127.0.0.1","seq":1,"target":"/v1/orders"}');
    expect(r.hash).toBe(crypto.createHash('sha256').update(GENESIS_HASH + '\n' + json).digest('hex'));
  });

  it('writes the same canonical JSON as JSON.stringify of the sorted columns, for any text and number', () => {
    const texts = [null, '', 'plain', 'quote " back \\ slash', 'ctl \u0000\u001f\n\t', 'ünïcødé €', 'emoji 😀', 'lone \ud800 surrogate', '</script>'];
    const numbers = [0, 1, 1767222000000, -5, 2 ** 53 - 1];
    for (let i = 0; i < texts.length * numbers.length; i++) {
      const t = (k: number) => texts[(i + k) % texts.length]!;
      const r = {
        seq: numbers[i % numbers.length]!, at: numbers[(i + 1) % numbers.length]!, event: t(0) ?? 'e', principal: t(1), key_id: t(2), outcome: t(3) ?? 'ok',
        reason: t(4), method: t(5), target: t(6), body_sha256: t(7), remote: t(8), detail: t(9), prev_hash: GENESIS_HASH,
      };
      const sorted: Record<string, unknown> = {};
      for (const f of AUDIT_HASH_FIELDS) sorted[f] = r[f];
      expect(auditCanonicalJson(r)).toBe(JSON.stringify(sorted));
      expect(auditHash(r)).toBe(crypto.createHash('sha256').update(GENESIS_HASH + '\n' + JSON.stringify(sorted), 'utf8').digest('hex'));
    }
  });

  it('verifies a good chain and names the first edited row', () => {
    const a = row(1, GENESIS_HASH);
    const b = row(2, a.hash);
    const c = row(3, b.hash);
    expect(verifyAuditChain([[a, b, c]])).toEqual({ ok: true, rows: 3, lastSeq: 3, lastHash: c.hash });
    const edited = { ...b, reason: 'nonce_replayed' };
    expect(verifyAuditChain([[a, edited, c]])).toMatchObject({ ok: false, brokenSeq: 2 });
    expect(verifyAuditChain([[a, c]])).toMatchObject({ ok: false, brokenSeq: 3 });
  });
});

describe('secret box (6.6)', () => {
  it('binds the ciphertext to its key id (AAD)', () => {
    const box = new SecretBox(Buffer.alloc(32, 1));
    const s = box.seal('cks_secret', 'ck_one');
    expect(box.open(s, 'ck_one')).toBe('cks_secret');
    expect(() => box.open(s, 'ck_two')).toThrow(/cannot decrypt/);
    expect(() => new SecretBox(Buffer.alloc(32, 2)).open(s, 'ck_one')).toThrow(/wrong master key/);
  });
});

describe('rate limit, flood control, clock guard', () => {
  it('allows 50 requests per second per key and then asks to retry after 1 s', () => {
    const rl = new RateLimiter(50);
    for (let i = 0; i < 50; i++) expect(rl.take('k', 1000)).toBe(0);
    expect(rl.take('k', 1000)).toBe(1);
    expect(rl.take('other', 1000)).toBe(0);
    expect(rl.take('k', 1020)).toBe(0);
  });

  it('writes 100 rows per (remote, reason, minute) and aggregates the rest', () => {
    const f = new FloodControl(100);
    let admitted = 0;
    for (let i = 0; i < 130; i++) if (f.admit('1.2.3.4', 'bad_signature', 60_000 + i)) admitted++;
    expect(admitted).toBe(100);
    expect(f.admit('1.2.3.4', 'unknown_key', 60_000)).toBe(true);
    expect(f.drain(60_500)).toEqual([]);
    expect(f.drain(120_000)).toEqual([{ remote: '1.2.3.4', reason: 'bad_signature', minute: 60_000, suppressed: 30 }]);
  });

  it('trips on a backward step over 1 s and refuses for the past window', () => {
    const g = new ClockGuard(30_000, 10_000);
    expect(g.observe(9_000)).toBeUndefined();
    expect(g.refusingFor(9_000)).toBe(0);
    expect(g.observe(7_999)).toBe(2_001);
    expect(g.refusingFor(8_000)).toBe(29_999);
    expect(g.refusingFor(37_999)).toBe(0);
  });
});

describe('order bodies and TradingView fields', () => {
  it('validates an order body and names the bad field', () => {
    expect(parseOrderBody(Buffer.from(V1.body))).toEqual({ ok: true, value: { intentId: 'sma-cross-v1:BTC/USDT:1h:1767222000000:entry-long:0', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.001', price: '30000' } });
    expect(parseOrderBody(Buffer.from('{"intentId":"a|b","symbol":"BTC/USDT","side":"buy","amount":"1"}'))).toMatchObject({ ok: false, message: expect.stringMatching(/intentId/) });
    expect(parseOrderBody(Buffer.from('{"intentId":"a","symbol":"BTC/USDT","side":"hold","amount":"1"}'))).toMatchObject({ ok: false, message: expect.stringMatching(/^side/) });
    expect(parseOrderBody(Buffer.from('{"intentId":"a","symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1"}'))).toMatchObject({ ok: false, message: 'price: required for a limit order' });
    expect(parseOrderBody(Buffer.from('not json'))).toMatchObject({ ok: false });
  });

  it('parses {{timenow}} as ISO-8601 UTC or epoch ms', () => {
    expect(parseTimenow('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
    expect(parseTimenow('1767225600000')).toBe(1767225600000);
    expect(parseTimenow('yesterday')).toBeUndefined();
  });

  it('computes the dedupe key as sha256(route|ticker|interval|time|order id|action)', () => {
    const k = tvDedupeKey('r', { ticker: 'BTCUSDT', interval: '60', time: 't', orderId: 'Long', action: 'buy' });
    expect(k).toBe(crypto.createHash('sha256').update('r|BTCUSDT|60|t|Long|buy').digest('hex'));
  });
});

describe('gateway config', () => {
  it('defaults to loopback:8787, a 30 s past and 5 s future window and 50 req/s per key', () => {
    expect(parseGatewayConfig(undefined)).toMatchObject({ host: '127.0.0.1', port: 8787, pastWindowMs: 30_000, futureWindowMs: 5000, rateLimitPerKeyPerSec: 50 });
  });

  it('keeps the window bounds SIGNING.md allows (past 1 000-300 000, future 0-60 000)', () => {
    expect(() => parseGatewayConfig({ pastWindowMs: 300_001 }, 'config.json')).toThrow(/config.json: gateway.pastWindowMs/);
    expect(() => parseGatewayConfig({ futureWindowMs: 60_001 })).toThrow(/gateway.futureWindowMs/);
    expect(() => parseGatewayConfig({ pastWindw: 1 })).toThrow(/gateway/);
  });
});
