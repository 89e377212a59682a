/**
 * Live order latency: from a closed bar arriving at the kernel (delivered by the live feed) to the signed order
 * request leaving the process (ccxt's fetch() for POST /api/v3/order, after signing), through the real path:
 * feed → Kernel.handle → strategy → CcxtBroker → risk → OrderPath (journal SUBMITTING committed with
 * synchronous=FULL) → ccxt sign → request. Local exchange on loopback. Target: p99 ≤ 5 ms over 1,000 orders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allocBarColumns } from '../../engine/domain/index.js';
import { defineStrategy, type AnyStrategy } from '../../engine/api/index.js';
import { startLocalExchange } from '../../engine/local-exchange/index.js';
import { runLive } from '../../engine/app/run-live.js';
import { openTradingDb } from '../../data/store/order-journal.js';
import { clearExchangeInstances } from '../../engine/brokers/ccxt/index.js';

export const name = 'live';

const ORDERS = 1000;

/** Buys 0.001 on even bars and sells it back on odd ones: one market order per bar. */
const pingPong = defineStrategy({
  id: 'bench-ping-pong',
  version: 1,
  params: {},
  init: () => ({}),
  onBar(_bar, _s, ctx) {
    ctx.submit({ type: 'market', side: ctx.position().isFlat ? 'buy' : 'sell', size: { units: 0.001 } });
  },
}) as unknown as AnyStrategy;

function bars(n: number) {
  const c = allocBarColumns(n);
  const start = Date.UTC(2026, 0, 1);
  let prev = 30_000;
  for (let i = 0; i < n; i++) {
    const close = Math.round((30_000 + 500 * Math.sin(i / 7)) * 100) / 100;
    c.openTime[i] = start + i * 60_000;
    c.open[i] = prev;
    c.close[i] = close;
    c.high[i] = Math.max(prev, close) + 5;
    c.low[i] = Math.min(prev, close) - 5;
    c.volume[i] = 1;
    prev = close;
  }
  return c;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(): Promise<void> {
  await measure('journal on disk (fsync per commit)', os.tmpdir());
  // The same path with the journal on tmpfs: what the code costs without the disk's fsync latency.
  if (fs.existsSync('/dev/shm')) await measure('journal on tmpfs (/dev/shm)', '/dev/shm');
}

async function measure(label: string, base: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(base, 'ck-bench-live-'));
  const ex = await startLocalExchange({
    series: [{ symbol: 'BTC/USDT', timeframe: '1m', bars: bars(ORDERS + 60) }],
    apiKeys: [{ key: 'benchKey0000000001', secret: 'benchSecret000000000000000000001' }],
    balances: { USDT: 1_000_000, BTC: 10 },
  });
  const db = openTradingDb(path.join(dir, 'trading.db'));
  clearExchangeInstances();
  const session = await runLive({
    strategy: pingPong, instrument: 'binance:BTC/USDT', timeframe: '1m', tradingDb: db, pollMs: 0,
    settings: { account: 'bench', recvWindowMs: 5000, timeoutMs: 5000, timeSyncIntervalMs: 300_000, safetyMarginMs: 200, verbose: false, exchangeUrl: ex.url, risk: { maxPositionNotional: 1_000_000 } },
    credentials: { version: () => 1, load: () => ({ apiKey: 'benchKey0000000001', secret: 'benchSecret000000000000000000001' }) },
  });
  // Probes only: timestamps at the bar's hand-over and when the signed order request is handed to the network.
  let t0 = 0;
  const samples: number[] = [];
  const kernel = session.kernel;
  const handle = kernel.handle.bind(kernel);
  kernel.handle = (e) => {
    t0 = performance.now();
    handle(e);
  };
  const exchange = session.account!.handle.exchange as unknown as { fetch: (url: string, method: string, ...rest: unknown[]) => Promise<unknown> };
  const fetch = exchange.fetch.bind(exchange);
  exchange.fetch = (url, method, ...rest) => {
    if (method === 'POST' && url.includes('/api/v3/order') && t0 > 0) {
      samples.push(performance.now() - t0);
      t0 = 0;
    }
    return fetch(url, method, ...rest);
  };
  const wall = performance.now();
  while (samples.length < ORDERS && ex.clock.advanceBar()) await session.step();
  const elapsed = performance.now() - wall;
  await session.stop();
  const rows = session.journal.bySession(session.sessionId);
  const filled = rows.filter((r) => r.state === 'FILLED').length;
  db.close();
  await ex.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(`  ${label}`);
  console.log(`  orders measured: ${samples.length} (journal FILLED ${filled}, exchange POSTs ${ex.counters.orderPosts})`);
  console.log(`  bar close → signed order request leaves, p50: ${pct(sorted, 50).toFixed(3)} ms`);
  console.log(`  bar close → signed order request leaves, p99: ${pct(sorted, 99).toFixed(3)} ms  (target ≤ 5 ms)`);
  console.log(`  max: ${sorted.at(-1)!.toFixed(3)} ms; whole loop incl. feed poll and exchange round trips: ${(elapsed / samples.length).toFixed(2)} ms per bar`);
}
