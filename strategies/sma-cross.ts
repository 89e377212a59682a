import { choice, crossedAbove, crossedBelow, defineStrategy, int, sma } from '../engine/api/index.js';

/**
 * SMA crossover, long only: buy when the fast SMA crosses above the slow one, sell everything when it
 * crosses back below. Market orders decided at a bar's close fill at the next bar's open.
 * `size`: `all-in` buys the whole units the cash can pay for including the fee; a number buys that many units.
 * This is the reference workload (../shared/reference): fast 10, slow 30, fee 0.1 %.
 */
export default defineStrategy({
  id: 'sma-cross',
  version: 1,
  describe: 'SMA crossover, long only (the reference workload)',
  params: {
    fast: int(10, { min: 2, max: 500, step: 1, describe: 'fast SMA period (bars)' }),
    slow: int(30, { min: 3, max: 2000, step: 1, describe: 'slow SMA period (bars)' }),
    size: choice('all-in', ['all-in'], { orNumber: true, min: 1e-8, describe: '"all-in" (whole units cash can buy after the fee) or a number of units' }),
  },
  validate: (p) => (p.fast >= p.slow ? `param "fast" (${p.fast}) must be below param "slow" (${p.slow})` : undefined),
  init: (ctx) => ({
    fast: ctx.indicator(sma(ctx.params.fast)),
    slow: ctx.indicator(sma(ctx.params.slow)),
    buy: ctx.params.size === 'all-in' ? { equityFraction: 1, lot: 1 } : { units: Number(ctx.params.size) },
  }),
  onBar(_bar, s, ctx) {
    const pos = ctx.position();
    if (pos.isFlat) {
      if (crossedAbove(s.fast, s.slow)) ctx.submit({ type: 'market', side: 'buy', size: s.buy });
    } else if (pos.isLong && crossedBelow(s.fast, s.slow)) {
      ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
    }
  },
});
