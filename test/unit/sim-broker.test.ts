import { describe, expect, it } from 'vitest';
import type { Bar } from '../../engine/domain/index.js';
import type { BrokerSink, Fill, OrderSpec, OrderUpdate } from '../../engine/ports/index.js';
import { makeOrder } from '../../engine/core/index.js';
import { SimBroker, type SimBrokerOptions } from '../../engine/brokers/sim/index.js';

const I = 'sim:BTC/USD';
const MIN = 60_000;

function bar(i: number, open: number, high: number, low: number, close: number, volume = 1000): Bar {
  return { instrument: I, timeframe: '1m', openTime: i * MIN, open, high, low, close, volume };
}

/** A broker with a recording sink; `submit` stamps the order as decided at the close of bar `at`. */
function setup(opts: Partial<SimBrokerOptions> = {}) {
  const fills: Fill[] = [];
  const updates: OrderUpdate[] = [];
  const sink: BrokerSink = { filled: (f) => fills.push(f), orderUpdated: (u) => updates.push(u) };
  const broker = new SimBroker({ cash: 10_000, makerFeeRate: 0, takerFeeRate: 0, ...opts });
  broker.connect(sink);
  let n = 0;
  const submit = (spec: OrderSpec, at = 0) => {
    const o = makeOrder(spec, `o${++n}`, spec.instrument ?? I, 'signal', (at + 1) * MIN);
    broker.submit(o);
    return o.id;
  };
  const status = (id: string) => updates.filter((u) => u.order.id === id).at(-1)?.status;
  return { broker, fills, updates, submit, status };
}

describe('simulated broker: order types', () => {
  it('fills a market order at the next bar open', () => {
    const t = setup();
    t.broker.onBar(bar(0, 100, 101, 99, 100));
    t.submit({ type: 'market', side: 'buy', size: { units: 2 } }, 0);
    t.broker.onBar(bar(1, 103, 104, 102, 103));
    expect(t.fills.map((f) => [f.price, f.amount, f.time])).toEqual([[103, 2, MIN]]);
    expect(t.broker.account.cash).toBe(10_000 - 206);
  });

  it('fills a buy limit at the limit price (maker) when the bar trades down to it', () => {
    const t = setup({ makerFeeRate: 0.001, takerFeeRate: 0.002 });
    t.submit({ type: 'limit', side: 'buy', size: { units: 1 }, limitPrice: 98 });
    t.broker.onBar(bar(1, 100, 101, 97, 99));
    expect(t.fills.map((f) => [f.price, f.liquidity, f.fee])).toEqual([[98, 'maker', 0.098]]);
  });

  it('fills a buy limit at the open (taker) when the bar opens below the limit', () => {
    const t = setup();
    t.submit({ type: 'limit', side: 'buy', size: { units: 1 }, limitPrice: 98 });
    t.broker.onBar(bar(1, 95, 96, 94, 95));
    expect(t.fills.map((f) => [f.price, f.liquidity])).toEqual([[95, 'taker']]);
  });

  it('leaves a limit open while the price does not reach it', () => {
    const t = setup();
    const id = t.submit({ type: 'limit', side: 'buy', size: { units: 1 }, limitPrice: 90 });
    t.broker.onBar(bar(1, 100, 101, 95, 99));
    expect(t.fills).toEqual([]);
    expect(t.status(id)).toBe('open');
  });

  it('fills a stop at the stop price when the bar trades through it', () => {
    const t = setup();
    t.submit({ type: 'stop', side: 'buy', size: { units: 1 }, stopPrice: 102 });
    t.broker.onBar(bar(1, 100, 103, 99, 101));
    expect(t.fills.map((f) => f.price)).toEqual([102]);
  });

  it('fills a stop that gaps through at the open, not at the stop price', () => {
    const t = setup();
    t.submit({ type: 'stop', side: 'sell', size: { units: 1 }, stopPrice: 95 });
    t.broker.onBar(bar(1, 90, 92, 89, 91));
    expect(t.fills.map((f) => f.price)).toEqual([90]);
  });

  it('fills a stop-limit at the stop when the limit allows it, and rests it as a limit otherwise', () => {
    const a = setup();
    a.submit({ type: 'stop-limit', side: 'buy', size: { units: 1 }, stopPrice: 102, limitPrice: 103 });
    a.broker.onBar(bar(1, 100, 104, 99, 101));
    expect(a.fills.map((f) => f.price)).toEqual([102]);
    const b = setup();
    b.submit({ type: 'stop-limit', side: 'buy', size: { units: 1 }, stopPrice: 102, limitPrice: 101 });
    b.broker.onBar(bar(1, 100, 104, 99, 103));
    expect(b.fills).toEqual([]);
    b.broker.onBar(bar(2, 102, 102.5, 100.5, 101));
    expect(b.fills.map((f) => f.price)).toEqual([101]);
  });

  it('expires the unfilled rest of an IOC order after its first bar', () => {
    const t = setup();
    const id = t.submit({ type: 'limit', side: 'buy', size: { units: 1 }, limitPrice: 90, timeInForce: 'IOC' });
    t.broker.onBar(bar(1, 100, 101, 95, 99));
    expect(t.status(id)).toBe('expired');
  });

  it('cancels and replaces a working order', () => {
    const t = setup();
    const id = t.submit({ type: 'limit', side: 'buy', size: { units: 1 }, limitPrice: 90 });
    t.broker.replace(id, { limitPrice: 96, size: { units: 3 } }, MIN);
    t.broker.onBar(bar(1, 100, 101, 95, 99));
    expect(t.fills.map((f) => [f.price, f.amount])).toEqual([[96, 3]]);
    const id2 = t.submit({ type: 'limit', side: 'buy', size: { units: 1 }, limitPrice: 50 }, 1);
    t.broker.cancel(id2, 2 * MIN);
    expect(t.status(id2)).toBe('cancelled');
    t.broker.onBar(bar(2, 49, 50, 40, 45));
    expect(t.fills.length).toBe(1);
  });
});

