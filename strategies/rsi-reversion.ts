import { crossedAbove, crossedBelow, defineStrategy, float, int, rsi } from '../engine/api/index.js';

/**
 * RSI mean reversion, long only: buy when RSI drops back below the oversold level, sell when it rises
 * above the overbought level. Sized as a fraction of equity.
 */
export default defineStrategy({
  id: 'rsi-reversion',
  version: 1,
  describe: 'RSI mean reversion: buy oversold, sell overbought',
  params: {
    period: int(14, { min: 2, max: 100, step: 1, describe: 'RSI period (bars)' }),
    oversold: float(30, { min: 1, max: 50, step: 5, describe: 'buy when RSI crosses below this' }),
    overbought: float(70, { min: 50, max: 99, step: 5, describe: 'sell when RSI crosses above this' }),
    fraction: float(0.95, { min: 0.01, max: 1, step: 0.05, describe: 'fraction of equity per entry' }),
  },
  validate: (p) => (p.oversold >= p.overbought ? `param "oversold" (${p.oversold}) must be below param "overbought" (${p.overbought})` : undefined),
  init: (ctx) => ({ rsi: ctx.indicator(rsi(ctx.params.period)) }),
  onBar(_bar, s, ctx) {
    const pos = ctx.position();
    if (pos.isFlat && crossedBelow(s.rsi, ctx.params.oversold)) {
      ctx.submit({ type: 'market', side: 'buy', size: { equityFraction: ctx.params.fraction } });
    } else if (pos.isLong && crossedAbove(s.rsi, ctx.params.overbought)) {
      ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
    }
  },
});
