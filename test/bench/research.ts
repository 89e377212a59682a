/**
 * Research benchmark (issue 6): SMA crossover, 90 parameter combinations over 100k bars, through the real
 * sweep (worker threads + the engine + the strategy API): backtests/s for 1..N workers.
 */
import path from 'node:path';
import { loadStrategy, DEFAULT_STRATEGY_DIRS } from '../../engine/app/load-strategy.js';
import { parseGrid, candidates } from '../../engine/research/param-space.js';
import { shareBars } from '../../engine/research/shared-bars.js';
import { runSweep, defaultWorkers } from '../../engine/research/sweep.js';
import { barsContentHash } from '../../engine/app/run-backtest.js';
import { readReferenceCsv, referenceCsv } from '../helpers/reference-data.js';

export const name = 'research';


export async function run(): Promise<void> {
  const bars = readReferenceCsv(referenceCsv(100_000));
  const strategy = await loadStrategy('sma-cross');
  const axes = parseGrid(['fast=5:50:5', 'slow=20:200:20'], strategy.params);
  const { points } = candidates({ axes, defaults: { fast: 10, slow: 30, size: 'all-in' }, constraints: [] });
  const valid = points.filter((p) => !strategy.validate?.(p as never));
  // 10 × 10 grid minus fast ≥ slow: pad with fixed-size variants to exactly 90 combinations.
  const extra = valid.slice(0, Math.max(0, 90 - valid.length)).map((p) => ({ ...p, size: 1 }));
  const all = [...valid, ...extra].slice(0, 90);
  const series = [shareBars({ instrument: 'synth:GBM/USD', timeframe: '1m' }, bars, { hash: barsContentHash(bars), synthetic: true })];
  const module = path.join(DEFAULT_STRATEGY_DIRS.compiled, 'sma-cross.js');
  const cores = defaultWorkers();
  console.log(`  ${all.length} combinations × ${bars.length} bars, ${cores} cores`);
  let base = 0;
  for (let w = 1; w <= cores; w++) {
    // Warm-up round (worker start, JIT), then the measured round.
    await runSweep({ strategyModule: module, series, settings: { cash: 10_000, feeRate: 0.001 }, objective: 'sharpe', points: all.slice(0, w * 2), workers: w });
    const t0 = performance.now();
    const r = await runSweep({ strategyModule: module, series, settings: { cash: 10_000, feeRate: 0.001 }, objective: 'sharpe', points: all, workers: w });
    const s = (performance.now() - t0) / 1000;
    const rate = r.results.length / s;
    if (w === 1) base = rate;
    console.log(`  workers ${w}: ${rate.toFixed(1)} backtests/s (${((rate * bars.length) / 1e6).toFixed(1)}M bars/s), scaling ×${(rate / base).toFixed(2)}  (target ≥ 1000 backtests/s on 2 cores)`);
  }
}
