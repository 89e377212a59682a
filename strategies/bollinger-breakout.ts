import { bollinger, crossedAbove, crossedBelow, defineStrategy, float, int } from '../engine/api/index.js';

/**
 * Bollinger breakout, long only: buy when the close breaks above the upper band (momentum),
 * exit when it falls back below the middle band. A protective stop-loss rides with every entry.
 */
export default defineStrategy({
  id: 'bollinger-breakout',
  version: 1,
  describe: 'Bollinger band breakout with a middle-band exit',
  params: {
    period: int(20, { min: 5, max: 200, step: 5, describe: 'band period (bars)' }),
    k: float(2, { min: 0.5, max: 4, step: 0.5, describe: 'band width in standard deviations' }),
    stopFrac: float(0.03, { min: 0.005, max: 0.2, step: 0.005, describe: 'stop-loss distance as a fraction of the entry' }),
  },
  init: (ctx) => ({ bands: ctx.indicator(bollinger(ctx.params.period, ctx.params.k)), close: { value: NaN, prev: NaN } }),
  onBar(bar, s, ctx) {
    // The close as a series, so crossings against the bands read naturally.
    s.close.prev = s.close.value;
    s.close.value = bar.close;
    const pos = ctx.position();
    if (pos.isFlat && crossedAbove(s.close, s.bands.upper)) {
      ctx.submit({ type: 'market', side: 'buy', size: { equityFraction: 0.95 }, stopLoss: bar.close * (1 - ctx.params.stopFrac) });
    } else if (pos.isLong && crossedBelow(s.close, s.bands.middle)) {
      ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
    }
  },
});
