import type { Db } from './db.js';

/**
 * A write-transaction runner for one connection: `run(fn)` is `db.transaction(fn).immediate()` (or a savepoint when
 * a transaction is already open), with the same commit/rollback rules as better-sqlite3's, but without building a new
 * wrapper function per call (the group commits call it hundreds of times a second).
 */
export function transactionRunner(db: Db): <T>(fn: () => T) => T {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT ck_tx');
  const release = db.prepare('RELEASE ck_tx');
  const rollbackTo = db.prepare('ROLLBACK TO ck_tx');
  return <T>(fn: () => T): T => {
    const nested = db.inTransaction;
    (nested ? savepoint : begin).run();
    try {
      const result = fn();
      if (result && typeof (result as { then?: unknown }).then === 'function') throw new TypeError('Transaction function cannot return a promise');
      (nested ? release : commit).run();
      return result;
    } catch (ex) {
      // SQLite may have rolled the whole transaction back already (e.g. SQLITE_FULL); otherwise undo it here.
      if (db.inTransaction) {
        if (nested) {
          rollbackTo.run();
          release.run();
        } else rollback.run();
      }
      throw ex;
    }
  };
}
