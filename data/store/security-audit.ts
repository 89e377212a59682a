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

  constructor(private readonly db: Db) {
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
    // The last row is read inside the write transaction, so other writers (CLI key commands) cannot fork the chain.
    const last = this.#head.get() as { seq: number; hash: string } | undefined;
    const row = {
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
    };
    const full: AuditRow = { ...row, hash: auditHash(row) };
    this.#insert.run(full.seq, full.at, full.event, full.principal, full.key_id, full.outcome, full.reason, full.method, full.target,
      full.body_sha256, full.remote, full.detail, full.prev_hash, full.hash);
    return full;
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
