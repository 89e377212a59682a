import type { Db } from './db.js';
import { migrate, openDatabase } from './db.js';

/**
 * Write-ahead order journal (SIGNING.md A4/A5/A6).
 * States: PLANNED → SUBMITTING → ACKED | REJECTED | UNKNOWN → (reconciled) ACKED | FILLED | CANCELED | NOT_PLACED.
 * Every state change is committed (synchronous=FULL) before the exchange request it describes is sent.
 */
export const ORDER_STATES = ['PLANNED', 'SUBMITTING', 'ACKED', 'REJECTED', 'UNKNOWN', 'FILLED', 'CANCELED', 'NOT_PLACED'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** States whose outcome at the exchange is not yet known: reconciled at start-up before any strategy runs. */
export const UNSETTLED_STATES: readonly OrderState[] = ['SUBMITTING', 'UNKNOWN'];
/** States after which the exchange will never fill more of the order. */
export const TERMINAL_STATES: readonly OrderState[] = ['REJECTED', 'FILLED', 'CANCELED', 'NOT_PLACED'];

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit';

export type JournalRow = {
  readonly clientOrderId: string;
  readonly sessionId: string;
  readonly accountId: string;
  readonly exchangeId: string;
  readonly strategyInstanceId: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly barOpenTime: number;
  readonly intentKind: string;
  readonly legIndex: number;
  readonly revision: number;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly amount: number;
  readonly price: number | null;
  readonly state: OrderState;
  readonly exchangeOrderId: string | null;
  /** Exchange-clock time (ccxt nonce()) when the request was last signed; bounds the A6 unknown window. */
  readonly sentExchangeTs: number | null;
  readonly filled: number;
  readonly avgPrice: number | null;
  readonly fee: number;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
};

export type NewIntent = Omit<JournalRow, 'state' | 'exchangeOrderId' | 'sentExchangeTs' | 'filled' | 'avgPrice' | 'fee' | 'attempts' | 'lastError' | 'createdAt' | 'updatedAt'>;

export type StateUpdate = {
  readonly exchangeOrderId?: string | null;
  readonly filled?: number;
  readonly avgPrice?: number | null;
  readonly fee?: number;
  readonly lastError?: string | null;
};

export type SessionRow = {
  readonly id: string;
  readonly mode: 'paper' | 'live';
  readonly strategy: string;
  readonly params: string;
  readonly instruments: string;
  readonly timeframe: string;
  readonly accountId: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly status: 'running' | 'stopped' | 'crashed';
  readonly firstBar: number | null;
  readonly lastBar: number | null;
};

export type SessionFill = {
  readonly sessionId: string;
  readonly clientOrderId: string;
  readonly instrument: string;
  readonly side: OrderSide;
  readonly amount: number;
  readonly price: number;
  readonly fee: number;
  readonly time: number;
};

/** Allowed transitions; anything else is a bug and throws. */
const TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  PLANNED: ['SUBMITTING', 'REJECTED'],
  // SUBMITTING → NOT_PLACED: a definite reject before the matching engine (InvalidNonce/-1021): safe to resend the same id.
  SUBMITTING: ['ACKED', 'REJECTED', 'UNKNOWN', 'FILLED', 'CANCELED', 'NOT_PLACED'],
  ACKED: ['ACKED', 'FILLED', 'CANCELED', 'UNKNOWN'],
  UNKNOWN: ['UNKNOWN', 'ACKED', 'FILLED', 'CANCELED', 'NOT_PLACED', 'REJECTED'],
  // NOT_PLACED: nothing with this id can exist or fill, so the same id may be sent again.
  NOT_PLACED: ['SUBMITTING', 'REJECTED'],
  REJECTED: [],
  FILLED: ['FILLED'],
  CANCELED: ['CANCELED'],
};

