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
import { gatewayIntent, orderFromStored, toIntakeOrder } from '../../engine/gateway/order-body.js';
import { PaperOrderIntake } from '../../engine/gateway/paper-intake.js';
import { openPaperBook } from '../../data/store/security-paper-book.js';
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
  // synchronous: 2 = FULL, 1 = NORMAL (SQLite's numbers).
  it.each([
    { mode: 'off-thread: runs the connection with synchronous=NORMAL while it syncs the WAL itself', opts: {}, during: 1 },
    { mode: 'commitSyncs (gateway.commitSync "full", the default): keeps synchronous=FULL, so COMMIT itself is on disk', opts: { commitSyncs: true }, during: 2 },
  ])('$mode, and leaves FULL on close', async ({ opts, during }) => {
    const store = openSecurityStore(path.join(dir, 'security.db'));
    try {
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
      const sync = new WalSync(store.db, opts);
      expect(store.db.pragma('synchronous', { simple: true })).toBe(during);
      store.transaction(() => store.nonces.insert('k1', 'nonce-w-0123456789abcdef', 1));
      await Promise.all([sync.sync(), sync.sync(), sync.sync()]);
      await sync.close();
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      store.close();
    }
  });

  it('is what the gateway config chooses by default; "off-thread" is the alternative and anything else is refused by name', () => {
    expect(parseGatewayConfig({}).commitSync).toBe('full');
    expect(parseGatewayConfig({ commitSync: 'off-thread' }).commitSync).toBe('off-thread');
    expect(() => parseGatewayConfig({ commitSync: 'sometimes' })).toThrow(/gateway\.commitSync/);
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
      // (gateway_intents_key: schema v3's index, the table's key since it is a rowid table.)
      expect(indexes).toEqual(['audit_log_key_expired', 'gateway_intents_key']);
      store.transaction(() => store.intents.markHandedOff('alice', 'pending-1'));
      expect(store.intents.pendingHandoff(10)).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('security schema v3', () => {
  it('keeps every intent when gateway_intents becomes a rowid table, and (principal, intentId) stays unique', () => {
    const file = path.join(dir, 'security.db');
    const v2 = openDatabase(file, { synchronous: 'FULL' });
    migrate(v2, 'security', SECURITY_MIGRATIONS.filter((m) => m.version <= 2));
    const ins = v2.prepare(`INSERT INTO gateway_intents (principal, intent_id, body_sha256, client_order_id, source, order_json, response, created_at)
      VALUES (?, ?, 'sha', ?, 'api', '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"0.001","price":"30000"}', '{"r":1}', ?)`);
    ins.run('bob', 'b-1', 'ckb1', 7);
    ins.run('alice', 'a-1', 'cka1', 5);
    ins.run('alice', 'a-2', 'cka2', 6);
    v2.prepare("INSERT INTO gateway_outbox (principal, intent_id) VALUES ('alice', 'a-2')").run();
    v2.close();

    const store = openSecurityStore(file);
    try {
      expect(store.db.prepare("SELECT version FROM schema_versions WHERE component = 'security' ORDER BY version").all()).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
      expect(store.db.prepare('SELECT principal, intent_id, client_order_id, created_at FROM gateway_intents ORDER BY rowid').all()).toEqual([
        { principal: 'alice', intent_id: 'a-1', client_order_id: 'cka1', created_at: 5 },
        { principal: 'alice', intent_id: 'a-2', client_order_id: 'cka2', created_at: 6 },
        { principal: 'bob', intent_id: 'b-1', client_order_id: 'ckb1', created_at: 7 },
      ]);
      expect(store.intents.get('alice', 'a-1')).toEqual({
        principal: 'alice', intentId: 'a-1', bodySha256: 'sha', clientOrderId: 'cka1', source: 'api',
        order: '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"0.001","price":"30000"}', response: '{"r":1}', createdAt: 5, handedOff: true,
      });
      expect(store.intents.pendingHandoff(10).map((p) => p.intentId)).toEqual(['a-2']);
      const again = { principal: 'alice', intentId: 'a-1', bodySha256: 'x', clientOrderId: 'ckx', source: 'api' as const, order: '{}', response: '{}', createdAt: 9, handedOff: true };
      expect(() => store.transaction(() => store.intents.insert(again))).toThrow(/UNIQUE constraint failed: gateway_intents.principal, gateway_intents.intent_id/);
      expect(store.intents.get('alice', 'a-1')?.createdAt).toBe(5);
    } finally {
      store.close();
    }
  });
});

describe('audit chain head within a transaction', () => {
  const row = (n: number) => ({ at: n, event: 'request.accepted' as const, outcome: 'accepted' as const, reason: null, detail: JSON.stringify({ n }) });
  const chain = (store: SqliteSecurityStore) => store.db.prepare('SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq').all() as { seq: number; prev_hash: string; hash: string }[];
  const linked = (rows: { seq: number; prev_hash: string; hash: string }[]) => rows.every((r, i) => i === 0 || (r.prev_hash === rows[i - 1]!.hash && r.seq === rows[i - 1]!.seq + 1));

  it('chains appends of one transaction to each other, and an append undone with its savepoint leaves no gap', () => {
    const store = openSecurityStore(path.join(dir, 'security.db'));
    try {
      store.transaction(() => {
        store.audit.append(row(1));
        expect(() => store.transaction(() => {
          store.audit.append(row(2));
          throw new Error('undo this item');
        })).toThrow('undo this item');
        store.audit.append(row(3));
        store.audit.append(row(4));
      });
      const rows = chain(store);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(linked(rows)).toBe(true);
      expect((store.db.prepare('SELECT detail FROM audit_log ORDER BY seq').all() as { detail: string }[]).map((r) => r.detail)).toEqual(['{"n":1}', '{"n":3}', '{"n":4}']);
    } finally {
      store.close();
    }
  });

  it('reads the head again in the next transaction, so rows another process appended in between are chained to', () => {
    const file = path.join(dir, 'security.db');
    const store = openSecurityStore(file);
    const other = openSecurityStore(file);
    try {
      store.transaction(() => store.audit.append(row(1)));
      other.transaction(() => other.audit.append(row(2)));
      store.transaction(() => {
        store.audit.append(row(3));
        store.audit.append(row(4));
      });
      // A transaction that was rolled back as a whole leaves the head where it was.
      expect(() => store.transaction(() => {
        store.audit.append(row(5));
        throw new Error('roll back');
      })).toThrow('roll back');
      other.transaction(() => other.audit.append(row(6)));
      store.transaction(() => store.audit.append(row(7)));
      const rows = chain(store);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(linked(rows)).toBe(true);
    } finally {
      other.close();
      store.close();
    }
  });
});

describe('WalSync coalescing', () => {
  it('runs one sync at a time: calls made while one runs share the next, which starts after it', async () => {
    const store = openSecurityStore(path.join(dir, 'security.db'));
    const sync = new WalSync(store.db);
    try {
      store.transaction(() => store.nonces.insert('k1', 'nonce-c1-0123456789abcdef', 1));
      const first = sync.sync();
      store.transaction(() => store.nonces.insert('k1', 'nonce-c2-0123456789abcdef', 1));
      const second = sync.sync();
      const third = sync.sync();
      expect(second).toBe(third);
      expect(second).not.toBe(first);
      const order: string[] = [];
      await Promise.all([first.then(() => order.push('first')), second.then(() => order.push('second'))]);
      expect(order).toEqual(['first', 'second']);
      // Nothing running now: the next call starts a sync of its own at once.
      const fourth = sync.sync();
      expect(fourth).not.toBe(second);
      await fourth;
    } finally {
      await sync.close();
      store.close();
    }
  });
});

describe('paper book writer thread', () => {
  const order = (intentId: string, type: 'market' | 'limit' = 'limit') =>
    toIntakeOrder('alice', 'api', { intentId, symbol: 'BTC/USDT', side: 'buy', type, amount: '0.001', price: '30000' }, 5);

  it('commits on its own thread; the reading connection sees each batch once it resolved; close completes posted writes', async () => {
    const file = path.join(dir, 'paper-book.db');
    const book = openPaperBook(file);
    book.writeOffThread();
    const [a, b, c] = [order('w-1'), order('w-2'), order('w-3')];
    try {
      expect((await book.commitDurable([a, b], [])).map((o) => o.intentId)).toEqual(['w-1', 'w-2']);
      const filled = { clientOrderId: b.clientOrderId, status: 'filled' as const, filledAmount: 0.001, averagePrice: 30000, reason: null, updatedAt: 9 };
      // An existing client order id is skipped; the update is applied in the same transaction.
      expect(await book.commitDurable([a], [filled])).toEqual([]);
      expect(book.get(b.clientOrderId)).toMatchObject({ status: 'filled', filledAmount: 0.001, averagePrice: 30000, updatedAt: 9 });
      expect(book.get(a.clientOrderId)).toMatchObject({ status: 'accepted', intentId: 'w-1', principal: 'alice', createdAt: 5 });
      await book.setStateDurable('paused', 'true');
      expect(book.getState('paused')).toBe('true');
      const last = book.commitDurable([c], []);
      await book.close();
      expect((await last).map((o) => o.intentId)).toEqual(['w-3']);
    } finally {
      await book.close();
    }
    const again = openPaperBook(file);
    try {
      expect(again.withStatus('accepted').map((o) => o.intentId)).toEqual(['w-1', 'w-3']);
    } finally {
      await again.close();
    }
  });

  it('the paper intake on the writer thread executes, lists, cancels and pauses as on the reading connection', async () => {
    const file = path.join(dir, 'paper-book.db');
    const book = openPaperBook(file);
    book.writeOffThread();
    const intake = new PaperOrderIntake({ book, clock: new TestClock(1000), cash: 1000, currency: 'USDT', commitIntervalMs: 5 });
    try {
      await Promise.all([intake.submit(order('i-1', 'market')), intake.submit(order('i-2', 'limit')), intake.submit(order('i-1', 'market'))]);
      await intake.idle();
      expect((await intake.listOrders({ limit: 10 })).map((o) => [o.intentId, o.status])).toEqual([['i-1', 'filled'], ['i-2', 'open']]);
      const open = (await intake.listOrders({ status: 'open', limit: 10 }))[0]!;
      expect(await intake.cancel(open.clientOrderId, 'alice')).toMatchObject({ ok: true, order: { status: 'canceled', reason: 'canceled by alice' } });
      expect(await intake.cancel(open.clientOrderId, 'alice')).toEqual({ ok: false, reason: 'not_cancelable' });
      await intake.pause();
      expect(book.getState('paused')).toBe('true');
      expect(await intake.balances()).toEqual([{ currency: 'USDT', total: 970 }, { currency: 'BTC', total: 0.001 }]);
    } finally {
      await intake.close();
    }
  });
});
