// The gateway's write path: group commit (one transaction per batch, a failing item undone alone), replies held
// until the commit is on disk (WalSync, the fsync off the event loop), the hand-off outbox, schema v2.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { tempDir, rm } from '../helpers/cli.js';
import { homePaths } from '../../config/index.js';
import { openSecurityStore, type SqliteSecurityStore } from '../../data/store/security-store.js';
import { SECURITY_MIGRATIONS } from '../../data/store/security-schema.js';
import { openDatabase, migrate } from '../../data/store/db.js';
import { WalSync } from '../../data/store/security-wal-sync.js';
import { CommitQueue } from '../../engine/gateway/commit-queue.js';
import { startGateway, type RunningGateway } from '../../engine/gateway/run-gateway.js';
import { parseGatewayConfig } from '../../engine/gateway/config.js';
import { gatewayIntent, orderFromStored } from '../../engine/gateway/order-body.js';
import type { PaperOrderIntake } from '../../engine/gateway/paper-intake.js';
import { clientOrderId } from '../../engine/core/client-order-id.js';
import { Keyring } from '../../engine/signing/keyring.js';
import { SecretBox } from '../../engine/signing/secret-box.js';
import { MASTER, TestClock, V1, raw } from './gateway-harness.js';

const V1_INTENT = 'sma-cross-v1:BTC/USDT:1h:1767222000000:entry-long:0';
let dir: string;

beforeEach(() => {
  dir = tempDir('ck-gw-commit-');
});
afterEach(() => {
  rm(dir);
});

function nonceRow(store: SqliteSecurityStore, nonce: string): unknown {
  return store.db.prepare('SELECT nonce FROM used_nonces WHERE nonce = ?').get(nonce);
}

/** Settles when `done` was called for every item pushed so far (the queue delivers in order). */
function pushAll(q: CommitQueue, runs: (() => unknown)[]): Promise<({ ok: true; value: unknown } | { ok: false; error: unknown })[]> {
  return Promise.all(runs.map((run) => new Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }>((resolve) => q.push({ run, done: resolve }))));
}

