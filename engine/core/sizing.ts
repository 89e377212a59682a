import type { Side, SizeSpec } from '../ports/index.js';
import { floorToStep } from './market-rounding.js';

type AnySize = { readonly units?: number; readonly quote?: number; readonly equityFraction?: number; readonly risk?: number; readonly closeAll?: true; readonly lot?: number };

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

/** Turns a size spec into raw base units (before the market's rounding seam); see `unitsFor`. */
export function resolveUnits(spec: SizeSpec, x: SizingInputs): number {
  return unitsFor(spec, x.side, x.price, x.equity, x.position, x.feeRate, x.fixedFee, x.stopLoss);
}

/**
 * Turns a size spec into raw base units (before the market's rounding seam), priced at `price`.
 * - equityFraction: the budget (equity × fraction − fixed fee) pays for the units and their fee.
 * - risk: equity × risk / |price − stopLoss|.
 * Returns 0 when there is nothing to trade (closeAll while flat or on the wrong side, no stop for risk).
 * Positional arguments: this runs once per order fill and must not allocate.
 */
export function unitsFor(
  spec: SizeSpec,
  side: Side,
  price: number,
  equity: number,
  position: number,
  feeRate: number,
  fixedFee: number,
  stopLoss: number | undefined,
): number {
  const s = spec as AnySize;
  if (s.units !== undefined) return s.units;
  if (s.closeAll === true) {
    const reduces = side === 'sell' ? position > 0 : position < 0;
    return reduces ? Math.abs(position) : 0;
  }
  let units: number;
  if (s.quote !== undefined) units = s.quote / price;
  else if (s.equityFraction !== undefined) units = (equity * s.equityFraction - fixedFee) / (price * (1 + feeRate));
  else {
    const dist = stopLoss === undefined ? NaN : Math.abs(price - stopLoss);
    units = dist > 0 ? (equity * (s.risk ?? 0)) / dist : 0;
  }
  if (!(units > 0)) return 0;
  return s.lot ? floorToStep(units, s.lot) : units;
}
