import type { Db } from './db.js';

/**
 * Kraken nonces (SIGNING.md A2): strictly increasing per API key across restarts and backward clock steps.
 * next() = max(last + 1, now()), committed (synchronous=FULL) before it is returned.
 */
export class PersistedNonce {
  #last: number;
  readonly #save;

  constructor(db: Db, private readonly keyId: string, private readonly now: () => number = Date.now) {
    const r = db.prepare('SELECT last_nonce FROM kraken_nonces WHERE key_id = ?').get(keyId) as { last_nonce: number } | undefined;
    this.#last = r?.last_nonce ?? 0;
    this.#save = db.prepare('INSERT INTO kraken_nonces (key_id, last_nonce) VALUES (?, ?) ON CONFLICT(key_id) DO UPDATE SET last_nonce = excluded.last_nonce');
  }

  next(): number {
    const n = Math.max(this.#last + 1, Math.floor(this.now()));
    this.#save.run(this.keyId, n);
    this.#last = n;
    return n;
  }

  get last(): number {
    return this.#last;
  }
}