describe('group commit (CommitQueue)', () => {
  it('a failing item is undone alone: the items before and after it commit and see each other', async () => {
    const store = openSecurityStore(path.join(dir, 'security.db'));
    try {
      const q = new CommitQueue(store);
      const exp = 1767225600000;
      const results = await pushAll(q, [
        () => store.nonces.insert('k1', 'nonce-a-0123456789abcdef', exp),
        () => {
          store.nonces.insert('k1', 'nonce-b-0123456789abcdef', exp);
          throw new Error('item failed after a write');
        },
        // Sees the first item's nonce: a replay inside one batch is still a replay.
        () => store.nonces.insert('k1', 'nonce-a-0123456789abcdef', exp),
        () => store.nonces.insert('k1', 'nonce-c-0123456789abcdef', exp),
      ]);
      expect(results.map((r) => (r.ok ? r.value : (r.error as Error).message))).toEqual([true, 'item failed after a write', false, true]);
      expect(nonceRow(store, 'nonce-a-0123456789abcdef')).toBeDefined();
      expect(nonceRow(store, 'nonce-b-0123456789abcdef')).toBeUndefined();
      expect(nonceRow(store, 'nonce-c-0123456789abcdef')).toBeDefined();
    } finally {
      store.close();
    }
  });

  it('delivers results only once their `durable` has resolved, in batch order', async () => {
    const store = openSecurityStore(path.join(dir, 'security.db'));
    try {
      const releases: (() => void)[] = [];
      const q = new CommitQueue(store, { durable: () => new Promise<void>((r) => releases.push(r)) });
      const delivered: string[] = [];
      q.push({ run: () => store.nonces.insert('k1', 'nonce-d-0123456789abcdef', 1), done: () => delivered.push('first') });
      await new Promise((r) => setImmediate(r));
      // Committed (visible to this connection) but not yet on disk: nothing delivered.
      expect(nonceRow(store, 'nonce-d-0123456789abcdef')).toBeDefined();
      expect(delivered).toEqual([]);
      // The next batch does not wait for the first one's sync; its results wait for both.
      q.push({ run: () => store.nonces.insert('k1', 'nonce-e-0123456789abcdef', 1), done: () => delivered.push('second') });
      await new Promise((r) => setImmediate(r));
      expect(nonceRow(store, 'nonce-e-0123456789abcdef')).toBeDefined();
      expect(releases).toHaveLength(2);
      releases[1]!();
      await new Promise((r) => setImmediate(r));
      expect(delivered).toEqual([]);
      releases[0]!();
      await new Promise((r) => setImmediate(r));
      expect(delivered).toEqual(['first', 'second']);
    } finally {
      store.close();
    }
  });

  it('holds new batches while `hold` returns a promise (a WAL checkpoint barrier)', async () => {
    const store = openSecurityStore(path.join(dir, 'security.db'));
    try {
      let release!: () => void;
      let held: Promise<void> | undefined = new Promise<void>((r) => (release = r));
      const q = new CommitQueue(store, { hold: () => held });
      const delivered: string[] = [];
      q.push({ run: () => store.nonces.insert('k1', 'nonce-h-0123456789abcdef', 1), done: () => delivered.push('held') });
      await new Promise((r) => setImmediate(r));
      expect(nonceRow(store, 'nonce-h-0123456789abcdef')).toBeUndefined();
      held = undefined;
      release();
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(nonceRow(store, 'nonce-h-0123456789abcdef')).toBeDefined();
      expect(delivered).toEqual(['held']);
    } finally {
      store.close();
    }
  });

  it('a lazy item rides along with the next batch', async () => {
    const store = openSecurityStore(path.join(dir, 'security.db'));
    try {
      const q = new CommitQueue(store, { lazyDelayMs: 60_000 });
      const order: string[] = [];
      q.pushLazy({ run: () => store.nonces.insert('k1', 'nonce-lazy-0123456789abcd', 1), done: () => order.push('lazy') });
      await new Promise((r) => setImmediate(r));
      expect(nonceRow(store, 'nonce-lazy-0123456789abcd')).toBeUndefined();
      await pushAll(q, [() => order.push('batch')]);
      expect(nonceRow(store, 'nonce-lazy-0123456789abcd')).toBeDefined();
      // Delivered with the batch it was committed in.
      expect(order).toEqual(['batch', 'lazy']);
      q.close();
    } finally {
      store.close();
    }
  });
});

describe('WalSync', () => {
  it('runs the connection with synchronous=NORMAL while it syncs the WAL itself, and gives FULL back on close', async () => {
    const store = openSecurityStore(path.join(dir, 'security.db'));
    try {
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
      const sync = new WalSync(store.db);
      expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
      store.transaction(() => store.nonces.insert('k1', 'nonce-w-0123456789abcdef', 1));
      await Promise.all([sync.sync(), sync.sync(), sync.sync()]);
      await sync.close();
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      store.close();
    }
  });
});

describe('WalSync barrier', () => {
  it('once a barrier is wanted, the next sync also waits for one checkpoint pass, and writers are held until it is done', async () => {
    const store = openSecurityStore(path.join(dir, 'security.db'));
    const sync = new WalSync(store.db);
    try {
      const releases: (() => void)[] = [];
      sync.setBarrier(() => new Promise<void>((r) => releases.push(r)));
      store.transaction(() => store.nonces.insert('k1', 'nonce-b1-0123456789abcdef', 1));
      await sync.sync();
      expect(releases).toHaveLength(0);
      expect(sync.holding()).toBeUndefined();
      sync.wantBarrier();
      store.transaction(() => store.nonces.insert('k1', 'nonce-b2-0123456789abcdef', 1));
      let synced = false;
      const p = sync.sync().then(() => (synced = true));
      expect(releases).toHaveLength(1);
      expect(sync.holding()).toBeDefined();
      await new Promise((r) => setImmediate(r));
      expect(synced).toBe(false);
      releases[0]!();
      await p;
      expect(sync.holding()).toBeUndefined();
      store.transaction(() => store.nonces.insert('k1', 'nonce-b3-0123456789abcdef', 1));
      await sync.sync();
      expect(releases).toHaveLength(1);
    } finally {
      await sync.close();
      store.close();
    }
  });
});

