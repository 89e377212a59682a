import fs from 'node:fs';
import { openDatabase, migrate, dbError, type Db } from './db.js';
import { SECURITY_MIGRATIONS } from './security-schema.js';
import { SqliteKeyStore } from './security-keys.js';
import { SqliteNonceStore } from './security-nonces.js';
import { SqliteAuditLog } from './security-audit.js';
import { SqliteIntentStore } from './security-intents.js';
import { SqliteTvStore } from './security-tv.js';
import { transactionRunner } from './security-tx.js';
import type { SecurityStore } from './security-types.js';

/**
 * Opens the security database (`homePaths(home).securityDb`): WAL, synchronous=FULL (a crash or restart
 * inside the replay window must not lose a nonce), migrations of component "security".
 */
export function openSecurityStore(file: string): SqliteSecurityStore {
  const db = openDatabase(file, { synchronous: 'FULL' });
  try {
    migrate(db, 'security', SECURITY_MIGRATIONS);
  } catch (e) {
    db.close();
    throw dbError(file, e);
  }
  try {
    fs.chmodSync(file, 0o600);
  } catch {
    // best effort: the file holds no secret in the clear
  }
  return new SqliteSecurityStore(file, db);
}

export class SqliteSecurityStore implements SecurityStore {
  readonly keys: SqliteKeyStore;
  readonly nonces: SqliteNonceStore;
  readonly audit: SqliteAuditLog;
  readonly intents: SqliteIntentStore;
  readonly tv: SqliteTvStore;
  readonly #getMeta;
  readonly #setMeta;
  readonly #dataVersion;
  readonly #run: <T>(fn: () => T) => T;
  /**
   * Changes at the start and end of every outermost transaction run here and whenever a nested one fails (rolled back
   * to its savepoint): what the audit log may cache about the chain's head is valid only while it stays the same.
   */
  #txEpoch = 0;
  /** True while the outermost transaction is one of ours (BEGIN IMMEDIATE: no other writer until it ends). */
  #outerTx = false;

  constructor(readonly file: string, readonly db: Db) {
    this.keys = new SqliteKeyStore(db);
    this.nonces = new SqliteNonceStore(db);
    this.audit = new SqliteAuditLog(db, () => (this.#outerTx ? this.#txEpoch : undefined));
    this.intents = new SqliteIntentStore(db);
    this.tv = new SqliteTvStore(db);
    this.#run = transactionRunner(db);
    this.#getMeta = db.prepare('SELECT value FROM security_meta WHERE name = ?');
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.#setMeta = db.prepare('INSERT INTO security_meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
  }

  /** Runs fn in a write transaction (BEGIN IMMEDIATE); nested calls become savepoints. */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) {
      try {
        return this.#run(fn);
      } catch (e) {
        this.#txEpoch++;
        throw dbError(this.file, e);
      }
    }
    this.#txEpoch++;
    this.#outerTx = true;
    try {
      return this.#run(fn);
    } catch (e) {
      throw dbError(this.file, e);
    } finally {
      this.#outerTx = false;
      this.#txEpoch++;
    }
  }

  keysVersion(): string {
    return `${this.#dataVersion.get() as number}:${this.keys.localWrites}`;
  }

  kekFingerprint(): string | undefined {
    return (this.#getMeta.get('kek_fingerprint') as { value: string } | undefined)?.value;
  }
  setKekFingerprint(fp: string): void {
    this.#setMeta.run('kek_fingerprint', fp);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
