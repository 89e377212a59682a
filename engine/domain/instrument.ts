import { UserError } from './errors.js';

/** `binance:BTC/USDT` — ccxt exchange id + ':' + ccxt unified symbol. */
export type InstrumentId = string;

export type ParsedInstrument = {
  readonly id: InstrumentId;
  readonly exchange: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
};

const RE = /^([a-z0-9_-]+):([A-Z0-9._-]+)\/([A-Z0-9._-]+)(:[A-Z0-9._-]+)?$/;

/** Validates an instrument id and splits it. Throws a UserError naming the field. */
export function parseInstrument(s: string, field = 'instrument'): ParsedInstrument {
  const m = RE.exec(s);
  if (!m) {
    throw new UserError(
      `${field}: "${s}" is not an instrument id; use <ccxt exchange id>:<ccxt symbol>, e.g. binance:BTC/USDT`,
    );
  }
  return { id: s, exchange: m[1]!, symbol: `${m[2]}/${m[3]}${m[4] ?? ''}`, base: m[2]!, quote: m[3]! };
}

/**
 * Market rules used to round orders at one seam (ccxt market precision/limits semantics).
 * `amountStep`/`priceStep` are tick sizes (ccxt precisionMode TICK_SIZE); 0 means unrestricted.
 */
export type MarketRules = {
  readonly amountStep: number;
  readonly priceStep: number;
  readonly minAmount: number;
  readonly minNotional: number;
};

export const UNRESTRICTED_MARKET: MarketRules = { amountStep: 0, priceStep: 0, minAmount: 0, minNotional: 0 };
