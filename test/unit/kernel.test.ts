import { describe, expect, it } from 'vitest';
import { allocBarColumns, type BarColumns } from '../../engine/domain/index.js';
import { defineStrategy, int, sma, type Bar, type Fill, type Indicator, type OrderUpdate } from '../../engine/api/index.js';
import { runBacktest, type BacktestOptions } from '../../engine/app/index.js';
import type { LogEntry } from '../../engine/core/index.js';

const I = 'sim:BTC/USD';
const MIN = 60_000;

/** Bars whose open is the previous close; close = the given prices. */
function barsOf(closes: readonly number[]): BarColumns {
  const c = allocBarColumns(closes.length);
  for (let i = 0; i < closes.length; i++) {
    const prev = i === 0 ? closes[0]! : closes[i - 1]!;
    c.openTime[i] = i * MIN;
    c.open[i] = prev;
    c.close[i] = closes[i]!;
    c.high[i] = Math.max(prev, closes[i]!) + 1;
    c.low[i] = Math.min(prev, closes[i]!) - 1;
    c.volume[i] = 100;
  }
  return c;
}

const run = (strategy: BacktestOptions['strategy'], closes: readonly number[], extra: Partial<BacktestOptions> = {}) =>
  runBacktest({ strategy, data: [{ key: { instrument: I, timeframe: '1m' }, bars: barsOf(closes), hash: 'h' }], cash: 1000, feeRate: 0, ...extra });

describe('kernel', () => {
  it('calls onBar only after the declared warm-up and once every indicator is ready', () => {
    const seen: number[] = [];
    const s = defineStrategy({
      id: 'warm', version: 1, params: {}, warmup: 2,
      init: (ctx) => ({ m: ctx.indicator(sma(3)) }),
      onBar(bar, st) {
        expect(st.m.ready).toBe(true);
        seen.push(bar.openTime / MIN);
      },
    });
    run(s, [1, 2, 3, 4, 5]);
    expect(seen).toEqual([2, 3, 4]);
  });

  it('gives ctx.bars(n) only closed bars up to the current one and sets the clock to its close', () => {
    const log: [number, number[]][] = [];
    const s = defineStrategy({
      id: 'bars', version: 1, params: {},
      init: () => ({}),
      onBar(bar, _s, ctx) {
        expect(ctx.now).toBe(bar.openTime + MIN);
        log.push([bar.openTime / MIN, ctx.bars(3).map((b) => b.close)]);
      },
    });
    run(s, [10, 11, 12, 13]);
    expect(log).toEqual([[0, [10]], [1, [10, 11]], [2, [10, 11, 12]], [3, [11, 12, 13]]]);
  });

  it('returns client order ids at once, the same on every run, and reports fills after the handler', () => {
    const events: string[] = [];
    const s = defineStrategy({
      id: 'ids', version: 1, params: {},
      init: () => ({ ids: [] as string[] }),
      onBar(bar, st, ctx) {
        if (bar.openTime === 0) {
          st.ids.push(ctx.submit({ type: 'market', side: 'buy', size: { units: 2 } }));
          st.ids.push(ctx.submit({ type: 'limit', side: 'buy', size: { units: 1 }, limitPrice: 1 }));
          events.push(`submitted ${st.ids.join(',')}`);
          // The view is current at once; the callbacks arrive after this handler returns.
          expect(ctx.openOrders.map((o) => o.id)).toEqual(['o1', 'o2']);
        }
        if (bar.openTime === MIN) {
          expect(ctx.position().size).toBe(2);
          expect(ctx.position().isLong).toBe(true);
          expect(ctx.position().entryPrice).toBe(10);
          expect(ctx.openOrders.map((o) => o.id)).toEqual(['o2']);
          ctx.cancel('o2');
        }
      },
      onFill(f: Fill) {
        events.push(`filled ${f.order.id} ${f.amount}@${f.price}`);
      },
      onOrderUpdate(u: OrderUpdate) {
        events.push(`${u.status} ${u.order.id}`);
      },
    });
    const a = run(s, [10, 11, 12]);
    expect(a.stoppedEarly).toBeUndefined();
    expect(events).toEqual(['submitted o1,o2', 'open o1', 'open o2', 'filled o1 2@10', 'filled o1', 'cancelled o2']);
    expect(a.counters.ordersSubmitted).toBe(2);
    events.length = 0;
    run(s, [10, 11, 12]);
    expect(events[0]).toBe('submitted o1,o2');
  });

  it('reports a rejected order to the strategy and counts it', () => {
    const reasons: string[] = [];
    const s = defineStrategy({
      id: 'rej', version: 1, params: {},
      init: () => ({}),
      onBar(bar, _s, ctx) {
        if (bar.openTime === 0) ctx.submit({ type: 'market', side: 'buy', size: { units: 1000 } });
      },
      onOrderUpdate(u) {
        if (u.status === 'rejected') reasons.push(u.reason ?? '');
      },
    });
    const o = run(s, [10, 11, 12]);
    expect(o.counters.rejectedOrders).toBe(1);
    expect(reasons[0]).toMatch(/^insufficient funds/);
  });

  it('tracks cash, equity and short positions across fills', () => {
    const s = defineStrategy({
      id: 'short', version: 1, params: {},
      init: () => ({ checked: false }),
      onBar(bar, st, ctx) {
        if (bar.openTime === 0) ctx.submit({ type: 'market', side: 'sell', size: { units: 10 } });
        if (bar.openTime === 2 * MIN) {
          expect(ctx.position().isShort).toBe(true);
          expect(ctx.position().size).toBe(-10);
          expect(ctx.cash).toBe(1100);
          expect(ctx.equity).toBe(1100 - 10 * 12);
          st.checked = true;
        }
      },
    });
    const o = run(s, [10, 11, 12]);
    expect(o.openPositions).toEqual([{ instrument: I, size: -10, entryPrice: 10, entryTime: MIN }]);
  });

  it('writes structured log entries stamped with the clock', () => {
    const entries: LogEntry[] = [];
    const s = defineStrategy({ id: 'log', version: 1, params: {}, init: () => ({}), onBar(bar, _s, ctx) { if (bar.openTime === 0) ctx.log.info('hello', { close: bar.close }); } });
    run(s, [10, 11], { log: (e) => entries.push(e) });
    expect(entries).toEqual([{ time: MIN, level: 'info', msg: 'hello', fields: { close: 10 } }]);
  });
});

