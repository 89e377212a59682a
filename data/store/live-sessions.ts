import type { Db } from './db.js';
import type { SessionFill, SessionRow } from './order-journal.js';

type RawSession = {
  id: string; mode: 'paper' | 'live'; strategy: string; params: string; instruments: string; timeframe: string;
  account_id: string; started_at: number; ended_at: number | null; status: SessionRow['status']; first_bar: number | null; last_bar: number | null;
};

function fromRaw(r: RawSession): SessionRow {
  return {
    id: r.id, mode: r.mode, strategy: r.strategy, params: r.params, instruments: r.instruments, timeframe: r.timeframe,
    accountId: r.account_id, startedAt: r.started_at, endedAt: r.ended_at, status: r.status, firstBar: r.first_bar, lastBar: r.last_bar,
  };
}

export type ControlCommand = 'pause' | 'resume' | 'flatten' | 'stop';

/** Paper/live sessions, their fills (for `live diff`) and the control queue (`live pause|resume|flatten`). Tables from openTradingDb. */
export class LiveSessions {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  start(s: Omit<SessionRow, 'endedAt' | 'status' | 'firstBar' | 'lastBar'>): void {
    this.db.prepare(`INSERT INTO sessions (id, mode, strategy, params, instruments, timeframe, account_id, started_at, status)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')`).run(s.id, s.mode, s.strategy, s.params, s.instruments, s.timeframe, s.accountId, s.startedAt);
  }

  barSeen(id: string, openTime: number): void {
    this.db.prepare('UPDATE sessions SET first_bar = COALESCE(first_bar, ?), last_bar = ? WHERE id = ?').run(openTime, openTime, id);
  }

  end(id: string, status: 'stopped' | 'crashed'): void {
    this.db.prepare('UPDATE sessions SET ended_at = ?, status = ? WHERE id = ?').run(this.now(), status, id);
  }

  get(id: string): SessionRow | undefined {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as RawSession | undefined;
    return r ? fromRaw(r) : undefined;
  }

  list(): SessionRow[] {
    return (this.db.prepare('SELECT * FROM sessions ORDER BY started_at DESC').all() as RawSession[]).map(fromRaw);
  }

  /** The running session, or the newest one. */
  latest(): SessionRow | undefined {
    const r = this.db.prepare(`SELECT * FROM sessions ORDER BY (status = 'running') DESC, started_at DESC LIMIT 1`).get() as RawSession | undefined;
    return r ? fromRaw(r) : undefined;
  }

  addFill(f: SessionFill): void {
    this.db.prepare(`INSERT INTO session_fills (session_id, client_order_id, instrument, side, amount, price, fee, time)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(f.sessionId, f.clientOrderId, f.instrument, f.side, f.amount, f.price, f.fee, f.time);
  }

  fills(sessionId: string): SessionFill[] {
    return (this.db.prepare(`SELECT session_id AS sessionId, client_order_id AS clientOrderId, instrument, side, amount, price, fee, time
      FROM session_fills WHERE session_id = ? ORDER BY seq`).all(sessionId) as SessionFill[]);
  }

  /** A closed trade of the session (ClosedTrade as JSON), for `live diff`. */
  addTrade(sessionId: string, trade: object): void {
    this.db.prepare('INSERT INTO session_trades (session_id, trade) VALUES (?, ?)').run(sessionId, JSON.stringify(trade));
  }

  trades<T>(sessionId: string): T[] {
    return (this.db.prepare('SELECT trade FROM session_trades WHERE session_id = ? ORDER BY seq').all(sessionId) as { trade: string }[]).map((r) => JSON.parse(r.trade) as T);
  }

  /** Queues a control command for a running session (the CLI and the bot are separate processes). */
  enqueue(sessionId: string, command: ControlCommand): void {
    this.db.prepare('INSERT INTO session_controls (session_id, command, at) VALUES (?, ?, ?)').run(sessionId, command, this.now());
  }

  /** Takes pending commands for a session, marking them done in the same transaction. */
  takeCommands(sessionId: string): ControlCommand[] {
    return this.db.transaction(() => {
      const rows = this.db.prepare('SELECT seq, command FROM session_controls WHERE session_id = ? AND done_at IS NULL ORDER BY seq').all(sessionId) as { seq: number; command: ControlCommand }[];
      if (rows.length) this.db.prepare('UPDATE session_controls SET done_at = ? WHERE session_id = ? AND done_at IS NULL').run(this.now(), sessionId);
      return rows.map((r) => r.command);
    })();
  }
}
