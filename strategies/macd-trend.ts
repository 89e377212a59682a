import { crossedAbove, crossedBelow, defineStrategy, int, macd } from '../engine/api/index.js';

/** MACD trend following, long only: in when MACD crosses above its signal line above zero, out when it crosses back. */
export default defineStrategy({
  id: 'macd-trend',
  version: 1,
  describe: 'MACD signal-line crossover, trading only above the zero line',
  params: {
    fast: int(12, { min: 2, max: 100, step: 1, describe: 'fast EMA period' }),
    slow: int(26, { min: 3, max: 300, step: 1, describe: 'slow EMA period' }),
    signal: int(9, { min: 1, max: 100, step: 1, describe: 'signal EMA period' }),
  },
  validate: (p) => (p.fast >= p.slow ? `param "fast" (${p.fast}) must be below param "slow" (${p.slow})` : undefined),
  init: (ctx) => ({ m: ctx.indicator(macd(ctx.params.fast, ctx.params.slow, ctx.params.signal)) }),
  onBar(_bar, s, ctx) {
    const pos = ctx.position();
    if (pos.isFlat && s.m.macd.value > 0 && crossedAbove(s.m.macd, s.m.signal)) {
      ctx.submit({ type: 'market', side: 'buy', size: { equityFraction: 0.95 } });
    } else if (pos.isLong && crossedBelow(s.m.macd, s.m.signal)) {
      ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
    }
  },
});
