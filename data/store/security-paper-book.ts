import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { Statement } from 'better-sqlite3';
import { openDatabase, migrate, type Db } from './db.js';
import { transactionRunner } from './security-tx.js';
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

/** The paper book's writes (this connection's statements and the writer thread's). */
const INSERT_SQL = `INSERT OR IGNORE INTO paper_orders (client_order_id, intent_id, principal, source, symbol, side, type, amount, price, status, filled_amount, average_price, reason, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted', 0, NULL, NULL, ?, ?)`;
const UPDATE_SQL = `UPDATE paper_orders SET status = ?, filled_amount = ?, average_price = ?, reason = ?, updated_at = ?
      WHERE client_order_id = ?`;
const SET_STATE_SQL = 'INSERT INTO paper_state (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value';

/**
 * The paper book behind `candlekeep serve` until a live broker is plugged into the order intake port:
 * orders keyed by client order id (so a re-submitted intent is a no-op) and a small state table (paused).
 * Its own file (`<home>/paper-book.db`, synchronous=FULL), separate from the security database. `candlekeep serve`
 * moves its writes to a writer thread (`writeOffThread()`; the intake then writes with commitDurable/setStateDurable
 * and acknowledges nothing before they resolve); this connection then only reads.
 */
export class SqlitePaperBook {
  readonly #insert: Statement;
  readonly #update: Statement;
  readonly #get: Statement;
  readonly #getState: Statement;
  readonly #setState: Statement;
  readonly #filled: Statement;
  readonly #byStatus: Statement;
  #writer: PaperBookWriter | undefined;
  readonly #tx: <T>(fn: () => T) => T;

  constructor(readonly db: Db) {
    this.#insert = db.prepare(INSERT_SQL);
    this.#update = db.prepare(UPDATE_SQL);
    this.#tx = transactionRunner(db);
    this.#get = db.prepare('SELECT * FROM paper_orders WHERE client_order_id = ?');
    this.#getState = db.prepare('SELECT value FROM paper_state WHERE name = ?');
    this.#setState = db.prepare(SET_STATE_SQL);
    this.#filled = db.prepare("SELECT * FROM paper_orders WHERE filled_amount > 0 ORDER BY updated_at, rowid");
    this.#byStatus = db.prepare('SELECT * FROM paper_orders WHERE status = ? ORDER BY rowid');
  }

