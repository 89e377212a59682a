import type { Migration } from './db.js';

/** The security database schema (SIGNING.md 6.4, 6.5, 6.7, 6.8), component "security". */
export const SECURITY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: (db) => {
      db.exec(`
CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY, principal TEXT NOT NULL,
  secret_ct BLOB NOT NULL, secret_iv BLOB NOT NULL, secret_tag BLOB NOT NULL,
  scopes TEXT NOT NULL CHECK (scopes IN ('read','trade','read,trade')),
  status TEXT NOT NULL CHECK (status IN ('active','revoked')),
  created_at INTEGER NOT NULL, not_before INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER,
  last_used_at INTEGER, replaces_key_id TEXT REFERENCES api_keys(key_id));
CREATE INDEX api_keys_principal ON api_keys(principal);

CREATE TABLE used_nonces (
  key_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (key_id, nonce)) WITHOUT ROWID;
CREATE INDEX used_nonces_expires ON used_nonces(expires_at);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, event TEXT NOT NULL,
  principal TEXT, key_id TEXT, outcome TEXT NOT NULL, reason TEXT,
  method TEXT, target TEXT, body_sha256 TEXT, remote TEXT, detail TEXT,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT,'audit_log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT,'audit_log is append-only'); END;
CREATE INDEX audit_log_key_event ON audit_log(key_id, event);

CREATE TABLE gateway_intents (
  principal TEXT NOT NULL, intent_id TEXT NOT NULL, body_sha256 TEXT NOT NULL,
  client_order_id TEXT NOT NULL UNIQUE, source TEXT NOT NULL CHECK (source IN ('api','tradingview')),
  order_json TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,
  handed_off INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (principal, intent_id)) WITHOUT ROWID;
CREATE INDEX gateway_intents_pending ON gateway_intents(handed_off) WHERE handed_off = 0;

CREATE TABLE tv_routes (
  route_id TEXT PRIMARY KEY, principal TEXT NOT NULL, symbols TEXT NOT NULL,
  max_notional REAL NOT NULL, status TEXT NOT NULL CHECK (status IN ('active','disabled')), created_at INTEGER NOT NULL);
CREATE TABLE tv_tokens (
  route_id TEXT NOT NULL REFERENCES tv_routes(route_id), token_sha256 BLOB NOT NULL,
  created_at INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('active','retired')),
  PRIMARY KEY (route_id, token_sha256));
CREATE TABLE tv_dedupe (dedupe_key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX tv_dedupe_expires ON tv_dedupe(expires_at);

CREATE TABLE security_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`);
    },
  },
  {
    // Fewer pages written per accepted request (every page a commit touches is written to the WAL and synced):
    // - audit_log_key_event indexed every audit row by key; only `key.expired` rows are ever looked up by key.
    // - gateway_intents' UNIQUE(client_order_id) index: the id is a hash of (principal, intentId), the primary key.
    // - the hand-off mark rewrote the (large) intent row; pending hand-offs now live in a small table of their own.
    version: 2,
    up: (db) => {
      db.exec(`
DROP INDEX audit_log_key_event;
CREATE INDEX audit_log_key_expired ON audit_log(key_id) WHERE event = 'key.expired';

CREATE TABLE gateway_outbox (
  principal TEXT NOT NULL, intent_id TEXT NOT NULL,
  PRIMARY KEY (principal, intent_id)) WITHOUT ROWID;
INSERT INTO gateway_outbox (principal, intent_id) SELECT principal, intent_id FROM gateway_intents WHERE handed_off = 0;

CREATE TABLE gateway_intents_v2 (
  principal TEXT NOT NULL, intent_id TEXT NOT NULL, body_sha256 TEXT NOT NULL,
  client_order_id TEXT NOT NULL, source TEXT NOT NULL CHECK (source IN ('api','tradingview')),
  order_json TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (principal, intent_id)) WITHOUT ROWID;
INSERT INTO gateway_intents_v2 (principal, intent_id, body_sha256, client_order_id, source, order_json, response, created_at)
  SELECT principal, intent_id, body_sha256, client_order_id, source, order_json, response, created_at FROM gateway_intents;
DROP TABLE gateway_intents;
ALTER TABLE gateway_intents_v2 RENAME TO gateway_intents;
`);
    },
  },
  {
    // gateway_intents keyed by (principal, intent_id) put each new intent (rows of ~300 bytes) into its principal's
    // part of the tree: with several principals every accepted order dirtied a leaf of its own and split leaves
    // often. Rows now append in arrival order (shared pages) and only the small (principal, intent_id) index
    // entry lands at a random place.
    version: 3,
    up: (db) => {
      db.exec(`
CREATE TABLE gateway_intents_v3 (
  principal TEXT NOT NULL, intent_id TEXT NOT NULL, body_sha256 TEXT NOT NULL,
  client_order_id TEXT NOT NULL, source TEXT NOT NULL CHECK (source IN ('api','tradingview')),
  order_json TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL);
INSERT INTO gateway_intents_v3 (principal, intent_id, body_sha256, client_order_id, source, order_json, response, created_at)
  SELECT principal, intent_id, body_sha256, client_order_id, source, order_json, response, created_at FROM gateway_intents ORDER BY created_at;
DROP TABLE gateway_intents;
ALTER TABLE gateway_intents_v3 RENAME TO gateway_intents;
CREATE UNIQUE INDEX gateway_intents_key ON gateway_intents(principal, intent_id);
`);
    },
  },
];
