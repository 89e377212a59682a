import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BarColumns } from '../../engine/domain/index.js';
import type { TrialResult } from '../../engine/research/trial.js';
import { ROOT } from '../helpers/cli.js';
import { readReferenceCsv, referenceCsv } from '../helpers/reference-data.js';

// The compiled modules: worker threads load dist/engine/research/sweep-worker.js and the compiled strategy.
type SweepModule = typeof import('../../engine/research/sweep.js');
type SharedBarsModule = typeof import('../../engine/research/shared-bars.js');
let sweep: SweepModule;
let shared: SharedBarsModule;
const STRATEGY = path.join(ROOT, 'dist/strategies/sma-cross.js');
const KEY = { instrument: 'synth:GBM/USD', timeframe: '1m' } as const;
const points = Array.from({ length: 14 }, (_, i) => ({ fast: 2 + i, slow: 30 + (i % 3) * 10 }));
let barsA: BarColumns;
let barsB: BarColumns;

beforeAll(async () => {
  sweep = (await import(path.join(ROOT, 'dist/engine/research/sweep.js'))) as SweepModule;
  shared = (await import(path.join(ROOT, 'dist/engine/research/shared-bars.js'))) as SharedBarsModule;
  barsA = readReferenceCsv(referenceCsv(3000, { seed: 1 }));
  barsB = readReferenceCsv(referenceCsv(3000, { seed: 2 }));
});
afterAll(async () => {
  await sweep.closeSweepPool();
});

const run = (bars: BarColumns, workers: number, extra: { batchSize?: number; signal?: AbortSignal; onBatch?: (r: readonly TrialResult[]) => void } = {}) =>
  sweep.runSweep({
    strategyModule: STRATEGY, series: [shared.shareBars(KEY, bars, { hash: 'test', synthetic: true })],
    settings: { cash: 10_000, feeRate: 0.001 }, objective: 'sharpe', points, workers, ...extra,
  });

describe('runSweep', () => {
  it('gives the same results in this thread, with one worker, with two, and whatever the batch size', async () => {
    const inThread = await run(barsA, 0);
    expect(inThread.results.map((r) => r.index)).toEqual(points.map((_, i) => i));
    expect(inThread.results.every((r) => r.metrics !== null && r.returns.length > 0)).toBe(true);
    for (const [workers, batchSize] of [[1, undefined], [2, undefined], [2, 1], [2, 5]] as const) {
      const r = await run(barsA, workers, batchSize ? { batchSize } : {});
      expect(r.results, `workers ${workers}, batch ${batchSize ?? 'guided'}`).toEqual(inThread.results);
      expect(r.interrupted).toBe(false);
    }
  });

  it('runs each sweep on its own bars when the kept workers ran another sweep before', async () => {
    const onA = await run(barsA, 2);
    const onB = await run(barsB, 2);
    expect(onB.results).toEqual((await run(barsB, 0)).results);
    expect(onB.results.map((r) => r.objective)).not.toEqual(onA.results.map((r) => r.objective));
  });

  it('starts no batch after the signal and keeps the finished ones', async () => {
    const all = (await run(barsA, 0)).results;
    const ac = new AbortController();
    let calls = 0;
    const r = await run(barsA, 2, { batchSize: 2, signal: ac.signal, onBatch: () => { if (++calls === 1) ac.abort(); } });
    expect(r.interrupted).toBe(true);
    // The first batch, and the one the other worker had already started.
    expect(r.results.length).toBeGreaterThanOrEqual(2);
    expect(r.results.length).toBeLessThanOrEqual(4);
    for (const t of r.results) expect(t).toEqual(all[t.index]);
  });
});

describe('shareBars', () => {
  it('shares bars already in one SharedArrayBuffer as they are, and copies others once', async () => {
    const { shareBars, sharedColumns } = await import('../../engine/research/shared-bars.js');
    const { allocBarColumns } = await import('../../engine/domain/index.js');
    const key = { instrument: 'synth:X/USD', timeframe: '1m' } as const;
    const fill = (c: BarColumns) => {
      for (let i = 0; i < c.length; i++) {
        c.openTime[i] = i * 60_000; c.open[i] = 100 + i; c.high[i] = 101 + i; c.low[i] = 99 + i; c.close[i] = 100.5 + i; c.volume[i] = i;
      }
      return c;
    };
    const shared = fill(allocBarColumns(50, { shared: true }));
    const plain = fill(allocBarColumns(50));
    const a = shareBars(key, shared);
    const b = shareBars(key, plain);
    expect(a.buffer).toBe(shared.close.buffer);
    expect(b.buffer).not.toBe(plain.close.buffer);
    for (const s of [a, b]) {
      const c = sharedColumns(s);
      for (const k of ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const) expect([...c[k]]).toEqual([...plain[k]]);
    }
    // A slice of shared bars is not in the layout: copied.
    const { sliceBarColumns } = await import('../../engine/domain/index.js');
    expect(shareBars(key, sliceBarColumns(shared, 5, 20)).buffer).not.toBe(shared.close.buffer);
  });
});
