import crypto from 'node:crypto';
import { sha256Hex } from '../signing/canonical.js';

/** SIGNING.md A4: what an order is for. */
export const INTENT_KINDS = ['entry-long', 'entry-short', 'exit-long', 'exit-short', 'stop-loss', 'take-profit', 'rebalance', 'manual'] as const;
export type IntentKind = (typeof INTENT_KINDS)[number];

/**
 * The intent an order carries. The same intent always yields the same client order id, so a retried
 * or restarted submission can never become a second, different order.
 */
export type OrderIntent = {
  readonly accountId: string;
  readonly exchangeId: string;
  readonly strategyInstanceId: string;
  readonly symbol: string;
  readonly timeframe: string;
  /** Open time (UTC ms) of the bar whose close produced the decision. */
  readonly barOpenTimeMs: number;
  readonly intentKind: IntentKind;
  readonly legIndex: number;
  /** Incremented only after the previous order for the same intent is confirmed terminal. */
  readonly revision: number;
};

export function intentTuple(i: OrderIntent): string {
  return [
    'cko1', i.accountId, i.exchangeId, i.strategyInstanceId, i.symbol, i.timeframe,
    String(i.barOpenTimeMs), i.intentKind, String(i.legIndex), String(i.revision),
  ].join('|');
}

export function intentHash(i: OrderIntent): Buffer {
  return crypto.createHash('sha256').update(intentTuple(i), 'utf8').digest();
}

/** Binance, Bybit, OKX, Coinbase: "ck" + first 30 hex chars of sha256(tuple) — 32 chars of [a-z0-9]. */
export function clientOrderId(i: OrderIntent): string {
  return 'ck' + sha256Hex(intentTuple(i)).slice(0, 30);
}

/** Kraken: the first 16 bytes of the hash as a UUID with version nibble 8 and variant 10xx. */
export function krakenClientOrderId(i: OrderIntent): string {
  const b = Buffer.from(intentHash(i).subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The id format each exchange accepts, with how it is passed to ccxt's createOrder params. */
export function clientOrderIdFor(exchangeId: string, i: OrderIntent): { id: string; param: string } {
  if (exchangeId === 'kraken') return { id: krakenClientOrderId(i), param: 'clientOrderId' };
  if (exchangeId === 'coinbase' || exchangeId === 'coinbaseadvanced') return { id: clientOrderId(i), param: 'client_order_id' };
  return { id: clientOrderId(i), param: 'clientOrderId' };
}
