import { afterEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { API_KEY, SECRET, harness, readAll, startExchange, type Harness } from './live-harness.js';
import { ExchangeKeyStore } from '../../data/store/exchange-keys.js';
import { openTradingDb } from '../../data/store/order-journal.js';
import { SecretBox } from '../../engine/signing/secret-box.js';
import { keyStoreCredentials } from '../../engine/brokers/ccxt/key-store-credentials.js';
import type { LocalExchange } from '../../engine/local-exchange/index.js';
import { rm, tempDir } from '../helpers/cli.js';

let h: Harness | undefined;
let ex: LocalExchange | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  await ex?.close();
  h = undefined;
  ex = undefined;
  for (const d of dirs.splice(0)) rm(d);
});

const NEW_KEY = 'ckRotatedApiKey111111111111111111111111111111111111111111111111';
const NEW_SECRET = 'ckRotatedSecretQQ4r8Tt2Yy6Uu0Ii4Oo8Pp2Aa6Ss0Dd4Ff8Gg2Hh6Jj0Kk4';

describe('exchange keys and secrets (SIGNING.md A8)', () => {
  it('rotating the key while orders flow: the new key signs from the next request, zero failed requests', async () => {
    const dir = tempDir('ck-keys-');
    dirs.push(dir);
    ex = await startExchange();
    const db = openTradingDb(path.join(dir, 'trading.db'));
    const store = new ExchangeKeyStore(db, new SecretBox(crypto.randomBytes(32)));
    store.add('acct:rot', 'binance', { apiKey: API_KEY, secret: SECRET });
    h = await harness({ ex, dir, accountId: 'acct:rot', credentials: keyStoreCredentials(store, 'acct:rot', 'binance') });
    const states: string[] = [];
    for (let i = 0; i < 10; i++) {
      if (i === 4) {
        // The exchange accepts the new key first (as after creating it in the exchange UI), then it is added here.
        ex.addApiKey({ key: NEW_KEY, secret: NEW_SECRET });
        store.add('acct:rot', 'binance', { apiKey: NEW_KEY, secret: NEW_SECRET }, 60_000);
      }
      if (i === 7) ex.removeApiKey(API_KEY); // the overlap ends at the exchange
      const row = await h.account.path.place({ sessionId: 's', intent: h.intent(20 + i), side: 'buy', type: 'market', amount: 0.01 });
      states.push(row.state);
    }
    expect(states).toEqual(Array(10).fill('FILLED'));
    const reqs = ex.counters.requests.filter((r) => r.apiKey !== undefined);
    expect(reqs.filter((r) => r.status !== 200)).toEqual([]);
    const posts = reqs.filter((r) => r.method === 'POST' && r.path === '/api/v3/order');
    expect(posts.map((p) => p.apiKey === NEW_KEY)).toEqual([false, false, false, false, true, true, true, true, true, true]);
    expect(ex.counters.orderPosts).toBe(10);
    db.close();
  });

  it('a known secret appears nowhere in the captured logs or the SQLite files of a live-path run', async () => {
    const dir = tempDir('ck-a8-');
    dirs.push(dir);
    ex = await startExchange();
    const db = openTradingDb(path.join(dir, 'trading.db'));
    const store = new ExchangeKeyStore(db, new SecretBox(crypto.randomBytes(32)));
    store.add('acct:a8', 'binance', { apiKey: API_KEY, secret: SECRET });
    h = await harness({ ex, dir, accountId: 'acct:a8', credentials: keyStoreCredentials(store, 'acct:a8', 'binance'), timeoutMs: 800 });
    // A run with failures, so error paths (with request URLs and exchange bodies) get logged too.
    ex.faults.inject({ method: 'POST', path: '/api/v3/order', fault: { kind: 'acceptThenDelay', delayMs: 2000 } });
    ex.faults.inject({ method: 'GET', path: '/api/v3/order', fault: { kind: 'storeThen500' } });
    await h.account.path.place({ sessionId: 's', intent: h.intent(1), side: 'buy', type: 'market', amount: 0.01 });
    ex.faults.inject({ method: 'POST', path: '/api/v3/order', fault: { kind: 'timestampRejected' } });
    await h.account.path.place({ sessionId: 's', intent: h.intent(2), side: 'buy', type: 'market', amount: 0.01 });
    h.log.info({ secret: SECRET, headers: { 'X-MBX-APIKEY': API_KEY, Authorization: 'Bearer abc123def' }, url: 'https://x/api/v3/order?symbol=BTCUSDT&signature=0123456789abcdef' }, 'deliberately logging secret-bearing fields');
    h.log.info({ note: `message quoting the secret ${SECRET} inline` });
    db.close();
    const logs = readAll(h.logFile);
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).toContain('createOrder failed');
    const files = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.db(-wal|-shm)?$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const needle of [SECRET, API_KEY]) {
      expect(logs.includes(needle)).toBe(false);
      for (const f of files) expect(fs.readFileSync(path.join(dir, f)).includes(Buffer.from(needle))).toBe(false);
    }
    expect(logs).not.toMatch(/signature=[0-9a-f]{8}/);
    expect(logs).not.toContain('abc123def');
    expect(logs).toContain('[REDACTED]');
  });
});

describe('exchange key store', () => {
  it('decrypts only with the right master key and the right account (AAD)', () => {
    const dir = tempDir('ck-ks-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    const kek = crypto.randomBytes(32);
    const store = new ExchangeKeyStore(db, new SecretBox(kek));
    store.add('acct:a', 'binance', { apiKey: 'AAAAkey', secret: 'sa' });
    store.add('acct:b', 'binance', { apiKey: 'BBBBkey', secret: 'sb' });
    expect(store.current('acct:a')!.creds).toEqual({ apiKey: 'AAAAkey', secret: 'sa' });
    expect(store.info('acct:a')!.apiKeyHint).toBe('AAAA');
    expect(() => new ExchangeKeyStore(db, new SecretBox(crypto.randomBytes(32))).current('acct:a')).toThrow(/cannot decrypt the secret of "acct:a"/);
    db.prepare(`UPDATE exchange_keys SET ct = (SELECT ct FROM exchange_keys WHERE account_id = 'acct:b'), iv = (SELECT iv FROM exchange_keys WHERE account_id = 'acct:b'),
      tag = (SELECT tag FROM exchange_keys WHERE account_id = 'acct:b') WHERE account_id = 'acct:a'`).run();
    expect(() => store.current('acct:a')).toThrow(/cannot decrypt/);
    db.close();
  });

  it('rotation keeps the old version until its overlap ends, then purges it', () => {
    const dir = tempDir('ck-ks-');
    dirs.push(dir);
    const db = openTradingDb(path.join(dir, 'trading.db'));
    let now = 1000;
    const store = new ExchangeKeyStore(db, new SecretBox(crypto.randomBytes(32)), () => now);
    store.add('acct:a', 'binance', { apiKey: 'k1k1', secret: 's1' });
    store.add('acct:a', 'binance', { apiKey: 'k2k2', secret: 's2' }, 500);
    expect(store.version('acct:a')).toBe(2);
    expect(store.list().map((k) => [k.version, k.retiresAt])).toEqual([[1, 1500], [2, null]]);
    now = 1400;
    expect(store.purgeRetired()).toBe(0);
    now = 1501;
    expect(store.purgeRetired()).toBe(1);
    expect(store.current('acct:a')!.creds.apiKey).toBe('k2k2');
    db.close();
  });
});
