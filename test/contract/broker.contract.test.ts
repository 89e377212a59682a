/**
 * The Broker port's contract, run against every implementation: the simulated broker (backtest, paper) and the
 * ccxt broker against the local exchange (live). Same orders, same observable sequence of updates and fills.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bar } from '../../engine/domain/index.js';
import type { Broker, BrokerSink, Fill, Order, OrderSpec, OrderUpdate } from '../../engine/ports/index.js';
import { SimBroker } from '../../engine/brokers/sim/index.js';
import { CcxtBroker, IntentOrderIds } from '../../engine/brokers/ccxt/index.js';
import { harness, syntheticBars, type Harness } from '../integration/live-harness.js';

const I = 'binance:BTC/USDT';
const BARS = syntheticBars(50);
const barAt = (i: number): Bar => ({ instrument: I, timeframe: '1h', openTime: BARS.openTime[i]!, open: BARS.open[i]!, high: BARS.high[i]!, low: BARS.low[i]!, close: BARS.close[i]!, volume: BARS.volume[i]! });

type Subject = {
  broker: Broker;
  /** Submits on bar `i`'s close and lets the market reach bar i+1 (where the order may fill). */
  submitOnClose(spec: OrderSpec, i: number): Promise<Order>;
  cancel(id: string, i: number): Promise<void>;
  close(): Promise<void>;
};

class Recorder implements BrokerSink {
  readonly events: string[] = [];
  readonly updates: OrderUpdate[] = [];
  readonly fills: Fill[] = [];
  orderUpdated(u: OrderUpdate): void {
    this.updates.push(u);
    this.events.push(`${u.order.id}:${u.status}`);
  }
  filled(f: Fill): void {
    this.fills.push(f);
    this.events.push(`${f.order.id}:fill`);
  }
}

let position = 0;
function idSource(account: string) {
  return new IntentOrderIds({ accountId: account, strategyInstanceId: 'contract-v1', timeframe: '1h', position: () => position });
}

function order(ids: IntentOrderIds, spec: OrderSpec, i: number): Order {
  const time = BARS.openTime[i]! + 3_600_000;
  return { ...spec, id: ids.next(spec, I, time), instrument: I, timeInForce: spec.timeInForce ?? 'GTC', role: 'signal', submittedAt: time };
}

const subjects: Record<string, (rec: Recorder) => Promise<Subject>> = {
  sim: async (rec) => {
    const broker = new SimBroker({ cash: 100_000, makerFeeRate: 0.001, takerFeeRate: 0.001 });
    broker.connect(rec);
    const ids = idSource('acct:sim');
    broker.onBar(barAt(0));
    return {
      broker,
      async submitOnClose(spec, i) {
        const o = order(ids, spec, i);
        broker.submit(o);
        broker.onBar(barAt(i + 1));
        return o;
      },
      async cancel(id, i) {
        broker.cancel(id, BARS.openTime[i]! + 3_600_000);
      },
      async close() {},
    };
  },
  ccxt: async (rec) => {
    const h: Harness = await harness();
    const ids = idSource(h.accountId);
    const broker = new CcxtBroker(h.account.handle, h.account.path, h.log, { sessionId: 'contract', accountId: h.accountId, strategyInstanceId: 'contract-v1', timeframe: '1h', feeRate: 0.001, intents: ids.intents });
    h.account.listeners.push(broker.onJournalChange);
    broker.account = { equity: () => 100_000, position: () => ({ size: position }) };
    broker.connect(rec);
    return {
      broker,
      async submitOnClose(spec, i) {
        const o = order(ids, spec, i);
        // The exchange is at bar i+1's open when bar i has closed.
        h.ex.clock.advanceTo(BARS.openTime[i + 1]!);
        broker.onBar(barAt(i));
        broker.submit(o);
        await broker.settle();
        await broker.refresh();
        return o;
      },
      async cancel(id) {
        broker.cancel(id, Date.now());
        await broker.settle();
      },
      close: () => h.close(),
    };
  },
};

for (const [name, make] of Object.entries(subjects)) {
  describe(`Broker contract: ${name}`, () => {
    let s: Subject | undefined;
    afterEach(async () => {
      await s?.close();
      s = undefined;
      position = 0;
    });

    it('a market order is reported open, then filled once at the next bar’s open with the fee, then filled', async () => {
      const rec = new Recorder();
      s = await make(rec);
      const o = await s.submitOnClose({ type: 'market', side: 'buy', size: { units: 0.01 } }, 1);
      expect(rec.events).toEqual([`${o.id}:open`, `${o.id}:fill`, `${o.id}:filled`]);
      const f = rec.fills[0]!;
      expect([f.side, f.amount, f.price, f.liquidity]).toEqual(['buy', 0.01, BARS.open[2], 'taker']);
      expect(f.fee).toBeCloseTo(0.01 * BARS.open[2]! * 0.001, 9);
      expect(rec.updates.at(-1)!.filled).toBe(0.01);
      expect(rec.updates.at(-1)!.remaining).toBe(0);
    });

    it('a refused order (more than the account can pay) ends rejected through the sink; submit never throws', async () => {
      const rec = new Recorder();
      s = await make(rec);
      const o = await s.submitOnClose({ type: 'market', side: 'buy', size: { units: 100 } }, 1);
      expect(rec.events.at(-1)).toBe(`${o.id}:rejected`);
      expect(rec.updates.at(-1)!.reason).toBeTruthy();
      expect(rec.fills).toEqual([]);
    });

    it('a resting limit order is reported open, and cancelled on cancel with nothing filled', async () => {
      const rec = new Recorder();
      s = await make(rec);
      const o = await s.submitOnClose({ type: 'limit', side: 'buy', size: { units: 0.01 }, limitPrice: 1000 }, 1);
      expect(rec.events).toEqual([`${o.id}:open`]);
      await s.cancel(o.id, 2);
      expect(rec.events).toEqual([`${o.id}:open`, `${o.id}:cancelled`]);
      expect(rec.updates.at(-1)!.filled).toBe(0);
      expect(rec.fills).toEqual([]);
    });
  });
}
