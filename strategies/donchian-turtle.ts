import { atr, defineStrategy, donchian, float, int } from '../engine/api/index.js';

/**
 * Donchian / turtle breakout, long only: buy when the close breaks the highest high of the last
 * `entry` bars; exit on the lowest low of the last `exit` bars, or at an ATR stop. Position size risks
 * `risk` of equity on the distance to the stop (2 ATR by default).
 */
export default defineStrategy({
  id: 'donchian-turtle',
  version: 1,
  describe: 'Turtle breakout with ATR stops and risk-based sizing',
  params: {
    entry: int(20, { min: 5, max: 200, step: 5, describe: 'breakout channel (bars)' }),
    exit: int(10, { min: 2, max: 100, step: 2, describe: 'exit channel (bars)' }),
    atrPeriod: int(20, { min: 2, max: 100, step: 2, describe: 'ATR period (bars)' }),
    stopAtr: float(2, { min: 0.5, max: 5, step: 0.5, describe: 'stop distance in ATRs' }),
    risk: float(0.01, { min: 0.001, max: 0.05, step: 0.001, describe: 'fraction of equity risked per trade' }),
  },
  init: (ctx) => ({
    entry: ctx.indicator(donchian(ctx.params.entry)),
    exit: ctx.indicator(donchian(ctx.params.exit)),
    atr: ctx.indicator(atr(ctx.params.atrPeriod)),
  }),
  onBar(bar, s, ctx) {
    const pos = ctx.position();
    // Channels before this bar (`prev`): a breakout is a close beyond what came before.
    if (pos.isFlat && bar.close > s.entry.upper.prev) {
      const stop = bar.close - ctx.params.stopAtr * s.atr.value;
      if (stop > 0) ctx.submit({ type: 'market', side: 'buy', size: { risk: ctx.params.risk }, stopLoss: stop });
    } else if (pos.isLong && bar.close < s.exit.lower.prev) {
      for (const o of ctx.openOrders) ctx.cancel(o.id);
      ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
    }
  },
});