const MIGRATIONS = [
  {
    version: 1,
    up: (db: Db) => {
      db.exec(`
        CREATE TABLE order_intents (
          client_order_id TEXT NOT NULL UNIQUE,
          session_id TEXT NOT NULL,
          account_id TEXT NOT NULL,
          exchange_id TEXT NOT NULL,
          strategy_instance_id TEXT NOT NULL,
          symbol TEXT NOT NULL,
          timeframe TEXT NOT NULL,
          bar_open_time INTEGER NOT NULL,
          intent_kind TEXT NOT NULL,
          leg_index INTEGER NOT NULL,
          revision INTEGER NOT NULL,
          side TEXT NOT NULL CHECK (side IN ('buy','sell')),
          type TEXT NOT NULL CHECK (type IN ('market','limit')),
          amount REAL NOT NULL,
          price REAL,
          state TEXT NOT NULL CHECK (state IN ('PLANNED','SUBMITTING','ACKED','REJECTED','UNKNOWN','FILLED','CANCELED','NOT_PLACED')),
          exchange_order_id TEXT,
          sent_exchange_ts INTEGER,
          filled REAL NOT NULL DEFAULT 0,
          avg_price REAL,
          fee REAL NOT NULL DEFAULT 0,
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE INDEX order_intents_state ON order_intents(state);
        CREATE INDEX order_intents_session ON order_intents(session_id);
        CREATE TABLE order_events (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          client_order_id TEXT NOT NULL,
          at INTEGER NOT NULL,
          from_state TEXT,
          to_state TEXT NOT NULL,
          detail TEXT
        );
        CREATE TABLE sessions (
          id TEXT PRIMARY KEY,
          mode TEXT NOT NULL CHECK (mode IN ('paper','live')),
          strategy TEXT NOT NULL,
          params TEXT NOT NULL,
          instruments TEXT NOT NULL,
          timeframe TEXT NOT NULL,
          account_id TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          ended_at INTEGER,
          status TEXT NOT NULL,
          first_bar INTEGER,
          last_bar INTEGER
        );
        CREATE TABLE session_fills (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          session_id TEXT NOT NULL,
          client_order_id TEXT NOT NULL,
          instrument TEXT NOT NULL,
          side TEXT NOT NULL,
          amount REAL NOT NULL,
          price REAL NOT NULL,
          fee REAL NOT NULL,
          time INTEGER NOT NULL
        );
        CREATE TABLE session_trades (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          session_id TEXT NOT NULL,
          trade TEXT NOT NULL
        );
        CREATE TABLE session_controls (
          session_id TEXT NOT NULL,
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          command TEXT NOT NULL CHECK (command IN ('pause','resume','flatten','stop')),
          at INTEGER NOT NULL,
          done_at INTEGER
        );
        CREATE TABLE kraken_nonces (
          key_id TEXT PRIMARY KEY,
          last_nonce INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    up: (db: Db) => {
      db.exec(`
        -- Settings of an account's order intake that must survive a restart (the gateway's pause).
        CREATE TABLE intake_state (
          account_id TEXT NOT NULL,
          name       TEXT NOT NULL,
          value      TEXT NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (account_id, name)
        );
      `);
    },
  },
];

type RawRow = {
  client_order_id: string; session_id: string; account_id: string; exchange_id: string; strategy_instance_id: string;
  symbol: string; timeframe: string; bar_open_time: number; intent_kind: string; leg_index: number; revision: number;
  side: OrderSide; type: OrderType; amount: number; price: number | null; state: OrderState; exchange_order_id: string | null;
  sent_exchange_ts: number | null; filled: number; avg_price: number | null; fee: number; attempts: number;
  last_error: string | null; created_at: number; updated_at: number;
};

function fromRaw(r: RawRow): JournalRow {
  return {
    clientOrderId: r.client_order_id, sessionId: r.session_id, accountId: r.account_id, exchangeId: r.exchange_id,
    strategyInstanceId: r.strategy_instance_id, symbol: r.symbol, timeframe: r.timeframe, barOpenTime: r.bar_open_time,
    intentKind: r.intent_kind, legIndex: r.leg_index, revision: r.revision, side: r.side, type: r.type, amount: r.amount,
    price: r.price, state: r.state, exchangeOrderId: r.exchange_order_id, sentExchangeTs: r.sent_exchange_ts,
    filled: r.filled, avgPrice: r.avg_price, fee: r.fee, attempts: r.attempts, lastError: r.last_error,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** Opens homePaths(home).tradingDb with synchronous=FULL and the journal schema. */
export function openTradingDb(file: string): Db {
  const db = openDatabase(file, { synchronous: 'FULL' });
  migrate(db, 'order-journal', MIGRATIONS);
  return db;
}

export class OrderJournal {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #owns: boolean;
  readonly #get;
  readonly #insert;
  readonly #event;

  /** `db` from openTradingDb, or a file path (opened and closed by the journal). `now` stamps rows (wall clock). */
  constructor(db: Db | string, now: () => number = Date.now) {
    this.#owns = typeof db === 'string';
    this.#db = typeof db === 'string' ? openTradingDb(db) : db;
    this.#now = now;
    this.#get = this.#db.prepare('SELECT * FROM order_intents WHERE client_order_id = ?');
    this.#insert = this.#db.prepare(`INSERT INTO order_intents (client_order_id, session_id, account_id, exchange_id,
      strategy_instance_id, symbol, timeframe, bar_open_time, intent_kind, leg_index, revision, side, type, amount, price,
      state, created_at, updated_at) VALUES (@clientOrderId, @sessionId, @accountId, @exchangeId, @strategyInstanceId, @symbol,
      @timeframe, @barOpenTime, @intentKind, @legIndex, @revision, @side, @type, @amount, @price, 'PLANNED', @now, @now)`);
    this.#event = this.#db.prepare('INSERT INTO order_events (client_order_id, at, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?)');
  }

  get db(): Db {
    return this.#db;
  }

  /** A persisted setting of an account's order intake (e.g. `paused`), or undefined. */
  intakeState(accountId: string, name: string): string | undefined {
    const r = this.#db.prepare('SELECT value FROM intake_state WHERE account_id = ? AND name = ?').get(accountId, name) as { value: string } | undefined;
    return r?.value;
  }

  /** Sets (durably: the trading DB is synchronous=FULL) or clears (`undefined`) an intake setting. */
  setIntakeState(accountId: string, name: string, value: string | undefined): void {
    if (value === undefined) this.#db.prepare('DELETE FROM intake_state WHERE account_id = ? AND name = ?').run(accountId, name);
    else {
      this.#db
        .prepare('INSERT INTO intake_state (account_id, name, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(account_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
        .run(accountId, name, value, this.#now());
    }
  }

  get(clientOrderId: string): JournalRow | undefined {
    const r = this.#get.get(clientOrderId) as RawRow | undefined;
    return r ? fromRaw(r) : undefined;
  }

  /**
   * Records a new intent as PLANNED. When the client id is already journaled (the same bar handled twice,
   * a restart mid-bar) nothing is written and the existing row is returned with `created: false`.
   */
  plan(intent: NewIntent): { row: JournalRow; created: boolean } {
    return this.#db.transaction(() => {
      const existing = this.get(intent.clientOrderId);
      if (existing) return { row: existing, created: false };
      this.#insert.run({ ...intent, now: this.#now() });
      this.#event.run(intent.clientOrderId, this.#now(), null, 'PLANNED', null);
      return { row: this.get(intent.clientOrderId)!, created: true };
    })();
  }

  /**
   * PLANNED and SUBMITTING in one commit (one fsync on the hot path): the intent is journaled as being sent
   * with its exchange-clock send time before the request leaves. Returns undefined when the id already exists.
   */
  planSubmitting(intent: NewIntent, sentExchangeTs: number): JournalRow | undefined {
    return this.#db.transaction(() => {
      if (this.#get.get(intent.clientOrderId)) return undefined;
      const now = this.#now();
      this.#insert.run({ ...intent, now });
      this.#event.run(intent.clientOrderId, now, null, 'PLANNED', null);
      this.#db.prepare(`UPDATE order_intents SET state = 'SUBMITTING', sent_exchange_ts = ?, attempts = 1, updated_at = ? WHERE client_order_id = ?`).run(sentExchangeTs, now, intent.clientOrderId);
      this.#event.run(intent.clientOrderId, now, 'PLANNED', 'SUBMITTING', `sentExchangeTs=${sentExchangeTs}`);
      return this.get(intent.clientOrderId)!;
    })();
  }

  /** Commits SUBMITTING with the exchange-clock send time, before the request leaves. */
  markSubmitting(clientOrderId: string, sentExchangeTs: number): JournalRow {
    return this.#db.transaction(() => {
      const row = this.#require(clientOrderId);
      this.#check(row.state, 'SUBMITTING', clientOrderId);
      this.#db.prepare(`UPDATE order_intents SET state = 'SUBMITTING', sent_exchange_ts = ?, attempts = attempts + 1,
        updated_at = ? WHERE client_order_id = ?`).run(sentExchangeTs, this.#now(), clientOrderId);
      this.#event.run(clientOrderId, this.#now(), row.state, 'SUBMITTING', `sentExchangeTs=${sentExchangeTs}`);
      return this.get(clientOrderId)!;
    })();
  }

  /** Moves a row to `to`, merging exchange facts; throws on a transition the state machine does not allow. */
  transition(clientOrderId: string, to: OrderState, update: StateUpdate = {}, detail?: string): JournalRow {
    return this.#db.transaction(() => {
      const row = this.#require(clientOrderId);
      this.#check(row.state, to, clientOrderId);
      this.#db.prepare(`UPDATE order_intents SET state = ?, exchange_order_id = COALESCE(?, exchange_order_id),
        filled = COALESCE(?, filled), avg_price = COALESCE(?, avg_price), fee = COALESCE(?, fee),
        last_error = CASE WHEN ? THEN ? ELSE last_error END, updated_at = ? WHERE client_order_id = ?`).run(
        to, update.exchangeOrderId ?? null, update.filled ?? null, update.avgPrice ?? null, update.fee ?? null,
        update.lastError !== undefined ? 1 : 0, update.lastError ?? null, this.#now(), clientOrderId,
      );
      if (row.state !== to || detail) this.#event.run(clientOrderId, this.#now(), row.state, to, detail ?? null);
      return this.get(clientOrderId)!;
    })();
  }

  /** Rows whose outcome is unknown (SUBMITTING, UNKNOWN), oldest first. */
  unsettled(): JournalRow[] {
    return (this.#db.prepare(`SELECT * FROM order_intents WHERE state IN ('SUBMITTING','UNKNOWN') ORDER BY created_at, rowid`).all() as RawRow[]).map(fromRaw);
  }

  /** Orders that may still fill (ACKED), for open-order reconciliation. */
  open(): JournalRow[] {
    return (this.#db.prepare(`SELECT * FROM order_intents WHERE state = 'ACKED' ORDER BY created_at, rowid`).all() as RawRow[]).map(fromRaw);
  }

  bySession(sessionId: string): JournalRow[] {
    return (this.#db.prepare('SELECT * FROM order_intents WHERE session_id = ? ORDER BY created_at, rowid').all(sessionId) as RawRow[]).map(fromRaw);
  }

  all(): JournalRow[] {
    return (this.#db.prepare('SELECT * FROM order_intents ORDER BY created_at, rowid').all() as RawRow[]).map(fromRaw);
  }

  events(clientOrderId: string): { at: number; from: OrderState | null; to: OrderState; detail: string | null }[] {
    return (this.#db.prepare('SELECT at, from_state AS "from", to_state AS "to", detail FROM order_events WHERE client_order_id = ? ORDER BY seq').all(clientOrderId) as {
      at: number; from: OrderState | null; to: OrderState; detail: string | null;
    }[]);
  }

  close(): void {
    if (this.#owns) this.#db.close();
  }

  #require(id: string): JournalRow {
    const row = this.get(id);
    if (!row) throw new Error(`order journal: no intent with client order id ${id}`);
    return row;
  }

  #check(from: OrderState, to: OrderState, id: string): void {
    if (!TRANSITIONS[from].includes(to)) throw new Error(`order journal: ${id} cannot go from ${from} to ${to}`);
  }
}
