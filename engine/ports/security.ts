import type { EpochMs } from '../domain/index.js';

/**
 * The security store behind the signed gateway (SIGNING.md part (b)): API keys (6.5), used nonces (6.4),
 * the append-only audit chain (6.7), gateway intents with their idempotency record (6.3 step 8) and the
 * TradingView routes, tokens and de-duplication keys (6.8). One SQLite file, synchronous=FULL.
 */

/** A key's scope set; `trade` does not imply `read`. */
export type ScopeSet = 'read' | 'trade' | 'read,trade';
export type Scope = 'read' | 'trade';

/** Secret sealed with AES-256-GCM, AAD = key id (never the plaintext). */
export type SealedSecret = { readonly ct: Buffer; readonly iv: Buffer; readonly tag: Buffer };

export type ApiKeyRecord = {
  readonly keyId: string;
  readonly principal: string;
  readonly sealed: SealedSecret;
  readonly scopes: ScopeSet;
  readonly status: 'active' | 'revoked';
  readonly createdAt: EpochMs;
  readonly notBefore: EpochMs;
  readonly expiresAt: EpochMs | null;
  readonly revokedAt: EpochMs | null;
  readonly lastUsedAt: EpochMs | null;
  readonly replacesKeyId: string | null;
};

export interface KeyStore {
  get(keyId: string): ApiKeyRecord | undefined;
  list(): ApiKeyRecord[];
  insert(k: ApiKeyRecord): void;
  setExpiresAt(keyId: string, at: EpochMs): void;
  revoke(keyId: string, at: EpochMs): void;
  touch(keyId: string, at: EpochMs): void;
  /** Keys valid at `now` for the principal: active, not_before ≤ now, not expired. */
  countValid(principal: string, now: EpochMs): number;
}

export interface NonceStore {
  /** Inserts (key, nonce); false when the pair is already present (a replay). */
  insert(keyId: string, nonce: string, expiresAt: EpochMs): boolean;
  /** `DELETE FROM used_nonces WHERE expires_at < now`; returns rows removed. */
  purge(now: EpochMs): number;
  count(): number;
}

/** Audit events (SIGNING.md 6.7), plus TradingView route changes and server start / clock-step incidents. */
export type AuditEvent =
  | 'key.created' | 'key.rotated' | 'key.revoked' | 'key.expired'
  | 'request.accepted' | 'request.rejected' | 'order.submitted' | 'order.reconciled'
  | 'tv.route.created' | 'tv.token.created' | 'server.started' | 'server.clock_step';

/** What a caller records; seq, prev_hash and hash are assigned by the log. */
export type AuditInput = {
  readonly at: EpochMs;
  readonly event: AuditEvent;
  readonly outcome: 'accepted' | 'rejected' | 'ok';
  readonly principal?: string | null;
  readonly keyId?: string | null;
  readonly reason?: string | null;
  readonly method?: string | null;
  readonly target?: string | null;
  readonly bodySha256?: string | null;
  readonly remote?: string | null;
  /** JSON text; never secrets, never more than the first 8 hex of a signature. */
  readonly detail?: string | null;
};

/** A stored audit row, column names as in SIGNING.md 6.7. */
export type AuditRow = {
  readonly seq: number;
  readonly at: EpochMs;
  readonly event: string;
  readonly principal: string | null;
  readonly key_id: string | null;
  readonly outcome: string;
  readonly reason: string | null;
  readonly method: string | null;
  readonly target: string | null;
  readonly body_sha256: string | null;
  readonly remote: string | null;
  readonly detail: string | null;
  readonly prev_hash: string;
  readonly hash: string;
};

export interface AuditLog {
  /** Appends one row to the hash chain; must run inside the store's write transaction. */
  append(e: AuditInput): AuditRow;
  /** Rows with seq > afterSeq, ascending, at most `limit`. */
  read(afterSeq: number, limit: number): AuditRow[];
  /** The newest `limit` rows, ascending. */
  tail(limit: number): AuditRow[];
  hasEvent(event: AuditEvent, keyId: string): boolean;
  last(): AuditRow | undefined;
}

/** A gateway intent (POST /v1/orders or a TradingView alert), stored with the response it produced. */
export type StoredIntent = {
  readonly principal: string;
  readonly intentId: string;
  readonly bodySha256: string;
  readonly clientOrderId: string;
  readonly source: 'api' | 'tradingview';
  /** The validated order, JSON (IntakeOrder without derived fields). */
  readonly order: string;
  /** The exact JSON response body first returned. */
  readonly response: string;
  readonly createdAt: EpochMs;
  /** false until the order intake has persisted it (outbox). */
  readonly handedOff: boolean;
};

export interface IntentStore {
  get(principal: string, intentId: string): StoredIntent | undefined;
  insert(i: StoredIntent): void;
  markHandedOff(principal: string, intentId: string): void;
  pendingHandoff(limit: number): StoredIntent[];
}

export type TvRoute = {
  readonly routeId: string;
  readonly principal: string;
  /** ccxt unified symbols this route may trade. */
  readonly symbols: readonly string[];
  /** Maximum notional (amount × price, quote currency) of one alert's order. */
  readonly maxNotional: number;
  readonly status: 'active' | 'disabled';
  readonly createdAt: EpochMs;
};

export type TvToken = { readonly routeId: string; readonly tokenSha256: Buffer; readonly createdAt: EpochMs; readonly status: 'active' | 'retired' };

export interface TvStore {
  getRoute(routeId: string): TvRoute | undefined;
  listRoutes(): TvRoute[];
  upsertRoute(r: TvRoute): void;
  /** Active token hashes of the route (at most two). */
  activeTokens(routeId: string): TvToken[];
  /** Adds a token and retires all but the newest two active ones. */
  addToken(t: TvToken): void;
  /** Inserts a de-duplication key; false if it is already present (a duplicate alert). */
  insertDedupe(key: string, expiresAt: EpochMs): boolean;
  purgeDedupe(now: EpochMs): number;
}

/** All of the above, in one database; `transaction` nests (savepoints) and commits durably. */
export interface SecurityStore {
  readonly file: string;
  readonly keys: KeyStore;
  readonly nonces: NonceStore;
  readonly audit: AuditLog;
  readonly intents: IntentStore;
  readonly tv: TvStore;
  transaction<T>(fn: () => T): T;
  /**
   * Changes whenever api_keys may have changed: a commit by another connection (a CLI `keys revoke`)
   * or a key write through this store. Lets the gateway cache key rows without delaying a revocation.
   */
  keysVersion(): string;
  /** The master-key fingerprint recorded with the first sealed secret (undefined before that). */
  kekFingerprint(): string | undefined;
  setKekFingerprint(fp: string): void;
  close(): void;
}