describe('simulated broker: brackets and intrabar rules', () => {
  it('places stop-loss and take-profit when the entry fills and cancels the other leg (OCO)', () => {
    const t = setup();
    const id = t.submit({ type: 'market', side: 'buy', size: { units: 1 }, stopLoss: 95, takeProfit: 110 });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    t.broker.onBar(bar(2, 100, 111, 99, 108));
    expect(t.fills.map((f) => [f.order.role, f.price])).toEqual([['signal', 100], ['take-profit', 110]]);
    expect(t.status(`${id}.sl`)).toBe('cancelled');
    expect(t.broker.account.position(I).size).toBe(0);
  });

  it('takes the stop-loss when one bar touches both stop and target (pessimistic) and flags the fill ambiguous', () => {
    const t = setup();
    t.submit({ type: 'market', side: 'buy', size: { units: 1 }, stopLoss: 95, takeProfit: 110 });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    t.broker.onBar(bar(2, 100, 112, 94, 100));
    expect(t.fills.map((f) => [f.order.role, f.price, f.ambiguous])).toEqual([['signal', 100, false], ['stop-loss', 95, true]]);
  });

  it('takes the target in the same situation when the intrabar rule is optimistic', () => {
    const t = setup({ intrabar: 'optimistic' });
    t.submit({ type: 'market', side: 'buy', size: { units: 1 }, stopLoss: 95, takeProfit: 110 });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    t.broker.onBar(bar(2, 100, 112, 94, 100));
    expect(t.fills.map((f) => [f.order.role, f.price, f.ambiguous])).toEqual([['signal', 100, false], ['take-profit', 110, true]]);
  });

  it('fills a stop-loss at the open when the bar gaps below it (not ambiguous)', () => {
    const t = setup();
    t.submit({ type: 'market', side: 'buy', size: { units: 1 }, stopLoss: 95, takeProfit: 110 });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    t.broker.onBar(bar(2, 90, 112, 89, 100));
    expect(t.fills.map((f) => [f.order.role, f.price, f.ambiguous])).toEqual([['signal', 100, false], ['stop-loss', 90, false]]);
  });

  it('checks the bracket on the entry bar from the entry price', () => {
    const t = setup();
    t.submit({ type: 'market', side: 'buy', size: { units: 1 }, stopLoss: 95 });
    t.broker.onBar(bar(1, 100, 101, 94, 96));
    expect(t.fills.map((f) => [f.order.role, f.price])).toEqual([['signal', 100], ['stop-loss', 95]]);
  });

  it('moves a trailing stop after each bar and fills it when the price falls back', () => {
    const t = setup();
    t.submit({ type: 'market', side: 'buy', size: { units: 1 }, trailingStop: { distance: 5 } });
    t.broker.onBar(bar(1, 100, 101, 99, 100)); // stop 95, then ratchets to 96
    t.broker.onBar(bar(2, 100, 110, 99, 109)); // stop 105 after this bar
    t.broker.onBar(bar(3, 108, 109, 104, 105)); // touches 105
    expect(t.fills.map((f) => [f.order.role, f.price])).toEqual([['signal', 100], ['trailing-stop', 105]]);
  });

  it('cancels a bracket leg whose position the strategy already closed', () => {
    const t = setup();
    const id = t.submit({ type: 'market', side: 'buy', size: { units: 1 }, stopLoss: 95 });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    t.submit({ type: 'market', side: 'sell', size: { closeAll: true } }, 1);
    t.broker.onBar(bar(2, 100, 101, 90, 92));
    expect(t.fills.map((f) => [f.order.role, f.price])).toEqual([['signal', 100], ['signal', 100]]);
    expect(t.status(`${id}.sl`)).toBe('cancelled');
    expect(t.broker.account.position(I).size).toBe(0);
  });

  it('cancels the protective orders as soon as another order closes their position: an old stop never touches a later position', () => {
    const t = setup();
    const id = t.submit({ type: 'market', side: 'buy', size: { units: 1 }, stopLoss: 95, takeProfit: 120 });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    t.submit({ type: 'market', side: 'sell', size: { closeAll: true } }, 1);
    t.broker.onBar(bar(2, 100, 101, 99, 100)); // closed at the open; the bar touches neither leg
    for (const leg of ['sl', 'tp']) {
      const last = t.updates.filter((u) => u.order.id === `${id}.${leg}`).at(-1);
      expect([last?.status, last?.reason, last?.time]).toEqual(['cancelled', 'position closed', 2 * MIN]);
    }
    // A new position below the old stop level: only its own orders act on it.
    t.submit({ type: 'market', side: 'buy', size: { units: 1 } }, 2);
    t.broker.onBar(bar(3, 96, 97, 90, 96));
    expect(t.fills.map((f) => [f.order.role, f.side, f.price])).toEqual([['signal', 'buy', 100], ['signal', 'sell', 100], ['signal', 'buy', 96]]);
    expect(t.broker.account.position(I).size).toBe(1);
  });
});

