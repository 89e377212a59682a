import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { AuditEvent, AuditInput, AuditLog, AuditRow } from '../../engine/ports/index.js';
import { GENESIS_HASH, auditHash } from '../../engine/signing/audit-chain.js';

/** The append-only audit chain (SIGNING.md 6.7). Appends must run inside a write transaction. */
export class SqliteAuditLog implements AuditLog {
  readonly #insert: Statement;
  readonly #last: Statement;
  readonly #head: Statement;
  readonly #read: Statement;
  readonly #tail: Statement;
  readonly #hasEvent: Statement;
  readonly #hasExpired: Statement;

  /** The chain's head as last appended, valid while `txToken()` returns `#headToken` (see SqliteSecurityStore). */
  #cachedHead: { seq: number; hash: string } | undefined;
  #headToken: number | undefined;

  /**
   * `txToken`: a value that stays the same only within one write transaction (undefined when the caller cannot tell):
   * inside one, the head appended last is the head (BEGIN IMMEDIATE keeps other writers out), so it is not read back.
   */
  constructor(
    private readonly db: Db,
    private readonly txToken: () => number | undefined = () => undefined,
  ) {
    this.#insert = db.prepare(`INSERT INTO audit_log (seq, at, event, principal, key_id, outcome, reason, method, target, body_sha256, remote, detail, prev_hash, hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#last = db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#read = db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#tail = db.prepare('SELECT * FROM (SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?) ORDER BY seq');
    this.#hasEvent = db.prepare('SELECT 1 FROM audit_log WHERE key_id = ? AND event = ? LIMIT 1');
    // The literal event lets SQLite use the partial index audit_log_key_expired (the one lookup on the request path).
    this.#hasExpired = db.prepare("SELECT 1 FROM audit_log WHERE key_id = ? AND event = 'key.expired' LIMIT 1");
  }

  append(e: AuditInput): AuditRow {
    if (!this.db.inTransaction) throw new Error('audit append outside a transaction');
    // The last row is read inside the write transaction, so other writers (CLI key commands) cannot fork the chain;
    // later appends in the same transaction use the head the previous one left.
    const token = this.txToken();
    const last = token !== undefined && token === this.#headToken ? this.#cachedHead : (this.#head.get() as { seq: number; hash: string } | undefined);
    const row: { -readonly [K in keyof AuditRow]: AuditRow[K] } = {
      seq: (last?.seq ?? 0) + 1,
      at: e.at,
      event: e.event,
      principal: e.principal ?? null,
      key_id: e.keyId ?? null,
      outcome: e.outcome,
      reason: e.reason ?? null,
      method: e.method ?? null,
      target: e.target ?? null,
      body_sha256: e.bodySha256 ?? null,
      remote: e.remote ?? null,
      detail: e.detail ?? null,
      prev_hash: last?.hash ?? GENESIS_HASH,
      hash: '',
    };
    row.hash = auditHash(row);
    this.#insert.run(row.seq, row.at, row.event, row.principal, row.key_id, row.outcome, row.reason, row.method, row.target,
      row.body_sha256, row.remote, row.detail, row.prev_hash, row.hash);
    this.#cachedHead = { seq: row.seq, hash: row.hash };
    this.#headToken = token;
    return row;
  }

  read(afterSeq: number, limit: number): AuditRow[] {
    return this.#read.all(afterSeq, limit) as AuditRow[];
  }

  tail(limit: number): AuditRow[] {
    return this.#tail.all(limit) as AuditRow[];
  }

  hasEvent(event: AuditEvent, keyId: string): boolean {
    if (event === 'key.expired') return this.#hasExpired.get(keyId) !== undefined;
    return this.#hasEvent.get(keyId, event) !== undefined;
  }

  last(): AuditRow | undefined {
    return this.#last.get() as AuditRow | undefined;
  }
}
