import { afterEach, describe, expect, it } from 'vitest';
import { startLocalExchange, type LocalExchange } from '../../engine/local-exchange/index.js';
import { PollingLiveFeed } from '../../data/feeds/live-feed.js';
import { openBarStore } from '../../data/store/bar-store.js';
import { clearExchangeInstances, getExchange } from '../../engine/brokers/ccxt/exchange-factory.js';
import type { Bar } from '../../engine/domain/index.js';
import { syntheticBars } from './live-harness.js';
import { rm, tempDir } from '../helpers/cli.js';

const I = 'binance:BTC/USDT';
const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
let ex: LocalExchange | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await ex?.close();
  ex = undefined;
  for (const d of dirs.splice(0)) rm(d);
});

async function source(url: string, account: string) {
  clearExchangeInstances();
  const h = await getExchange({ exchangeId: 'binance', accountId: account, baseUrl: url });
  await h.exchange.loadMarkets();
  return h.exchange;
}

const label = (b: Bar) => `${b.timeframe}@${(b.openTime - T0) / H}`;

describe('live feed (closed bars only, ordered like the backtest driver)', () => {
  it('delivers only closed bars, a 4h bar right when it closes and before the 1h bar closing with it', async () => {
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: syntheticBars(30) }] });
    const feed = new PollingLiveFeed({ source: await source(ex.url, 'feed:a'), pollMs: 0 });
    const got: Bar[] = [];
    feed.subscribe([{ instrument: I, timeframe: '1h' }, { instrument: I, timeframe: '4h' }], (b) => got.push(b));
    await feed.poll();
    expect(got).toEqual([]);
    for (let i = 0; i < 9; i++) {
      ex.clock.advanceBar();
      await feed.poll();
    }
    expect(got.map(label)).toEqual(['1h@0', '1h@1', '1h@2', '4h@0', '1h@3', '1h@4', '1h@5', '1h@6', '4h@4', '1h@7', '1h@8']);
    const four = got.find((b) => b.timeframe === '4h')!;
    const bars = syntheticBars(30);
    expect([four.open, four.close, four.high]).toEqual([bars.open[0], bars.close[3], Math.max(...bars.high.subarray(0, 4))]);
    await feed.close();
  });

  it('after a disconnect the missed bars are back-filled in order before anything newer, and written to the store', async () => {
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: syntheticBars(30) }] });
    const home = tempDir('ck-feed-');
    dirs.push(home);
    const store = openBarStore(home);
    const feed = new PollingLiveFeed({ source: await source(ex.url, 'feed:b'), pollMs: 0, store });
    const got: Bar[] = [];
    feed.subscribe([{ instrument: I, timeframe: '1h' }, { instrument: I, timeframe: '4h' }], (b) => got.push(b));
    ex.clock.advanceBar(2);
    await feed.poll();
    // Disconnected for 7 bars: the polls fail, the exchange moves on.
    ex.faults.inject({ method: 'GET', path: '/api/v3/klines', fault: { kind: 'reset' }, times: 3 });
    for (let i = 0; i < 3; i++) {
      ex.clock.advanceBar(2);
      await expect(feed.poll()).rejects.toThrow();
    }
    ex.clock.advanceBar();
    await feed.poll();
    expect(got.map(label)).toEqual(['1h@0', '1h@1', '1h@2', '4h@0', '1h@3', '1h@4', '1h@5', '1h@6', '4h@4', '1h@7', '1h@8']);
    const stored = store.read({ instrument: I, timeframe: '1h' });
    expect(Array.from(stored.openTime)).toEqual(got.filter((b) => b.timeframe === '1h').map((b) => b.openTime));
    expect(Array.from(stored.close)).toEqual(Array.from(syntheticBars(30).close.subarray(0, 9)));
    await feed.close();
    store.close();
  });

  it('warm-up reads the store and fetches (and stores) what is missing', async () => {
    ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars: syntheticBars(30) }] });
    ex.clock.advanceBar(20);
    const home = tempDir('ck-feed-');
    dirs.push(home);
    const store = openBarStore(home);
    const feed = new PollingLiveFeed({ source: await source(ex.url, 'feed:c'), pollMs: 0, store });
    const warm = await feed.warmup({ instrument: I, timeframe: '1h' }, 5, T0 + 20 * H);
    expect(warm.map((b) => (b.openTime - T0) / H)).toEqual([15, 16, 17, 18, 19]);
    expect(store.read({ instrument: I, timeframe: '1h' }).length).toBeGreaterThanOrEqual(5);
    const requests = ex.counters.requests.length;
    const again = await feed.warmup({ instrument: I, timeframe: '1h' }, 5, T0 + 20 * H);
    expect(again).toEqual(warm);
    expect(ex.counters.requests.length).toBe(requests);
    await feed.close();
    store.close();
  });
});
