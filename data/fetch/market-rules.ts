import type { MarketRules } from '../../engine/domain/index.js';
import type { OhlcvMarket } from './open-exchange.js';

/** ccxt's precision modes (ccxt/js/src/base/functions/number.js). */
const DECIMAL_PLACES = 2;
const TICK_SIZE = 4;

/**
 * An instrument's market rules from a ccxt market: amount and price steps (TICK_SIZE markets give the
 * step; DECIMAL_PLACES markets give a digit count, 10^-digits), the minimum amount and the minimum
 * notional (`limits.cost.min`). Anything ccxt does not state, or states in SIGNIFICANT_DIGITS mode
 * (no fixed step), is 0: unrestricted. Undefined when the market states nothing usable.
 */
export function marketRulesFromCcxt(market: OhlcvMarket, precisionMode: number | undefined): MarketRules | undefined {
  const step = (p: number | null | undefined): number => {
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) return 0;
    if (precisionMode === TICK_SIZE) return p;
    if (precisionMode === DECIMAL_PLACES && Number.isInteger(p)) return Number((10 ** -p).toPrecision(12));
    return 0;
  };
  const min = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  const rules: MarketRules = {
    amountStep: step(market.precision?.amount),
    priceStep: step(market.precision?.price),
    minAmount: min(market.limits?.amount?.min),
    minNotional: min(market.limits?.cost?.min),
  };
  return Object.values(rules).some((v) => v > 0) ? rules : undefined;
}
