import { allocBarColumns } from '../../engine/domain/index.js';
import { pointCcxtAt, startLocalExchange } from '../../engine/local-exchange/index.js';

export const name = 'local-exchange';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Round trip of a signed market order through ccxt's real binance class to the local exchange on
 * loopback (sign → HTTP → verify → match → answer → ccxt parse). It is the exchange side of the live
 * path whose target is "bar close to signed request leaving the process: p99 ≤ 5 ms".
 */
export async function run(): Promise<void> {
  const n = 1000;
  const bars = allocBarColumns(10);
  for (let i = 0; i < 10; i++) {
    bars.openTime[i] = 1_767_225_600_000 + i * 3_600_000;
    bars.open[i] = bars.high[i] = bars.low[i] = bars.close[i] = 100;
    bars.volume[i] = 1;
  }
  const ex = await startLocalExchange({ series: [{ symbol: 'BTC/USDT', timeframe: '1h', bars }], apiKeys: [{ key: 'k', secret: 's' }], balances: { USDT: 1_000_000 }, maxRequestLog: 10, weightLimitPerMinute: 1e9 });
  const ccxt = (await import('ccxt')).default;
  const b = pointCcxtAt(new ccxt.binance({ apiKey: 'k', secret: 's', enableRateLimit: false, options: { fetchCurrencies: false, recvWindow: 5000, adjustForTimeDifference: false, maxRetriesOnFailure: 0 } }), ex.url);
  try {
    await b.loadMarkets();
    for (let i = 0; i < 50; i++) await b.createOrder('BTC/USDT', 'market', i % 2 ? 'sell' : 'buy', 0.1); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await b.createOrder('BTC/USDT', 'market', i % 2 ? 'sell' : 'buy', 0.1, undefined, { clientOrderId: `bench-${i}` });
      ms.push(performance.now() - t0);
    }
    ms.sort((x, y) => x - y);
    console.log(`  ccxt createOrder round trip on loopback, p50: ${pct(ms, 50).toFixed(2)} ms  (no target; context for live p99 <= 5 ms)`);
    console.log(`  ccxt createOrder round trip on loopback, p99: ${pct(ms, 99).toFixed(2)} ms`);
    console.log(`  orders stored: ${ex.counters.ordersStored}`);
  } finally {
    await ex.close();
  }
}