describe('candlekeep serve write path', () => {
  async function serve(clock: TestClock): Promise<RunningGateway> {
    return startGateway({ home: dir, config: parseGatewayConfig({}), env: { CANDLEKEEP_MASTER_KEY: MASTER.toString('base64') }, host: '127.0.0.1', port: 0, clock });
  }
  function sendV1(port: number) {
    return raw(port, {
      method: 'POST', target: '/v1/orders', body: V1.body,
      headers: { 'CK-Key-Id': V1.keyId, 'CK-Timestamp': String(V1.ts), 'CK-Nonce': V1.nonce, 'CK-Signature': V1.signature, 'content-type': 'application/json' },
    });
  }

  it('answers V1 only after its nonce is committed, hands the order to the paper book, and refuses the replay after a restart', async () => {
    const setup = openSecurityStore(homePaths(dir).securityDb);
    new Keyring(setup, new SecretBox(MASTER)).create({ principal: 'alice', scopes: 'read,trade', keyId: V1.keyId, secret: V1.secret, now: V1.ts - 60_000, lifetimeMs: null });
    setup.close();
    const clock = new TestClock(V1.ts);
    let gw = await serve(clock);
    try {
      expect((await sendV1(gw.port)).status).toBe(202);
      // Another connection (another process would do the same) already sees the nonce and the intent.
      const other = new Database(homePaths(dir).securityDb, { readonly: true });
      try {
        expect(other.prepare('SELECT count(*) AS n FROM used_nonces WHERE nonce = ?').get(V1.nonce)).toEqual({ n: 1 });
        expect(other.prepare('SELECT count(*) AS n FROM gateway_intents WHERE intent_id = ?').get(V1_INTENT)).toEqual({ n: 1 });
      } finally {
        other.close();
      }
      const intake = gw.intake as PaperOrderIntake;
      await intake.idle();
      for (let i = 0; i < 200 && (await intake.listOrders({})).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect((await intake.listOrders({})).map((o) => [o.intentId, o.status])).toEqual([[V1_INTENT, 'open']]);
    } finally {
      await gw.close();
    }
    clock.t = V1.ts + 1000;
    gw = await serve(clock);
    try {
      const r = await sendV1(gw.port);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'unauthorized', reason: 'nonce_replayed' });
    } finally {
      await gw.close();
    }
  });
});

describe('security schema v2', () => {
  it('moves pending hand-offs to gateway_outbox, drops the client-id index, and old order JSON still re-submits', () => {
    const file = path.join(dir, 'security.db');
    const v1 = openDatabase(file, { synchronous: 'FULL' });
    migrate(v1, 'security', SECURITY_MIGRATIONS.filter((m) => m.version === 1));
    const order = (intentId: string) => {
      const intent = gatewayIntent('alice', intentId);
      // Schema v1 rows hold the whole IntakeOrder.
      return { intentId, symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.001', price: '30000', principal: 'alice', source: 'api', intent, clientOrderId: clientOrderId(intent), receivedAt: 5 };
    };
    const ins = v1.prepare(`INSERT INTO gateway_intents (principal, intent_id, body_sha256, client_order_id, source, order_json, response, created_at, handed_off)
      VALUES ('alice', ?, 'sha', ?, 'api', ?, '{}', 5, ?)`);
    ins.run('pending-1', order('pending-1').clientOrderId, JSON.stringify(order('pending-1')), 0);
    ins.run('done-1', order('done-1').clientOrderId, JSON.stringify(order('done-1')), 1);
    v1.close();

    const store = openSecurityStore(file);
    try {
      expect(store.intents.get('alice', 'pending-1')?.handedOff).toBe(false);
      expect(store.intents.get('alice', 'done-1')?.handedOff).toBe(true);
      const pending = store.intents.pendingHandoff(10);
      expect(pending.map((p) => p.intentId)).toEqual(['pending-1']);
      expect(orderFromStored(pending[0]!)).toEqual(order('pending-1'));
      const indexes = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('gateway_intents', 'audit_log') ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      expect(indexes).toEqual(['audit_log_key_expired']);
      store.transaction(() => store.intents.markHandedOff('alice', 'pending-1'));
      expect(store.intents.pendingHandoff(10)).toEqual([]);
    } finally {
      store.close();
    }
  });
});
