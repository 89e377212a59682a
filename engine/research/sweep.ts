import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Piscina } from 'piscina';
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
  /**
   * Candidates per task. Default: guided — a worker's share of what is left divided by 4 (at most 16,
   * at least 1), so tasks are large while much is left and small at the end, where workers would idle.
   */
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

const MAX_BATCH = 16;

/**
 * Worker pools are kept between sweeps of a process (walk-forward runs one sweep per window, a benchmark
 * several): threads, loaded modules, bar views and JIT-compiled code stay warm. Idle threads do not keep
 * the process alive. A strategy module is loaded once per worker, so a process that recompiles a strategy
 * file between sweeps must call closeSweepPool() first. One pool per thread count; starting a sweep with
 * another count closes the idle pools of other counts.
 */
type KeptPool = { readonly pool: Piscina; active: number };
const kept = new Map<number, KeptPool>();

async function acquirePool(threads: number): Promise<KeptPool> {
  for (const [n, k] of kept) {
    if (n !== threads && k.active === 0) {
      kept.delete(n);
      await k.pool.destroy();
    }
  }
  let k = kept.get(threads);
  if (!k) {
    const { Piscina } = await import('piscina');
    k = {
      pool: new Piscina({ filename: fileURLToPath(new URL('./sweep-worker.js', import.meta.url)), minThreads: threads, maxThreads: threads }),
      active: 0,
    };
    kept.set(threads, k);
  }
  k.active++;
  return k;
}

/** Stops the kept worker threads (the next sweep starts new ones). Call it when no sweep is running. */
export async function closeSweepPool(): Promise<void> {
  const pools = [...kept.values()];
  kept.clear();
  await Promise.all(pools.map((k) => k.pool.destroy()));
}

/**
 * Runs every candidate through the real engine, in parallel worker threads that share the bars
 * (SharedArrayBuffer, never copied). Results come back sorted by candidate index, so the outcome
 * is the same for any worker count. When `signal` aborts, no new batch starts; finished batches are kept.
 */
export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  const todo = o.points.map((params, index) => ({ index, params })).filter((x) => !o.skip?.has(x.index));
  const workers = Math.max(0, Math.floor(o.workers ?? defaultWorkers()));
  const lanes = Math.max(1, Math.min(workers, todo.length));
  let next = 0;
  const nextBatch = () => {
    const size = o.batchSize ?? Math.max(1, Math.min(MAX_BATCH, Math.ceil((todo.length - next) / (lanes * 4))));
    const b = todo.slice(next, next + size);
    next += b.length;
    return b;
  };
  const more = () => next < todo.length && !o.signal?.aborted;
  const results: TrialResult[] = [];
  const taskOf = (items: typeof todo): SweepTask => ({
    strategyModule: o.strategyModule, series: o.series, settings: o.settings, objective: o.objective, items,
  });
  const accept = (r: TrialResult[]) => {
    for (const x of r) results.push(x);
    o.onBatch?.(r);
  };

  if (workers === 0) {
    const { default: run } = await import('./sweep-worker.js');
    while (more()) {
      accept(await run(taskOf(nextBatch())));
      // Let signal handlers run between batches.
      await new Promise((r) => setImmediate(r));
    }
  } else if (more()) {
    const k = await acquirePool(workers);
    const lane = async () => {
      while (more()) accept((await k.pool.run(taskOf(nextBatch()))) as TrialResult[]);
    };
    try {
      await Promise.all(Array.from({ length: lanes }, lane));
    } catch (e) {
      // A failed task (not a strategy's error, which is a trial result): do not reuse these workers.
      if (kept.get(workers) === k) kept.delete(workers);
      await k.pool.destroy();
      throw e;
    } finally {
      k.active--;
    }
  }
  results.sort((a, b) => a.index - b.index);
  return { results, interrupted: results.length < todo.length, workers };
}
