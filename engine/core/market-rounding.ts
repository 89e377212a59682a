import type { MarketRules } from '../domain/index.js';

/**
 * THE rounding seam: every amount and price an order trades at passes through here, with ccxt's
 * `amountToPrecision` (TRUNCATE) / `priceToPrecision` (ROUND) semantics for TICK_SIZE markets.
 * Rules come from the instrument's ccxt market when known, else from config/flags.
 */

function decimalsOf(step: number): number {
  if (step >= 1) return 0;
  const s = step.toExponential();
  const [mant, exp] = s.split('e');
  const frac = (mant!.split('.')[1] ?? '').length;
  return Math.min(15, Math.max(0, frac - Number(exp)));
}

/** Rounds down to a multiple of `step` (0 = unrestricted), forgiving float noise just below a multiple. */
export function floorToStep(x: number, step: number): number {
  if (!(step > 0)) return x;
  const k = Math.floor(x / step);
  const up = (k + 1) * step;
  const r = up - x <= Math.abs(x) * 1e-12 ? up : k * step;
  return step >= 1 && Number.isInteger(step) ? r : Number(r.toFixed(decimalsOf(step)));
}

/** Rounds to the nearest multiple of `step` (0 = unrestricted). */
export function roundToStep(x: number, step: number): number {
  if (!(step > 0)) return x;
  const r = Math.round(x / step) * step;
  return step >= 1 && Number.isInteger(step) ? r : Number(r.toFixed(decimalsOf(step)));
}

export function roundAmount(rules: MarketRules, amount: number): number {
  return floorToStep(amount, rules.amountStep);
}

export function roundPrice(rules: MarketRules, price: number): number {
  return roundToStep(price, rules.priceStep);
}

/** Why an amount at a price cannot be traded on this market, or undefined when it can. */
export function belowMinimum(rules: MarketRules, amount: number, price: number): string | undefined {
  if (!(amount > 0)) return 'amount rounds to zero';
  if (amount < rules.minAmount) return `amount ${amount} is below the market minimum ${rules.minAmount}`;
  if (amount * price < rules.minNotional) return `notional ${Number((amount * price).toFixed(8))} is below the market minimum notional ${rules.minNotional}`;
  return undefined;
}