  /** One transaction: inserts new orders (an existing client order id is skipped) and applies updates; returns the inserted orders. */
  commit(orders: readonly IntakeOrder[], updates: readonly PaperOrderUpdate[]): IntakeOrder[] {
    return this.#tx(() => {
      const fresh: IntakeOrder[] = [];
      for (const o of orders) {
        if (this.#insert.run(o.clientOrderId, o.intentId, o.principal, o.source, o.symbol, o.side, o.type, o.amount, o.price, o.receivedAt, o.receivedAt).changes === 1) fresh.push(o);
      }
      for (const r of updates) this.#update.run(r.status, r.filledAmount, r.averagePrice, r.reason, r.updatedAt, r.clientOrderId);
      return fresh;
    });
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
  /**
   * Writes move to a worker thread with its own connection (synchronous=FULL, its own automatic checkpoints): the
   * event loop only posts each batch, and `commitDurable` / `setStateDurable` resolve once the transaction is on
   * disk. This connection then only reads (WAL: it sees every committed write). If the worker fails, writes fall
   * back to this connection.
   */
  writeOffThread(): void {
    this.#writer ??= new PaperBookWriter(this.db.name);
  }
  commitDurable(orders: readonly IntakeOrder[], updates: readonly PaperOrderUpdate[]): Promise<IntakeOrder[]> {
    const w = this.#writer;
    if (w === undefined || w.failed) return this.#commitHere(orders, updates);
    return w.commit(orders, updates).then(
      (inserted) => orders.filter((_, i) => inserted[i] === 1),
      (e: unknown) => (w.failed ? this.#commitHere(orders, updates) : Promise.reject(e)),
    );
  }
  setStateDurable(name: string, value: string): Promise<void> {
    const w = this.#writer;
    if (w === undefined || w.failed) return this.#setStateHere(name, value);
    return w.setState(name, value).catch((e: unknown) => (w.failed ? this.#setStateHere(name, value) : Promise.reject(e)));
  }
  /** The fallback: on this connection (synchronous=FULL: on disk when COMMIT returns). */
  async #commitHere(orders: readonly IntakeOrder[], updates: readonly PaperOrderUpdate[]): Promise<IntakeOrder[]> {
    return this.commit(orders, updates);
  }
  async #setStateHere(name: string, value: string): Promise<void> {
    this.setState(name, value);
  }
  async close(): Promise<void> {
    await this.#writer?.close();
    if (this.db.open) this.db.close();
  }
}

/** The paper book's writer thread (CommonJS, evaluated): one connection, the same statements as SqlitePaperBook. */
const WRITER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true, timeout: 5000 });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
const insert = db.prepare(workerData.insertSql);
const update = db.prepare(workerData.updateSql);
const setState = db.prepare(workerData.setStateSql);
const commit = db.transaction((orders, updates) => {
  const inserted = new Array(orders.length / 10);
  for (let i = 0, j = 0; i < orders.length; i += 10, j++) {
    inserted[j] = insert.run(orders[i], orders[i + 1], orders[i + 2], orders[i + 3], orders[i + 4], orders[i + 5], orders[i + 6], orders[i + 7], orders[i + 8], orders[i + 9], orders[i + 9]).changes;
  }
  for (let i = 0; i < updates.length; i += 6) update.run(updates[i], updates[i + 1], updates[i + 2], updates[i + 3], updates[i + 4], updates[i + 5]);
  return inserted;
});
parentPort.on('message', (m) => {
  if (m.cmd === 'close') {
    db.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  try {
    if (m.cmd === 'commit') parentPort.postMessage({ id: m.id, inserted: commit.immediate(m.orders, m.updates) });
    else if (m.cmd === 'state') {
      setState.run(m.name, m.value);
      parentPort.postMessage({ id: m.id });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

type WriterReply = { id?: number; inserted?: number[]; error?: string; closed?: boolean };

/** Posts paper-book writes to the writer thread; replies come back in order, each once its transaction is on disk. */
class PaperBookWriter {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (r: WriterReply) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #exited = false;
  /** The worker died or failed to start: its writes are refused and the caller writes on its own connection. */
  failed = false;

  constructor(file: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WRITER_CODE, { eval: true, workerData: { driver, file, insertSql: INSERT_SQL, updateSql: UPDATE_SQL, setStateSql: SET_STATE_SQL } });
    this.#worker.unref();
    this.#worker.on('message', (m: WriterReply) => {
      if (m.id === undefined) return;
      const w = this.#waiting.get(m.id);
      this.#waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m);
    });
    const fail = (e: Error) => {
      this.failed = true;
      for (const w of this.#waiting.values()) w.reject(e);
      this.#waiting.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', () => {
      this.#exited = true;
      fail(new Error('the paper book writer stopped'));
    });
  }

  #post(m: Record<string, unknown>): Promise<WriterReply> {
    if (this.failed) return Promise.reject(new Error('the paper book writer stopped'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ ...m, id });
    }).finally(() => {
      if (this.#waiting.size === 0) this.#worker.unref();
    }) as Promise<WriterReply>;
  }

  /** Resolves with 1 (inserted) or 0 (the client order id existed) per order. */
  commit(orders: readonly IntakeOrder[], updates: readonly PaperOrderUpdate[]): Promise<number[]> {
    // Flat arrays: one structured clone of a few strings per order instead of an object graph.
    const o: unknown[] = new Array(orders.length * 10);
    let i = 0;
    for (const x of orders) {
      o[i++] = x.clientOrderId; o[i++] = x.intentId; o[i++] = x.principal; o[i++] = x.source; o[i++] = x.symbol;
      o[i++] = x.side; o[i++] = x.type; o[i++] = x.amount; o[i++] = x.price; o[i++] = x.receivedAt;
    }
    const u: unknown[] = new Array(updates.length * 6);
    i = 0;
    for (const r of updates) {
      u[i++] = r.status; u[i++] = r.filledAmount; u[i++] = r.averagePrice; u[i++] = r.reason; u[i++] = r.updatedAt; u[i++] = r.clientOrderId;
    }
    return this.#post({ cmd: 'commit', orders: o, updates: u }).then((r) => r.inserted!);
  }

  setState(name: string, value: string): Promise<void> {
    return this.#post({ cmd: 'state', name, value }).then(() => {});
  }

  /** Waits for the writes posted so far, then closes the worker's connection. */
  async close(): Promise<void> {
    if (this.#exited) return;
    await Promise.allSettled([...this.#waiting.keys()].map((id) => new Promise<void>((r) => {
      const w = this.#waiting.get(id);
      if (!w) return r();
      this.#waiting.set(id, { resolve: (m) => (w.resolve(m), r()), reject: (e) => (w.reject(e), r()) });
    })));
    if (this.#exited) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => void this.#worker.terminate().then(() => resolve()), 5000);
      this.#worker.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      this.#worker.on('message', (m: WriterReply) => {
        if (m.closed) void this.#worker.terminate();
      });
      this.#worker.postMessage({ cmd: 'close' });
    });
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
