import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { IntentStore, StoredIntent } from './security-types.js';

type Row = {
  principal: string; intent_id: string; body_sha256: string; client_order_id: string; source: 'api' | 'tradingview';
  order_json: string; response: string; created_at: number; handed_off: number;
};
const toIntent = (r: Row): StoredIntent => ({
  principal: r.principal, intentId: r.intent_id, bodySha256: r.body_sha256, clientOrderId: r.client_order_id, source: r.source,
  order: r.order_json, response: r.response, createdAt: r.created_at, handedOff: r.handed_off === 1,
});

/** gateway_intents: the business-idempotency record of 6.3 step 8, and the outbox towards the order intake. */
export class SqliteIntentStore implements IntentStore {
  readonly #get: Statement;
  readonly #insert: Statement;
  readonly #mark: Statement;
  readonly #pending: Statement;
  constructor(db: Db) {
    this.#get = db.prepare('SELECT * FROM gateway_intents WHERE principal = ? AND intent_id = ?');
    this.#insert = db.prepare(`INSERT INTO gateway_intents (principal, intent_id, body_sha256, client_order_id, source, order_json, response, created_at, handed_off)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#mark = db.prepare('UPDATE gateway_intents SET handed_off = 1 WHERE principal = ? AND intent_id = ? AND handed_off = 0');
    this.#pending = db.prepare('SELECT * FROM gateway_intents WHERE handed_off = 0 ORDER BY created_at LIMIT ?');
  }
  get(principal: string, intentId: string): StoredIntent | undefined {
    const r = this.#get.get(principal, intentId) as Row | undefined;
    return r ? toIntent(r) : undefined;
  }
  insert(i: StoredIntent): void {
    this.#insert.run(i.principal, i.intentId, i.bodySha256, i.clientOrderId, i.source, i.order, i.response, i.createdAt, i.handedOff ? 1 : 0);
  }
  markHandedOff(principal: string, intentId: string): void {
    this.#mark.run(principal, intentId);
  }
  pendingHandoff(limit: number): StoredIntent[] {
    return (this.#pending.all(limit) as Row[]).map(toIntent);
  }
}
