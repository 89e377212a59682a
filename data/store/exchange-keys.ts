import type { Db } from './db.js';
import { migrate } from './db.js';
import type { Sealed } from '../../engine/signing/secret-box.js';

/** Seals and opens secrets (engine/signing/secret-box.ts SecretBox fits). */
export interface Sealer {
  seal(plaintext: string, aad: string): Sealed;
  open(s: Sealed, aad: string): string;
  readonly fingerprint: string;
}

export type ExchangeCredentials = { readonly apiKey: string; readonly secret: string; readonly password?: string };

export type ExchangeKeyInfo = {
  readonly accountId: string;
  readonly exchange: string;
  readonly version: number;
  /** First 4 characters of the API key, for the user to recognise it. Never the secret. */
  readonly apiKeyHint: string;
  readonly createdAt: number;
  /** Set on the previous key when a new one is added: it stays usable until then (overlap). */
  readonly retiresAt: number | null;
};

const MIGRATIONS = [
  {
    version: 1,
    up: (db: Db) => {
      db.exec(`CREATE TABLE exchange_keys (
        account_id TEXT NOT NULL,
        exchange TEXT NOT NULL,
        version INTEGER NOT NULL,
        api_key_hint TEXT NOT NULL,
        ct BLOB NOT NULL, iv BLOB NOT NULL, tag BLOB NOT NULL,
        kek_fingerprint TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        retires_at INTEGER,
        PRIMARY KEY (account_id, version)
      )`);
    },
  },
];

/**
 * Exchange API keys, encrypted at rest with AES-256-GCM (AAD = account id) — SIGNING.md A8 / 6.6.
 * One JSON blob {apiKey, secret, password} is sealed per row so the API key is not in clear either.
 * Adding a key for an account creates a new version; the running bot picks it up on its next request.
 */
export class ExchangeKeyStore {
  constructor(private readonly db: Db, private readonly box: Sealer, private readonly now: () => number = Date.now) {
    migrate(db, 'exchange-keys', MIGRATIONS);
  }

  add(accountId: string, exchange: string, creds: ExchangeCredentials, overlapMs = 0): ExchangeKeyInfo {
    return this.db.transaction(() => {
      const cur = this.db.prepare('SELECT MAX(version) AS v FROM exchange_keys WHERE account_id = ?').get(accountId) as { v: number | null };
      const version = (cur.v ?? 0) + 1;
      const sealed = this.box.seal(JSON.stringify(creds), accountId);
      const at = this.now();
      this.db.prepare('UPDATE exchange_keys SET retires_at = ? WHERE account_id = ? AND retires_at IS NULL').run(at + overlapMs, accountId);
      this.db.prepare(`INSERT INTO exchange_keys (account_id, exchange, version, api_key_hint, ct, iv, tag, kek_fingerprint, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(accountId, exchange, version, creds.apiKey.slice(0, 4), sealed.ct, sealed.iv, sealed.tag, this.box.fingerprint, at);
      return this.info(accountId)!;
    })();
  }

  /** The newest key's metadata. */
  info(accountId: string): ExchangeKeyInfo | undefined {
    const r = this.db.prepare(`SELECT account_id, exchange, version, api_key_hint, created_at, retires_at FROM exchange_keys
      WHERE account_id = ? ORDER BY version DESC LIMIT 1`).get(accountId) as
      { account_id: string; exchange: string; version: number; api_key_hint: string; created_at: number; retires_at: number | null } | undefined;
    return r ? { accountId: r.account_id, exchange: r.exchange, version: r.version, apiKeyHint: r.api_key_hint, createdAt: r.created_at, retiresAt: r.retires_at } : undefined;
  }

  list(): ExchangeKeyInfo[] {
    return (this.db.prepare(`SELECT account_id, exchange, version, api_key_hint, created_at, retires_at FROM exchange_keys ORDER BY account_id, version`).all() as
      { account_id: string; exchange: string; version: number; api_key_hint: string; created_at: number; retires_at: number | null }[]).map((r) => ({
      accountId: r.account_id, exchange: r.exchange, version: r.version, apiKeyHint: r.api_key_hint, createdAt: r.created_at, retiresAt: r.retires_at,
    }));
  }

  /** Cheap check used before every request: the newest version number (0 when none). */
  version(accountId: string): number {
    const r = this.db.prepare('SELECT MAX(version) AS v FROM exchange_keys WHERE account_id = ?').get(accountId) as { v: number | null };
    return r.v ?? 0;
  }

  /** Decrypts the newest key of an account. */
  current(accountId: string): { version: number; exchange: string; creds: ExchangeCredentials } | undefined {
    const r = this.db.prepare('SELECT exchange, version, ct, iv, tag FROM exchange_keys WHERE account_id = ? ORDER BY version DESC LIMIT 1').get(accountId) as
      { exchange: string; version: number; ct: Buffer; iv: Buffer; tag: Buffer } | undefined;
    if (!r) return undefined;
    const creds = JSON.parse(this.box.open({ ct: r.ct, iv: r.iv, tag: r.tag }, accountId)) as ExchangeCredentials;
    return { version: r.version, exchange: r.exchange, creds };
  }

  /** Deletes versions whose overlap has ended. */
  purgeRetired(): number {
    return this.db.prepare('DELETE FROM exchange_keys WHERE retires_at IS NOT NULL AND retires_at < ?').run(this.now()).changes;
  }
}