describe('simulated broker: costs', () => {
  it('charges the taker rate plus the fixed fee per fill', () => {
    const t = setup({ takerFeeRate: 0.001, fixedFee: 1 });
    t.submit({ type: 'market', side: 'buy', size: { units: 10 } });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    expect(t.fills[0]!.fee).toBeCloseTo(2, 12);
    expect(t.broker.account.cash).toBeCloseTo(10_000 - 1000 - 2, 9);
  });

  it('moves taker fills against the order by fixed basis points', () => {
    const t = setup({ slippage: { kind: 'bps', bps: 10 } });
    t.submit({ type: 'market', side: 'buy', size: { units: 1 } });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    expect(t.fills[0]!.price).toBeCloseTo(100.1, 12);
  });

  it("moves taker fills by a fraction of the bar's range, never outside the bar", () => {
    const t = setup({ slippage: { kind: 'range', fraction: 0.25 } });
    t.submit({ type: 'market', side: 'sell', size: { units: 1 } });
    t.broker.onBar(bar(1, 100, 102, 98, 100));
    expect(t.fills[0]!.price).toBe(99);
    const u = setup({ slippage: { kind: 'range', fraction: 5 } });
    u.submit({ type: 'market', side: 'sell', size: { units: 1 } });
    u.broker.onBar(bar(1, 100, 102, 98, 100));
    expect(u.fills[0]!.price).toBe(98);
  });

  it('fills at most the volume cap per bar and keeps the rest open as a partial fill', () => {
    const t = setup({ volumeCap: 0.1 });
    const id = t.submit({ type: 'market', side: 'buy', size: { units: 15 } });
    t.broker.onBar(bar(1, 100, 101, 99, 100, 100));
    expect(t.status(id)).toBe('partially-filled');
    t.broker.onBar(bar(2, 101, 102, 100, 101, 100));
    t.broker.onBar(bar(3, 102, 103, 101, 102, 100));
    expect(t.fills.map((f) => [f.amount, f.price])).toEqual([[10, 100], [5, 101]]);
    expect(t.status(id)).toBe('filled');
  });
});

