/**
 * Report writing on a long run: 1M equity points and 3,000 closed trades → metrics, report.json,
 * trades.csv, report.html and the run index. Target: well under 100 ms for the report.json part
 * (the whole `backtest` process over 1M bars to report.json must stay ≤ 0.5 s).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BacktestOutcome, ClosedTrade } from '../../engine/domain/index.js';
import { allocBarColumns } from '../../engine/domain/index.js';
import { buildReport, computeMetrics, writeRunArtifacts } from '../../engine/reports/index.js';

export const name = 'reports';

function outcome(n: number, nTrades: number) {
  const bars = allocBarColumns(n);
  const time = new Float64Array(n), equity = new Float64Array(n), inMarket = new Uint8Array(n);
  let s = 12345, p = 30_000, eq = 10_000;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const t0 = Date.UTC(2020, 0, 1);
  for (let i = 0; i < n; i++) {
    const o = p, c = o * (1 + (rnd() - 0.5) * 0.002);
    bars.openTime[i] = t0 + i * 60_000; bars.open[i] = o; bars.close[i] = c;
    bars.high[i] = Math.max(o, c) * 1.0005; bars.low[i] = Math.min(o, c) * 0.9995; bars.volume[i] = 1;
    p = c;
    inMarket[i] = (i / 100) % 2 < 1 ? 1 : 0;
    if (inMarket[i]) eq += (c - o) * 0.3;
    time[i] = t0 + (i + 1) * 60_000; equity[i] = eq;
  }
  const trades: ClosedTrade[] = [];
  const step = Math.floor(n / nTrades);
  for (let k = 0; k < nTrades; k++) {
    const i = k * step, j = i + Math.floor(step / 2);
    const pnl = (bars.open[j]! - bars.open[i]!) * 0.3;
    trades.push({ instrument: 'binance:BTC/USDT', direction: 'long', size: 0.3, entryTime: bars.openTime[i]!, entryPrice: bars.open[i]!,
      exitTime: bars.openTime[j]!, exitPrice: bars.open[j]!, fees: 1, pnl, returnFrac: pnl / (0.3 * bars.open[i]!),
      entryOrderId: `e${k}`, exitOrderId: `x${k}`, exitReason: 'signal' });
  }
  const o: BacktestOutcome = {
    strategy: { id: 'sma-cross', version: 1, params: { fast: 10, slow: 30 } }, cash: 10_000, feeRate: 0.001,
    data: [{ instrument: 'binance:BTC/USDT', timeframe: '1m', from: t0, to: t0 + (n - 1) * 60_000, count: n, hash: 'x', synthetic: true }],
    benchmark: { instrument: 'binance:BTC/USDT', firstOpen: bars.open[0]!, lastClose: bars.close[n - 1]!, close: bars.close },
    equity: { time, equity, inMarket }, trades, openPositions: [],
    counters: { ordersSubmitted: 2 * nTrades, fills: 2 * nTrades, rejectedOrders: 0, ambiguousFills: 0, feesPaid: nTrades },
  };
  return { o, bars };
}

/** Best wall time and best CPU time (user + system, this process) over several runs, in ms. */
function best(f: () => void, runs = 7): string {
  let wall = Infinity, cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    f();
    wall = Math.min(wall, performance.now() - t);
    const d = process.cpuUsage(c);
    cpu = Math.min(cpu, (d.user + d.system) / 1000);
  }
  return `${wall.toFixed(1)} ms wall, ${cpu.toFixed(1)} ms CPU`;
}

export async function run(): Promise<void> {
  const { o, bars } = outcome(1_000_000, 3000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ck-bench-reports-'));
  try {
    const input = { outcome: o, spec: { strategy: 'sma-cross' }, engineVersion: '0.1.0', fillAssumptions: { market: 'next bar open' }, primaryBars: bars };
    const metrics = best(() => computeMetrics(o));
    const build = best(() => buildReport(input));
    const opts = { resultsDir: path.join(dir, 'results'), marketDb: path.join(dir, 'market.db') };
    const noHtml = best(() => writeRunArtifacts(input, { ...opts, html: false }));
    const all = best(() => writeRunArtifacts(input, opts));
    console.log(`  computeMetrics, 1M equity points + 3,000 trades: ${metrics}  (target: part of < 100 ms)`);
    console.log(`  buildReport (metrics + report.json bytes): ${build}  (target < 100 ms)`);
    console.log(`  writeRunArtifacts without html (json + csv + index): ${noHtml}  (target < 100 ms)`);
    console.log(`  writeRunArtifacts with report.html (1M bars → 5,000 candles): ${all}  (target < 150 ms)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
