import type { Statement } from 'better-sqlite3';
import { openDatabase, migrate, type Db } from './db.js';
import { WalSync } from './security-wal-sync.js';
import type { IntakeOrder, IntakeOrderStatus, IntakeOrderView, OrderFilter } from '../../engine/ports/index.js';

/** A status change of a paper order. */
export type PaperOrderUpdate = {
  readonly clientOrderId: string; readonly status: IntakeOrderStatus; readonly filledAmount: number;
  readonly averagePrice: number | null; readonly reason: string | null; readonly updatedAt: number;
};

type Row = {
  client_order_id: string; intent_id: string; principal: string; source: 'api' | 'tradingview'; symbol: string; side: 'buy' | 'sell';
  type: 'market' | 'limit'; amount: string; price: string | null; status: IntakeOrderStatus; filled_amount: number; average_price: number | null;
  reason: string | null; created_at: number; updated_at: number;
};
const toView = (r: Row): IntakeOrderView => ({
  clientOrderId: r.client_order_id, intentId: r.intent_id, principal: r.principal, source: r.source, symbol: r.symbol, side: r.side, type: r.type,
  amount: r.amount, price: r.price, status: r.status, filledAmount: r.filled_amount, averagePrice: r.average_price, reason: r.reason,
  createdAt: r.created_at, updatedAt: r.updated_at,
});

/**
 * The paper book behind `candlekeep serve` until a live broker is plugged into the order intake port:
 * orders keyed by client order id (so a re-submitted intent is a no-op) and a small state table (paused).
 * Its own file (`<home>/paper-book.db`, synchronous=FULL; `candlekeep serve` moves the sync off the event loop with
 * `syncOffThread()`, and the intake acknowledges nothing before `durable()`), separate from the security database.
 */
export class SqlitePaperBook {
  readonly #insert: Statement;
  readonly #update: Statement;
  readonly #get: Statement;
  readonly #getState: Statement;
  readonly #setState: Statement;
  readonly #filled: Statement;
  readonly #byStatus: Statement;
  #sync: WalSync | undefined;

  constructor(readonly db: Db) {
    this.#insert = db.prepare(`INSERT OR IGNORE INTO paper_orders (client_order_id, intent_id, principal, source, symbol, side, type, amount, price, status, filled_amount, average_price, reason, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted', 0, NULL, NULL, ?, ?)`);
    this.#update = db.prepare(`UPDATE paper_orders SET status = @status, filled_amount = @filledAmount, average_price = @averagePrice, reason = @reason, updated_at = @updatedAt
      WHERE client_order_id = @clientOrderId`);
    this.#get = db.prepare('SELECT * FROM paper_orders WHERE client_order_id = ?');
    this.#getState = db.prepare('SELECT value FROM paper_state WHERE name = ?');
    this.#setState = db.prepare('INSERT INTO paper_state (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
    this.#filled = db.prepare("SELECT * FROM paper_orders WHERE filled_amount > 0 ORDER BY updated_at, rowid");
    this.#byStatus = db.prepare('SELECT * FROM paper_orders WHERE status = ? ORDER BY rowid');
  }

  /** One transaction: inserts new orders (an existing client order id is skipped) and applies updates; returns the inserted orders. */
  commit(orders: readonly IntakeOrder[], updates: readonly PaperOrderUpdate[]): IntakeOrder[] {
    return this.db.transaction(() => {
      const fresh = orders.filter(
        (o) => this.#insert.run(o.clientOrderId, o.intentId, o.principal, o.source, o.symbol, o.side, o.type, o.amount, o.price, o.receivedAt, o.receivedAt).changes === 1,
      );
      for (const r of updates) this.#update.run(r);
      return fresh;
    })();
  }
  get(clientOrderId: string): IntakeOrderView | undefined {
    const r = this.#get.get(clientOrderId) as Row | undefined;
    return r ? toView(r) : undefined;
  }
  list(f: OrderFilter): IntakeOrderView[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.status) { where.push('status = ?'); args.push(f.status); }
    if (f.symbol) { where.push('symbol = ?'); args.push(f.symbol); }
    const sql = `SELECT * FROM (SELECT rowid, * FROM paper_orders ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY rowid DESC LIMIT ?) ORDER BY rowid`;
    return (this.db.prepare(sql).all(...args, f.limit ?? 100) as Row[]).map(toView);
  }
  withStatus(status: IntakeOrderStatus): IntakeOrderView[] {
    return (this.#byStatus.all(status) as Row[]).map(toView);
  }
  filled(): IntakeOrderView[] {
    return (this.#filled.all() as Row[]).map(toView);
  }
  getState(name: string): string | undefined {
    return (this.#getState.get(name) as { value: string } | undefined)?.value;
  }
  setState(name: string, value: string): void {
    this.#setState.run(name, value);
  }
  /** Commits stop waiting for the disk; `durable()` waits for it instead, off the event loop (see WalSync). */
  syncOffThread(): WalSync {
    this.#sync ??= new WalSync(this.db);
    return this.#sync;
  }
  durable(): Promise<void> | undefined {
    return this.#sync?.sync();
  }
  async close(): Promise<void> {
    await this.#sync?.close();
    if (this.db.open) this.db.close();
  }
}

export function openPaperBook(file: string): SqlitePaperBook {
  const db = openDatabase(file, { synchronous: 'FULL' });
  migrate(db, 'paper-book', [
    {
      version: 1,
      up: (d) =>
        d.exec(`CREATE TABLE paper_orders (
          client_order_id TEXT PRIMARY KEY, intent_id TEXT NOT NULL, principal TEXT NOT NULL, source TEXT NOT NULL,
          symbol TEXT NOT NULL, side TEXT NOT NULL, type TEXT NOT NULL, amount TEXT NOT NULL, price TEXT,
          status TEXT NOT NULL, filled_amount REAL NOT NULL, average_price REAL, reason TEXT,
          created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE INDEX paper_orders_status ON paper_orders(status);
        CREATE TABLE paper_state (name TEXT PRIMARY KEY, value TEXT NOT NULL);`),
    },
  ]);
  return new SqlitePaperBook(db);
}
