import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { ApiKeyRecord, EpochMsLike, KeyStore, ScopeSet } from './security-types.js';

type Row = {
  key_id: string; principal: string; secret_ct: Buffer; secret_iv: Buffer; secret_tag: Buffer; scopes: ScopeSet;
  status: 'active' | 'revoked'; created_at: number; not_before: number; expires_at: number | null; revoked_at: number | null;
  last_used_at: number | null; replaces_key_id: string | null;
};

function toRecord(r: Row): ApiKeyRecord {
  return {
    keyId: r.key_id, principal: r.principal, sealed: { ct: r.secret_ct, iv: r.secret_iv, tag: r.secret_tag },
    scopes: r.scopes, status: r.status, createdAt: r.created_at, notBefore: r.not_before, expiresAt: r.expires_at,
    revokedAt: r.revoked_at, lastUsedAt: r.last_used_at, replacesKeyId: r.replaces_key_id,
  };
}

/** api_keys (SIGNING.md 6.5). Secrets are only ever stored sealed. */
export class SqliteKeyStore implements KeyStore {
  readonly #get: Statement;
  readonly #list: Statement;
  readonly #insert: Statement;
  readonly #expire: Statement;
  readonly #revoke: Statement;
  readonly #touch: Statement;
  readonly #countValid: Statement;
  /** Incremented by every key write through this connection (data_version only sees other connections). */
  localWrites = 0;

  constructor(db: Db) {
    this.#get = db.prepare('SELECT * FROM api_keys WHERE key_id = ?');
    this.#list = db.prepare('SELECT * FROM api_keys ORDER BY principal, created_at, key_id');
    this.#insert = db.prepare(`INSERT INTO api_keys (key_id, principal, secret_ct, secret_iv, secret_tag, scopes, status, created_at, not_before, expires_at, revoked_at, last_used_at, replaces_key_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#expire = db.prepare('UPDATE api_keys SET expires_at = ? WHERE key_id = ?');
    this.#revoke = db.prepare("UPDATE api_keys SET status = 'revoked', revoked_at = ? WHERE key_id = ?");
    this.#touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE key_id = ? AND (last_used_at IS NULL OR last_used_at < ?)');
    this.#countValid = db.prepare(`SELECT count(*) AS n FROM api_keys WHERE principal = ? AND status = 'active'
      AND not_before <= ? AND (expires_at IS NULL OR ? < expires_at)`);
  }

  get(keyId: string): ApiKeyRecord | undefined {
    const r = this.#get.get(keyId) as Row | undefined;
    return r ? toRecord(r) : undefined;
  }
  list(): ApiKeyRecord[] {
    return (this.#list.all() as Row[]).map(toRecord);
  }
  insert(k: ApiKeyRecord): void {
    this.localWrites++;
    this.#insert.run(k.keyId, k.principal, k.sealed.ct, k.sealed.iv, k.sealed.tag, k.scopes, k.status, k.createdAt, k.notBefore,
      k.expiresAt, k.revokedAt, k.lastUsedAt, k.replacesKeyId);
  }
  setExpiresAt(keyId: string, at: EpochMsLike): void {
    this.localWrites++;
    this.#expire.run(at, keyId);
  }
  revoke(keyId: string, at: EpochMsLike): void {
    this.localWrites++;
    this.#revoke.run(at, keyId);
  }
  touch(keyId: string, at: EpochMsLike): void {
    this.#touch.run(at, keyId, at);
  }
  countValid(principal: string, now: EpochMsLike): number {
    return (this.#countValid.get(principal, now, now) as { n: number }).n;
  }
}
