import type { InstrumentId } from '../domain/index.js';
import type { OrderSpec } from '../ports/index.js';

/**
 * Where client order ids come from. Must be deterministic: the same run yields the same ids.
 * The live composition root plugs in an intent-derived source (engine/core/client-order-id.ts).
 */
export interface OrderIdSource {
  next(spec: OrderSpec, instrument: InstrumentId, time: number): string;
}

/** `<prefix>1`, `<prefix>2`, … — deterministic per run. */
export function sequentialOrderIds(prefix = 'o'): OrderIdSource {
  let n = 0;
  return { next: () => `${prefix}${++n}` };
}
