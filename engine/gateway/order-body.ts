import { clientOrderId, type OrderIntent } from '../core/client-order-id.js';
import type { EpochMs } from '../domain/index.js';
import type { IntakeOrder, StoredIntent } from '../ports/index.js';

/** intentId: 1-128 printable ASCII characters without '|', the A4 tuple separator. */
export const INTENT_ID_RE = /^[\x21-\x7b\x7d\x7e]{1,128}$/;
export const SYMBOL_RE = /^[A-Z0-9._-]+\/[A-Z0-9._-]+(:[A-Z0-9._-]+)?$/;
const DECIMAL_RE = /^(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,12})?$/;

/**
 * The A4 intent tuple of a gateway order, a function of (principal, intentId) only (SIGNING.md 6.3 step 8):
 *   cko1|gw:{principal}|gateway|{intentId}|-|-|0|manual|0|0
 * i.e. accountId = "gw:" + principal, exchangeId = "gateway", strategyInstanceId = intentId,
 * symbol = "-", timeframe = "-", barOpenTimeMs = 0, intentKind = manual, legIndex = 0, revision = 0.
 * The same (principal, intentId) always maps to the same client order id, whatever the venue; a broker
 * that must re-place the order later bumps `revision` as A4 says.
 */
export function gatewayIntent(principal: string, intentId: string): OrderIntent {
  return {
    accountId: `gw:${principal}`, exchangeId: 'gateway', strategyInstanceId: intentId, symbol: '-', timeframe: '-',
    barOpenTimeMs: 0, intentKind: 'manual', legIndex: 0, revision: 0,
  };
}

export type OrderFields = {
  readonly intentId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type: 'market' | 'limit';
  readonly amount: string;
  readonly price: string | null;
};

const ALLOWED = new Set(['intentId', 'symbol', 'side', 'type', 'amount', 'price']);

/** Validates a POST /v1/orders body (already hashed); returns the fields or a message naming the field. */
export function parseOrderBody(raw: Buffer): { ok: true; value: OrderFields } | { ok: false; message: string } {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    return { ok: false, message: `body is not JSON: ${(e as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, message: 'body must be a JSON object' };
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!ALLOWED.has(k)) return { ok: false, message: `unknown field "${k}" (fields: ${[...ALLOWED].join(', ')})` };
  if (typeof o.intentId !== 'string' || !INTENT_ID_RE.test(o.intentId)) {
    return { ok: false, message: 'intentId: required, 1-128 printable ASCII characters without "|"' };
  }
  if (typeof o.symbol !== 'string' || !SYMBOL_RE.test(o.symbol)) return { ok: false, message: `symbol: ${JSON.stringify(o.symbol)} is not a ccxt symbol like BTC/USDT` };
  if (o.side !== 'buy' && o.side !== 'sell') return { ok: false, message: `side: ${JSON.stringify(o.side)} must be "buy" or "sell"` };
  const type = o.type ?? 'market';
  if (type !== 'market' && type !== 'limit') return { ok: false, message: `type: ${JSON.stringify(o.type)} must be "market" or "limit"` };
  const amount = decimal(o.amount);
  if (amount === undefined || Number(amount) <= 0) return { ok: false, message: `amount: ${JSON.stringify(o.amount)} must be a positive decimal string like "0.001"` };
  let price: string | null = null;
  if (o.price !== undefined && o.price !== null) {
    const p = decimal(o.price);
    if (p === undefined || Number(p) <= 0) return { ok: false, message: `price: ${JSON.stringify(o.price)} must be a positive decimal string like "30000"` };
    price = p;
  }
  if (type === 'limit' && price === null) return { ok: false, message: 'price: required for a limit order' };
  return { ok: true, value: { intentId: o.intentId, symbol: o.symbol, side: o.side, type, amount, price } };
}

function decimal(x: unknown): string | undefined {
  if (typeof x === 'string' && DECIMAL_RE.test(x)) return x;
  if (typeof x === 'number' && Number.isFinite(x) && x > 0) return String(x);
  return undefined;
}

export function toIntakeOrder(principal: string, source: IntakeOrder['source'], f: OrderFields, receivedAt: EpochMs): IntakeOrder {
  const intent = gatewayIntent(principal, f.intentId);
  // One literal (same keys, same order as spreading `f`): a spread of `f` costs a map transition per call.
  return {
    intentId: f.intentId, symbol: f.symbol, side: f.side, type: f.type, amount: f.amount, price: f.price,
    principal, source, intent, clientOrderId: clientOrderId(intent), receivedAt,
  };
}

/** What gateway_intents.order_json holds: the validated fields that are not columns of the intent row already. */
export function storedOrderJson(f: OrderFields): string {
  return JSON.stringify({ symbol: f.symbol, side: f.side, type: f.type, amount: f.amount, price: f.price });
}

/** The IntakeOrder of a stored intent (rows written before schema v2 hold the whole order; the same fields are read). */
export function orderFromStored(s: StoredIntent): IntakeOrder {
  const o = JSON.parse(s.order) as Omit<OrderFields, 'intentId'>;
  return toIntakeOrder(s.principal, s.source, { intentId: s.intentId, symbol: o.symbol, side: o.side, type: o.type, amount: o.amount, price: o.price ?? null }, s.createdAt);
}
