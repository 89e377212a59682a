import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { IntentStore, StoredIntent } from './security-types.js';

type Row = {
  principal: string; intent_id: string; body_sha256: string; client_order_id: string; source: 'api' | 'tradingview';
  order_json: string; response: string; created_at: number; pending: number;
};
const toIntent = (r: Row): StoredIntent => ({
  principal: r.principal, intentId: r.intent_id, bodySha256: r.body_sha256, clientOrderId: r.client_order_id, source: r.source,
  order: r.order_json, response: r.response, createdAt: r.created_at, handedOff: r.pending === 0,
});

const COLUMNS = 'i.principal, i.intent_id, i.body_sha256, i.client_order_id, i.source, i.order_json, i.response, i.created_at';

/**
 * gateway_intents: the business-idempotency record of 6.3 step 8. gateway_outbox: the intents not yet
 * acknowledged by the order intake (a row per pending hand-off, deleted when the intake has it).
 */
export class SqliteIntentStore implements IntentStore {
  readonly #get: Statement;
  readonly #insert: Statement;
  readonly #insertPending: Statement;
  readonly #mark: Statement;
  readonly #pending: Statement;
  constructor(db: Db) {
    this.#get = db.prepare(`SELECT ${COLUMNS}, EXISTS (SELECT 1 FROM gateway_outbox o WHERE o.principal = i.principal AND o.intent_id = i.intent_id) AS pending
      FROM gateway_intents i WHERE i.principal = ? AND i.intent_id = ?`);
    this.#insert = db.prepare(`INSERT INTO gateway_intents (principal, intent_id, body_sha256, client_order_id, source, order_json, response, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#insertPending = db.prepare('INSERT INTO gateway_outbox (principal, intent_id) VALUES (?, ?)');
    this.#mark = db.prepare('DELETE FROM gateway_outbox WHERE principal = ? AND intent_id = ?');
    this.#pending = db.prepare(`SELECT ${COLUMNS}, 1 AS pending FROM gateway_outbox o JOIN gateway_intents i ON i.principal = o.principal AND i.intent_id = o.intent_id
      ORDER BY i.created_at LIMIT ?`);
  }
  get(principal: string, intentId: string): StoredIntent | undefined {
    const r = this.#get.get(principal, intentId) as Row | undefined;
    return r ? toIntent(r) : undefined;
  }
  /** The intent and, unless it is already handed off, its outbox row (same transaction as the caller's). */
  insert(i: StoredIntent): void {
    this.#insert.run(i.principal, i.intentId, i.bodySha256, i.clientOrderId, i.source, i.order, i.response, i.createdAt);
    if (!i.handedOff) this.#insertPending.run(i.principal, i.intentId);
  }
  markHandedOff(principal: string, intentId: string): void {
    this.#mark.run(principal, intentId);
  }
  pendingHandoff(limit: number): StoredIntent[] {
    return (this.#pending.all(limit) as Row[]).map(toIntent);
  }
}
