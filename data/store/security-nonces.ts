import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { NonceStore } from './security-types.js';

/** used_nonces (SIGNING.md 6.4): a primary-key conflict is a replay. */
export class SqliteNonceStore implements NonceStore {
  readonly #insert: Statement;
  readonly #purge: Statement;
  readonly #count: Statement;
  constructor(db: Db) {
    this.#insert = db.prepare('INSERT OR IGNORE INTO used_nonces (key_id, nonce, expires_at) VALUES (?, ?, ?)');
    this.#purge = db.prepare('DELETE FROM used_nonces WHERE expires_at < ?');
    this.#count = db.prepare('SELECT count(*) AS n FROM used_nonces');
  }
  insert(keyId: string, nonce: string, expiresAt: number): boolean {
    return this.#insert.run(keyId, nonce, expiresAt).changes === 1;
  }
  purge(now: number): number {
    return this.#purge.run(now).changes;
  }
  count(): number {
    return (this.#count.get() as { n: number }).n;
  }
}
