import { describe, expect, it } from 'vitest';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import { defineStrategy, sma } from '../../engine/api/index.js';
import { runBacktest } from '../../engine/app/index.js';

const H = 3_600_000;
const D = 24 * H;
const I = 'sim:BTC/USD';

/** Hourly bars over `days` days with a strong daily pattern, and the daily bars built from them. */
function series(days: number): { hourly: BarColumns; daily: BarColumns } {
  const hourly = allocBarColumns(days * 24);
  const daily = allocBarColumns(days);
  let p = 100;
  for (let d = 0; d < days; d++) {
    const up = d % 3 !== 0; // two up days, one down day
    for (let h = 0; h < 24; h++) {
      const i = d * 24 + h;
      const next = p * (up ? 1.002 : 0.996);
      hourly.openTime[i] = i * H;
      hourly.open[i] = p;
      hourly.close[i] = next;
      hourly.high[i] = Math.max(p, next) * 1.0001;
      hourly.low[i] = Math.min(p, next) * 0.9999;
      hourly.volume[i] = 10;
      p = next;
    }
    const a = d * 24, b = a + 23;
    daily.openTime[d] = d * D;
    daily.open[d] = hourly.open[a]!;
    daily.close[d] = hourly.close[b]!;
    daily.high[d] = Math.max(...hourly.high.subarray(a, b + 1));
    daily.low[d] = Math.min(...hourly.low.subarray(a, b + 1));
    daily.volume[d] = 240;
  }
  return { hourly, daily };
}

describe('no lookahead across timeframes', () => {
  it('shows a higher-timeframe bar only after it has closed, and feeds its indicators only then', () => {
    const { hourly, daily } = series(12);
    const seen: { now: number; lastDayClose: number; sma: number; lastDayOpen: number }[] = [];
    const peeker = defineStrategy({
      id: 'peeker',
      version: 1,
      params: {},
      subscriptions: [{ timeframe: '1d' }],
      init: (ctx) => ({ d: ctx.series('1d'), dsma: ctx.indicator(sma(1), ctx.series('1d')) }),
      onBar(bar, s, ctx) {
        if (bar.timeframe !== '1h') return;
        // Ask for far more daily bars than exist: only closed ones come back.
        const days = ctx.bars(1_000_000, s.d);
        const last = days.at(-1)!;
        for (const d of days) expect(d.openTime + D).toBeLessThanOrEqual(ctx.now);
        seen.push({ now: ctx.now, lastDayClose: last.openTime + D, sma: s.dsma.value, lastDayOpen: last.openTime });
      },
    });
    const o = runBacktest({ strategy: peeker, data: [{ key: { instrument: I, timeframe: '1h' }, bars: hourly }, { key: { instrument: I, timeframe: '1d' }, bars: daily }] });
    expect(o.stoppedEarly).toBeUndefined();
    // onBar starts once the daily SMA(1) is ready: the hourly bar closing at the end of day 0.
    expect(seen[0]!.now).toBe(D);
    for (const s of seen) {
      // The newest visible day is the last one that has closed by now — never the one in progress.
      expect(s.lastDayClose).toBe(Math.floor(s.now / D) * D);
      expect(s.sma).toBe(daily.close[s.lastDayOpen / D]!);
    }
  });

  it("cannot profit from today's daily bar: a strategy that trades on it only sees yesterday's", () => {
    const { hourly, daily } = series(30);
    // Cheat attempt: buy the first hour of a day when "today" is an up day, using the newest daily bar.
    const cheat = defineStrategy({
      id: 'cheat',
      version: 1,
      params: {},
      subscriptions: [{ timeframe: '1d' }],
      init: (ctx) => ({ d: ctx.series('1d'), peeked: [] as number[] }),
      onBar(bar, s, ctx) {
        if (bar.timeframe !== '1h') return;
        const day = ctx.bars(1, s.d)[0];
        if (day) s.peeked.push(day.openTime);
        const pos = ctx.position();
        if (pos.isFlat && day && day.close > day.open) ctx.submit({ type: 'market', side: 'buy', size: { units: 1 } });
        if (pos.isLong && day && day.close < day.open) ctx.submit({ type: 'market', side: 'sell', size: { closeAll: true } });
      },
    });
    const o = runBacktest({ strategy: cheat, data: [{ key: { instrument: I, timeframe: '1h' }, bars: hourly }, { key: { instrument: I, timeframe: '1d' }, bars: daily }], feeRate: 0 });
    // With foresight it would be long on every up day and flat on every down day and never lose.
    // Seeing only closed days, it buys after two up days — into the down day — every time.
    expect(o.trades.length).toBe(9);
    for (const t of o.trades) expect(t.pnl).toBeLessThan(0);
    expect(o.trades[0]!.entryTime).toBe(2 * D); // decided at the close of day 1 (the first up-day bar it could see)
  });
});

describe('several instruments in one strategy', () => {
  it('calls onBar for each instrument and keeps one cash ledger across them', () => {
    const { hourly } = series(2);
    const other = allocBarColumns(hourly.length);
    for (let i = 0; i < hourly.length; i++) {
      other.openTime[i] = hourly.openTime[i]!;
      other.open[i] = 10;
      other.high[i] = 10;
      other.low[i] = 10;
      other.close[i] = 10;
      other.volume[i] = 1;
    }
    const seen = new Set<string>();
    const pair = defineStrategy({
      id: 'pair',
      version: 1,
      params: {},
      subscriptions: [{ instrument: 'sim:ETH/USD' }],
      init: () => ({ done: false }),
      onBar(bar, s, ctx) {
        seen.add(bar.instrument);
        if (!s.done && bar.instrument === 'sim:ETH/USD') {
          ctx.submit({ type: 'market', side: 'buy', size: { units: 100 }, instrument: 'sim:ETH/USD' });
          ctx.submit({ type: 'market', side: 'buy', size: { units: 10 } });
          s.done = true;
        }
      },
    });
    const o = runBacktest({ strategy: pair, data: [{ key: { instrument: I, timeframe: '1h' }, bars: hourly }, { key: { instrument: 'sim:ETH/USD', timeframe: '1h' }, bars: other }], cash: 10_000, feeRate: 0 });
    expect([...seen].sort()).toEqual(['sim:BTC/USD', 'sim:ETH/USD']);
    expect(o.openPositions.map((p) => [p.instrument, p.size])).toEqual([['sim:BTC/USD', 10], ['sim:ETH/USD', 100]]);
    const last = o.equity.equity.at(-1)!;
    expect(last).toBeCloseTo(10_000 - 1000 - 10 * hourly.open[1]! + 10 * hourly.close.at(-1)! + 1000, 6);
  });
});
