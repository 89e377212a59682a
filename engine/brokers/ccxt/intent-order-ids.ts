import type { InstrumentId } from '../../domain/index.js';
import { parseInstrument, timeframeMs, type Timeframe } from '../../domain/index.js';
import type { OrderSpec } from '../../ports/index.js';
import type { OrderIdSource } from '../../core/order-ids.js';
import { clientOrderIdFor, type IntentKind, type OrderIntent } from '../../core/client-order-id.js';

export type IntentIdContext = {
  readonly accountId: string;
  readonly strategyInstanceId: string;
  readonly timeframe: Timeframe;
  /** Signed position of an instrument right now (decides entry vs exit). */
  readonly position: (instrument: InstrumentId) => number;
  /** Open time of the bar being handled (the kernel's current bar); else derived from the clock time. */
  readonly barOpenTime?: () => number | undefined;
};

/**
 * SIGNING.md A4 as the kernel's OrderIdSource: an order's id is derived from its intent (account, exchange,
 * strategy, symbol, timeframe, the open time of the bar whose close produced it, kind, leg), so handling the
 * same bar twice (a restart mid-bar) yields the same ids. The intents are kept for the broker.
 */
export class IntentOrderIds implements OrderIdSource {
  readonly intents = new Map<string, OrderIntent>();
  readonly #legs = new Map<string, number>();

  constructor(private readonly c: IntentIdContext) {}

  next(spec: OrderSpec, instrument: InstrumentId, time: number): string {
    const p = parseInstrument(instrument);
    // The clock reads the close time of the bar being handled; its open is one timeframe earlier.
    const barOpenTimeMs = this.c.barOpenTime?.() ?? time - timeframeMs(this.c.timeframe);
    const pos = this.c.position(instrument);
    const kind: IntentKind =
      spec.side === 'buy' ? (pos < 0 ? 'exit-short' : 'entry-long') : pos > 0 ? 'exit-long' : 'entry-short';
    const legKey = `${instrument}|${barOpenTimeMs}|${kind}`;
    const legIndex = this.#legs.get(legKey) ?? 0;
    this.#legs.set(legKey, legIndex + 1);
    const intent: OrderIntent = {
      accountId: this.c.accountId, exchangeId: p.exchange, strategyInstanceId: this.c.strategyInstanceId, symbol: p.symbol,
      timeframe: this.c.timeframe, barOpenTimeMs, intentKind: kind, legIndex, revision: 0,
    };
    const id = clientOrderIdFor(p.exchange, intent).id;
    this.intents.set(id, intent);
    return id;
  }

  /** An engine-made order (flatten, kill switch): intent kind `manual`. */
  manual(instrument: InstrumentId, barOpenTimeMs: number, legIndex: number): string {
    const p = parseInstrument(instrument);
    const intent: OrderIntent = {
      accountId: this.c.accountId, exchangeId: p.exchange, strategyInstanceId: this.c.strategyInstanceId, symbol: p.symbol,
      timeframe: this.c.timeframe, barOpenTimeMs, intentKind: 'manual', legIndex, revision: 0,
    };
    const id = clientOrderIdFor(p.exchange, intent).id;
    this.intents.set(id, intent);
    return id;
  }
}
