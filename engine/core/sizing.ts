import type { Side, SizeSpec } from '../ports/index.js';
import { floorToStep } from './market-rounding.js';

export type SizingInputs = {
  readonly side: Side;
  /** The price the order is expected to trade at (for a simulated market order: the next open). */
  readonly price: number;
  readonly equity: number;
  /** Signed current position of the instrument. */
  readonly position: number;
  readonly feeRate: number;
  readonly fixedFee: number;
  /** The order's attached stop-loss (risk sizing). */
  readonly stopLoss?: number;
};

/**
 * Turns a size spec into raw base units (before the market's rounding seam). Returns 0 when there is
 * nothing to trade (closeAll while flat or on the wrong side).
 */
export function resolveUnits(spec: SizeSpec, x: SizingInputs): number {
  if ('units' in spec) return spec.units;
  if ('closeAll' in spec) {
    const reduces = x.side === 'sell' ? x.position > 0 : x.position < 0;
    return reduces ? Math.abs(x.position) : 0;
  }
  let units: number;
  if ('quote' in spec) units = spec.quote / x.price;
  else if ('equityFraction' in spec) {
    // All-in style: the budget pays for the units and their fee.
    units = (x.equity * spec.equityFraction - x.fixedFee) / (x.price * (1 + x.feeRate));
  } else {
    const dist = x.stopLoss === undefined ? NaN : Math.abs(x.price - x.stopLoss);
    units = dist > 0 ? (x.equity * spec.risk) / dist : 0;
  }
  if (!(units > 0)) return 0;
  return spec.lot ? floorToStep(units, spec.lot) : units;
}
