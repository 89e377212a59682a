import { IndicatorCache } from '../core/indicator-cache.js';
import { UserError } from '../domain/index.js';
import type { ObjectiveId } from './objective.js';
import type { ParamSet, TrialResult, TrialSettings } from './trial.js';

/**
 * Distributed sweeps through BullMQ on Redis (an existing, well-kept queue; nothing home-made).
 * The producer (`candlekeep optimize --queue redis://…`) enqueues one job per batch of candidates and stores
 * results in its own SQLite as jobs complete; workers (`candlekeep worker --queue redis://…`, one or more per
 * machine) evaluate batches with the real engine against their OWN bar store. A job names the series and
 * range and carries their content hashes: a worker whose data differ refuses the job instead of computing
 * wrong results. Job ids are `<runId>-<first index>`, so re-enqueueing a run never duplicates work.
 */
export const QUEUE_NAME = 'candlekeep-sweeps';

export type QueueJob = {
  readonly runId: string;
  readonly strategy: string;
  readonly series: readonly { instrument: string; timeframe: string; from?: number; to?: number; hash: string }[];
  readonly settings: TrialSettings;
  readonly objective: ObjectiveId;
  readonly items: readonly { index: number; params: ParamSet }[];
};

export type RedisConnection = { host: string; port: number; username?: string; password?: string; db?: number; tls?: object; maxRetriesPerRequest: null };

/** Parses `redis://[user:pass@]host[:port][/db]` (or rediss:// for TLS). */
export function parseRedisUrl(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--queue "${url}": not a URL; use redis://host:6379`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UserError(`--queue "${url}": use a redis:// or rediss:// URL`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !(Number.isInteger(db) && db >= 0)) throw new UserError(`--queue "${url}": the database number "${u.pathname.slice(1)}" is not a whole number`);
  return {
    host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}), ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined ? { db } : {}), ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** Enqueues batches and waits for their results (stored through onBatch as they arrive). */
export async function runSweepOnQueue(o: {
  url: string; job: Omit<QueueJob, 'items'>; points: readonly ParamSet[]; skip: ReadonlySet<number>; batchSize?: number;
  onBatch: (r: readonly TrialResult[]) => void; signal?: AbortSignal; timeoutMs?: number;
}): Promise<{ results: TrialResult[]; interrupted: boolean }> {
  const { Queue, QueueEvents } = await import('bullmq');
  const connection = parseRedisUrl(o.url);
  const queue = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  const results: TrialResult[] = [];
  try {
    await withTimeout(queue.waitUntilReady(), 5000, `cannot reach Redis at ${o.url}`);
    await events.waitUntilReady();
    const todo = o.points.map((params, index) => ({ index, params })).filter((x) => !o.skip.has(x.index));
    const size = o.batchSize ?? 8;
    const jobs = [];
    for (let i = 0; i < todo.length; i += size) {
      const items = todo.slice(i, i + size);
      jobs.push(await queue.add('sweep', { ...o.job, items } satisfies QueueJob, {
        jobId: `${o.job.runId}-${items[0]!.index}`, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 }, attempts: 2,
      }));
    }
    const aborted = new Promise<'aborted'>((res) => o.signal?.addEventListener('abort', () => res('aborted'), { once: true }));
    let interrupted = false;
    await Promise.all(jobs.map(async (job) => {
      const r = await Promise.race([job.waitUntilFinished(events, o.timeoutMs ?? 3_600_000), aborted]);
      if (r === 'aborted') { interrupted = true; return; }
      const batch = r as TrialResult[];
      results.push(...batch);
      o.onBatch(batch);
    })).catch((e: unknown) => {
      throw new UserError(`a queued sweep job failed: ${(e as Error).message}`);
    });
    if (interrupted) {
      // Take back what no worker has started; finished batches are already stored.
      for (const job of jobs) if (await job.isWaiting()) await job.remove().catch(() => undefined);
    }
    results.sort((a, b) => a.index - b.index);
    return { results, interrupted };
  } finally {
    await events.close();
    await queue.close();
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, msg: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new UserError(msg)), ms); })]);
  } finally {
    clearTimeout(t);
  }
}

/** What a worker needs to evaluate a job: the strategy and the bars, from its own machine. */
export type JobResources = {
  loadStrategy(ref: string): Promise<import('../api/index.js').AnyStrategy>;
  loadSeries(s: QueueJob['series'][number]): { bars: import('../domain/index.js').BarColumns; hash: string; synthetic: boolean };
};

/** Runs queue jobs until `signal` aborts. Resolves when the worker has closed. */
export async function runQueueWorker(o: { url: string; concurrency: number; resources: JobResources; signal: AbortSignal; onJob?: (j: QueueJob, n: number) => void }): Promise<void> {
  const { Worker } = await import('bullmq');
  const { evaluateTrial } = await import('./trial.js');
  const connection = parseRedisUrl(o.url);
  const cache = new Map<string, { key: { instrument: string; timeframe: string }; bars: import('../domain/index.js').BarColumns; hash: string; synthetic: boolean }>();
  // Indicator outputs shared by this worker's trials over the same (cached) bars; bounded (IndicatorCache).
  const indicators = new IndicatorCache();
  const worker = new Worker<QueueJob, TrialResult[]>(QUEUE_NAME, async (job) => {
    const j = job.data;
    const strategy = await o.resources.loadStrategy(j.strategy);
    const data = j.series.map((s) => {
      const k = JSON.stringify(s);
      let d = cache.get(k);
      if (!d) {
        const got = o.resources.loadSeries(s);
        if (got.hash !== s.hash) throw new Error(`this worker's ${s.instrument} ${s.timeframe} bars differ from the producer's (hash ${got.hash.slice(0, 12)} ≠ ${s.hash.slice(0, 12)}); sync the data first`);
        d = { key: { instrument: s.instrument, timeframe: s.timeframe }, ...got };
        cache.set(k, d);
      }
      return { key: d.key as never, bars: d.bars, hash: d.hash, synthetic: d.synthetic };
    });
    const out = j.items.map((it) => evaluateTrial(strategy, data, j.settings, j.objective, it.index, it.params, indicators));
    o.onJob?.(j, out.length);
    return out;
  }, { connection, concurrency: o.concurrency });
  await worker.waitUntilReady();
  await new Promise<void>((res) => o.signal.addEventListener('abort', () => res(), { once: true }));
  await worker.close();
}