describe('simulated broker: sizing, margin and market rules', () => {
  it('sizes by quote amount, equity fraction (fee included) and risk to the stop', () => {
    const q = setup();
    q.submit({ type: 'market', side: 'buy', size: { quote: 500 } });
    q.broker.onBar(bar(1, 100, 101, 99, 100));
    expect(q.fills[0]!.amount).toBe(5);
    const e = setup({ takerFeeRate: 0.001 });
    e.submit({ type: 'market', side: 'buy', size: { equityFraction: 1, lot: 1 } });
    e.broker.onBar(bar(1, 100, 101, 99, 100));
    expect(e.fills[0]!.amount).toBe(Math.floor(10_000 / (100 * 1.001)));
    const r = setup();
    r.submit({ type: 'market', side: 'buy', size: { risk: 0.01 }, stopLoss: 90 });
    r.broker.onBar(bar(1, 100, 101, 99, 100));
    expect(r.fills[0]!.amount).toBe(10); // 1 % of 10,000 = 100 at risk over a 10-point stop
  });

  it('closes the whole position with closeAll and rejects closeAll when flat', () => {
    const t = setup();
    t.submit({ type: 'market', side: 'buy', size: { units: 3 } });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    t.submit({ type: 'market', side: 'sell', size: { closeAll: true } }, 1);
    t.broker.onBar(bar(2, 100, 101, 99, 100));
    expect(t.fills.map((f) => f.amount)).toEqual([3, 3]);
    const id = t.submit({ type: 'market', side: 'sell', size: { closeAll: true } }, 2);
    t.broker.onBar(bar(3, 100, 101, 99, 100));
    expect(t.status(id)).toBe('rejected');
    expect(t.updates.at(-1)!.reason).toBe('no position to close');
  });

  it('rejects a buy the cash cannot pay for, with the reason', () => {
    const t = setup({ takerFeeRate: 0.001 });
    const id = t.submit({ type: 'market', side: 'buy', size: { units: 100 } });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    expect(t.status(id)).toBe('rejected');
    expect(t.updates.at(-1)!.reason).toMatch(/^insufficient funds: buy 100 sim:BTC\/USD at 100 needs 10010\.00/);
    expect(t.fills).toEqual([]);
  });

  it('allows shorts within the leverage limit and refuses them when shorting is off', () => {
    const t = setup({ maxLeverage: 2 });
    t.submit({ type: 'market', side: 'sell', size: { units: 150 } });
    t.broker.onBar(bar(1, 100, 101, 99, 100));
    expect(t.broker.account.position(I).size).toBe(-150);
    expect(t.broker.account.cash).toBe(25_000);
    const over = t.submit({ type: 'market', side: 'sell', size: { units: 100 } }, 1);
    t.broker.onBar(bar(2, 100, 101, 99, 100));
    expect(t.status(over)).toBe('rejected');
    const n = setup({ allowShort: false });
    const id = n.submit({ type: 'market', side: 'sell', size: { units: 1 } });
    n.broker.onBar(bar(1, 100, 101, 99, 100));
    expect(n.status(id)).toBe('rejected');
  });

  it('rounds amounts down to the amount step and prices to the tick, and rejects below the minimum notional', () => {
    const market = { amountStep: 0.01, priceStep: 0.5, minAmount: 0.01, minNotional: 10 };
    const t = setup({ defaultMarket: market });
    t.submit({ type: 'limit', side: 'buy', size: { units: 1.2345 }, limitPrice: 98.3 });
    t.broker.onBar(bar(1, 100, 101, 97, 99));
    expect(t.fills.map((f) => [f.amount, f.price])).toEqual([[1.23, 98.5]]);
    const small = t.submit({ type: 'market', side: 'buy', size: { quote: 5 } }, 1);
    t.broker.onBar(bar(2, 100, 101, 99, 100));
    expect(t.status(small)).toBe('rejected');
    expect(t.updates.at(-1)!.reason).toBe('notional 5 is below the market minimum notional 10');
  });
});
