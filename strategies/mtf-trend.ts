import { crossedAbove, crossedBelow, defineStrategy, ema, int, sma } from '../engine/api/index.js';

/**
 * Multi-timeframe trend: trade the primary timeframe (e.g. 1h) on an EMA crossover, but only buy while
 * the daily close is above its daily SMA. The daily bar is seen only after it has closed.
 */
export default defineStrategy({
  id: 'mtf-trend',
  version: 1,
  describe: 'EMA crossover on the primary timeframe with a daily SMA trend filter',
  params: {
    fast: int(12, { min: 2, max: 100, step: 2, describe: 'fast EMA (primary bars)' }),
    slow: int(48, { min: 3, max: 400, step: 4, describe: 'slow EMA (primary bars)' }),
    trend: int(20, { min: 2, max: 200, step: 5, describe: 'daily SMA period (days)' }),
  },
  subscriptions: [{ timeframe: '1d' }],
  validate: (p) => (p.fast >= p.slow ? `param "fast" (${p.fast}) must be below param "slow" (${p.slow})` : undefined),
  init: (ctx) => {
    const daily = ctx.series('1d');
    return {
      daily,
      fast: ctx.indicator(ema(ctx.params.fast)),
      slow: ctx.indicator(ema(ctx.params.slow)),
      trend: ctx.indicator(sma(ctx.params.trend), daily),
    };
  },
  onBar(bar, s, ctx) {
    if (bar.timeframe !== ctx.timeframe) return; // daily bars only feed the filter
    const lastDay = ctx.bars(1, s.daily)[0];
    const upTrend = lastDay !== undefined && lastDay.close > s.trend.value;
    const pos = ctx.position();
    if (pos.isFlat && upTrend && crossedAbove(s.fast, s.slow)) {
      ctx.submit({ type: 'market', side: 'buy', size: { equityFraction: 0.95 } });
    } else if (pos.isLong && (crossedBelow(s.fast, s.slow) || !upTrend)) {
      ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
    }
  },
});