describe('kernel: bad strategies stop the run with a clear reason', () => {
  it('names the strategy, the bar time and the error when onBar throws, and keeps the partial curve', () => {
    const s = defineStrategy({ id: 'boom', version: 1, params: {}, init: () => ({}), onBar(bar) { if (bar.openTime === 2 * MIN) throw new Error('division by zero'); } });
    const o = run(s, [10, 11, 12, 13, 14]);
    expect(o.stoppedEarly).toEqual({ reason: 'strategy "boom" stopped at the sim:BTC/USD 1m bar of 1970-01-01T00:02:00Z: division by zero', at: 3 * MIN });
    expect(o.equity.equity.length).toBe(2);
  });

  it('stops when an indicator produces NaN after its warm-up', () => {
    const s = defineStrategy({ id: 'nan', version: 1, params: {}, init: (ctx) => ({ m: ctx.indicator(sma(2)) }), onBar() {} });
    const o = run(s, [10, 11, NaN, 13]);
    expect(o.stoppedEarly?.reason).toBe('strategy "nan" stopped at the sim:BTC/USD 1m bar of 1970-01-01T00:02:00Z: indicator sma(2) on sim:BTC/USD 1m produced NaN after its warm-up at 1970-01-01T00:02:00Z (is there a NaN or gap in the bars?)');
  });

  it('stops on an order for an instrument the run does not have', () => {
    const s = defineStrategy({ id: 'other', version: 1, params: {}, init: () => ({}), onBar(_b, _s, ctx) { ctx.submit({ type: 'market', side: 'buy', size: { units: 1 }, instrument: 'sim:ETH/USD' }); } });
    const o = run(s, [10, 11]);
    expect(o.stoppedEarly?.reason).toMatch(/order or position for unknown instrument "sim:ETH\/USD" \(this run has sim:BTC\/USD\)$/);
  });

  it('stops on a malformed order', () => {
    const s = defineStrategy({ id: 'bad-order', version: 1, params: {}, init: () => ({}), onBar(_b, _s, ctx) { ctx.submit({ type: 'limit', side: 'buy', size: { units: 1 } }); } });
    expect(run(s, [10, 11]).stoppedEarly?.reason).toMatch(/order: limitPrice must be a positive number, got undefined$/);
  });

  it('refuses params out of bounds before running', () => {
    const s = defineStrategy({ id: 'p', version: 1, params: { n: int(5, { min: 2, max: 9 }) }, init: () => ({}), onBar() {} });
    expect(() => run(s, [1, 2], { params: { n: '10' } })).toThrow('param "n": 10 is above the maximum 9');
  });

  it('refuses an empty series', () => {
    const s = defineStrategy({ id: 'e', version: 1, params: {}, init: () => ({}), onBar() {} });
    expect(() => run(s, [])).toThrow('no bars for sim:BTC/USD 1m in the chosen range');
  });

  it('allows indicators to be registered only in init', () => {
    const s = defineStrategy({ id: 'late', version: 1, params: {}, init: () => ({}), onBar(_b, _s, ctx) { ctx.indicator(sma(2) as Indicator); } });
    expect(run(s, [1, 2]).stoppedEarly?.reason).toMatch(/ctx.indicator\(\) may only be called in init$/);
  });
});

// Keep the Bar type import used (documentation of the handler signature).
export type _Bar = Bar;
