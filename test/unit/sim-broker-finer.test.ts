import { describe, expect, it } from 'vitest';
import { allocBarColumns, type Bar } from '../../engine/domain/index.js';
import type { BrokerSink, Fill, OrderSpec } from '../../engine/ports/index.js';
import { makeOrder } from '../../engine/core/index.js';
import { SimBroker, type FinerBars } from '../../engine/brokers/sim/index.js';

const I = 'sim:BTC/USD';
const H = 3_600_000;
const MIN = 60_000;

function hour(i: number, open: number, high: number, low: number, close: number): Bar {
  return { instrument: I, timeframe: '1h', openTime: i * H, open, high, low, close, volume: 1000 };
}

/** Minute bars of hour 1 as [open, high, low, close] rows (the rest of the hour is missing). */
function minutes(rows: readonly (readonly [number, number, number, number])[]): FinerBars {
  const c = allocBarColumns(rows.length);
  rows.forEach(([o, h, l, cl], i) => {
    c.openTime[i] = H + i * MIN;
    c.open[i] = o;
    c.high[i] = h;
    c.low[i] = l;
    c.close[i] = cl;
    c.volume[i] = 10;
  });
  return { timeframe: '1m', bars: c };
}

/** Buys 1 unit with a bracket (stop 95, target 110) at hour 1's open; hour 1 touches both. */
function run(finer?: FinerBars, intrabar: 'pessimistic' | 'optimistic' = 'pessimistic'): Fill[] {
  const fills: Fill[] = [];
  const sink: BrokerSink = { filled: (f) => fills.push(f), orderUpdated: () => {} };
  const broker = new SimBroker({ cash: 10_000, makerFeeRate: 0, takerFeeRate: 0, intrabar, ...(finer ? { finer: { [I]: finer } } : {}) });
  broker.connect(sink);
  broker.onBar(hour(0, 100, 101, 99, 100));
  const spec: OrderSpec = { type: 'market', side: 'buy', size: { units: 1 }, stopLoss: 95, takeProfit: 110 };
  broker.submit(makeOrder(spec, 'o1', I, 'signal', H));
  broker.onBar(hour(1, 100, 112, 94, 100));
  return fills;
}

const exit = (fills: Fill[]) => fills.slice(1).map((f) => [f.order.role, f.price, f.ambiguous, f.intrabarResolved]);

describe('simulated broker: finer bars decide a bar that touched both stop-loss and take-profit', () => {
  it('takes the target when the minute bars reach it before the stop, and the fill is not ambiguous', () => {
    const finer = minutes([[100, 104, 99, 103], [103, 111, 102, 109], [109, 109, 94, 95]]);
    expect(exit(run(finer))).toEqual([['take-profit', 110, false, true]]);
  });

  it('takes the stop when the minute bars reach it first, even under the optimistic rule', () => {
    const finer = minutes([[100, 101, 94.5, 96], [96, 96, 94, 95], [95, 112, 95, 111]]);
    expect(exit(run(finer, 'optimistic'))).toEqual([['stop-loss', 95, false, true]]);
  });

  it('fills at a minute bar that gaps through the stop at its open (the gap price)', () => {
    const finer = minutes([[100, 101, 99, 99.5], [94.2, 112, 94, 111]]);
    expect(exit(run(finer))).toEqual([['stop-loss', 94.2, false, true]]);
  });

  it('falls back to the intrabar rule, still flagged ambiguous, when one minute bar touches both', () => {
    const finer = minutes([[100, 101, 99, 100], [100, 112, 94, 100]]);
    expect(exit(run(finer))).toEqual([['stop-loss', 95, true, false]]);
    expect(exit(run(finer, 'optimistic'))).toEqual([['take-profit', 110, true, false]]);
  });

  it('falls back to the intrabar rule when no minute bars cover the hour', () => {
    const empty = minutes([]);
    expect(exit(run(empty))).toEqual([['stop-loss', 95, true, false]]);
    expect(exit(run())).toEqual([['stop-loss', 95, true, false]]);
  });
});
