import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ObjectiveId } from './objective.js';
import type { SharedSeries } from './shared-bars.js';
import type { SweepTask } from './sweep-worker.js';
import type { ParamSet, TrialResult, TrialSettings } from './trial.js';

export type SweepOptions = {
  /** Absolute path of the compiled strategy module (its default export is the strategy). */
  readonly strategyModule: string;
  readonly series: readonly SharedSeries[];
  readonly settings: TrialSettings;
  readonly objective: ObjectiveId;
  /** The candidates, in their fixed order; `index` in results refers to this list. */
  readonly points: readonly ParamSet[];
  /** Worker threads; 0 runs in this thread. Default: all cores. */
  readonly workers?: number;
  /** Candidates per task (default: sized so every worker gets ≥ 8 tasks, at most 16). */
  readonly batchSize?: number;
  /** Indices already done (resume): not run again. */
  readonly skip?: ReadonlySet<number>;
  /** Called for each finished batch, in completion order (persist here). */
  readonly onBatch?: (results: readonly TrialResult[]) => void;
  readonly signal?: AbortSignal;
};

export type SweepOutcome = { readonly results: TrialResult[]; readonly interrupted: boolean; readonly workers: number };

export function defaultWorkers(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Runs every candidate through the real engine, in parallel worker threads that share the bars
 * (SharedArrayBuffer, never copied). Results come back sorted by candidate index, so the outcome
 * is the same for any worker count. When `signal` aborts, no new batch starts; finished batches are kept.
 */
export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  const todo = o.points.map((params, index) => ({ index, params })).filter((x) => !o.skip?.has(x.index));
  const workers = Math.max(0, Math.floor(o.workers ?? defaultWorkers()));
  const batch = o.batchSize ?? Math.max(1, Math.min(16, Math.ceil(todo.length / Math.max(1, workers * 8))));
  const batches: (typeof todo)[] = [];
  for (let i = 0; i < todo.length; i += batch) batches.push(todo.slice(i, i + batch));
  const results: TrialResult[] = [];
  const taskOf = (items: typeof todo): SweepTask => ({
    strategyModule: o.strategyModule, series: o.series, settings: o.settings, objective: o.objective, items,
  });
  const accept = (r: TrialResult[]) => {
    results.push(...r);
    o.onBatch?.(r);
  };

  if (workers === 0) {
    const { default: run } = await import('./sweep-worker.js');
    for (const b of batches) {
      if (o.signal?.aborted) break;
      accept(await run(taskOf(b)));
      // Let signal handlers run between batches.
      await new Promise((r) => setImmediate(r));
    }
  } else {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({
      filename: fileURLToPath(new URL('./sweep-worker.js', import.meta.url)),
      minThreads: Math.min(workers, batches.length || 1),
      maxThreads: workers,
      idleTimeout: 1000,
    });
    try {
      let next = 0;
      const lane = async () => {
        while (next < batches.length && !o.signal?.aborted) {
          const b = batches[next++]!;
          accept((await pool.run(taskOf(b))) as TrialResult[]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(workers, batches.length) }, lane));
    } finally {
      await pool.destroy();
    }
  }
  results.sort((a, b) => a.index - b.index);
  return { results, interrupted: results.length < todo.length, workers };
}
