import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError, isoUtc, parseInstrument, parseTime, parseTimeframe } from '../domain/index.js';
import type { BacktestOutcome, MarketRules } from '../domain/index.js';
import type { SeriesKey, TimeRange } from '../ports/index.js';
import type { AnyStrategy, ParamValue } from '../api/index.js';
import type { BacktestSpec } from './backtest-spec.js';
import { engineVersion, loadSeries, simOptions, storedMarketRules } from './backtest-from-store.js';
import { loadStrategy, strategyFiles } from './load-strategy.js';
import { fillAssumptions, requiredSeries, runBacktest, strategyParams, type BacktestSeries } from './run-backtest.js';
import { parseConstraint } from '../research/constraint.js';
import { candidates, parseGrid, type Axis } from '../research/param-space.js';
import { byObjective, parseObjective, type ObjectiveId } from '../research/objective.js';
import { deflatedSharpe, probabilityOfOverfitting, returnMoments, type DeflatedSharpe, type PboResult } from '../research/overfitting.js';
import { shareBars, type SharedSeries } from '../research/shared-bars.js';
import { runSweep } from '../research/sweep.js';
import type { ParamSet, TrialResult, TrialSettings } from '../research/trial.js';

/** An optimisation as data: a backtest spec plus the search. */
export type OptimizeSpec = BacktestSpec & {
  readonly grid: readonly string[];
  readonly random?: number;
  readonly seed?: number;
  readonly objective: string;
  readonly constraints?: readonly string[];
};

export type RankedTrial = TrialResult & { readonly rank: number };

export type OverfittingStats = {
  /** Deflated Sharpe Ratio of the winner (per-sample Sharpe ratios over RETURN_SAMPLES equity points). */
  readonly deflatedSharpe: Omit<DeflatedSharpe, never> | null;
  /** Probability of Backtest Overfitting by CSCV over the trials' sampled returns. */
  readonly pbo: Omit<PboResult, 'logits'> & { readonly logitMedian: number } | null;
  readonly note?: string;
};

export type OptimizationResult = {
  readonly runId: string;
  readonly dir: string;
  readonly strategy: { readonly id: string; readonly version: number };
  readonly objective: ObjectiveId;
  readonly axes: readonly Axis[];
  readonly gridSize: number;
  readonly candidates: number;
  readonly rejectedByConstraint: number;
  readonly completed: number;
  readonly failed: number;
  readonly interrupted: boolean;
  readonly resumed: number;
  readonly workers: number;
  readonly elapsedMs: number;
  readonly trials: readonly RankedTrial[];
  readonly best: RankedTrial | null;
  readonly overfitting: OverfittingStats;
  readonly data: readonly { instrument: string; timeframe: string; from: number; to: number; count: number; hash: string; synthetic: boolean }[];
};

export type SweepProgress = { start(total: number, resumed: number): void; update(done: number): void; stop(): void };

/** Options that do not change results (and so are not part of the run id). */
export type RunOptions = {
  readonly home: string;
  readonly resultsDir: string;
  readonly workers?: number;
  readonly signal?: AbortSignal;
  readonly progress?: SweepProgress;
  readonly html?: boolean;
  /** Distribute batches through BullMQ on this Redis URL instead of local worker threads. */
  readonly queue?: string;
};


export type PreparedSearch = {
  readonly range: TimeRange;
  readonly strategy: AnyStrategy;
  readonly strategyModule: string;
  readonly objective: ObjectiveId;
  readonly axes: Axis[];
  readonly points: ParamSet[];
  readonly gridSize: number;
  readonly rejectedByConstraint: number;
  readonly settings: TrialSettings;
  readonly data: BacktestSeries[];
};

/** Validates the spec, loads the strategy and the bars, and lists the candidates. */
export async function prepareSearch(spec: OptimizeSpec, home: string): Promise<PreparedSearch> {
  parseInstrument(spec.instrument, 'instrument');
  const timeframe = parseTimeframe(spec.timeframe, 'timeframe');
  const objective = parseObjective(spec.objective);
  if (spec.grid.length === 0) throw new UserError('optimize: give at least one --grid name=start:stop:step');
  if (spec.random !== undefined && !(Number.isInteger(spec.random) && spec.random > 0)) throw new UserError(`--random must be a positive whole number, got ${spec.random}`);
  const strategy = await loadStrategy(spec.strategy);
  const defaults = strategyParams(strategy, spec.params ?? {});
  const axes = parseGrid(spec.grid, strategy.params);
  const constraints = (spec.constraints ?? []).map((c) => parseConstraint(c, Object.keys(strategy.params)));
  const c = candidates({ axes, defaults, constraints, ...(spec.random !== undefined ? { random: spec.random } : {}), seed: spec.seed ?? 1 });
  // The strategy's own cross-param rule (e.g. fast < slow) also filters candidates.
  const points = c.points.filter((p) => !strategy.validate?.(p as never));
  const rejected = c.rejectedByConstraint + (c.points.length - points.length);
  if (points.length === 0) throw new UserError(`optimize: no candidate satisfies the constraints (${c.gridSize} grid points, all rejected)`);
  const from = spec.from !== undefined ? parseTime(spec.from, 'from') : undefined;
  const to = spec.to !== undefined ? parseTime(spec.to, 'to') : undefined;
  if (from !== undefined && to !== undefined && to <= from) throw new UserError(`empty date range: --to (${isoUtc(to)}) must be after --from (${isoUtc(from)})`);
  const range: TimeRange = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  const primary: SeriesKey = { instrument: spec.instrument, timeframe };
  const { openBarStore } = await import('../../data/store/bar-store.js');
  const { homePaths } = await import('../../config/index.js');
  if (!fs.existsSync(homePaths(home).marketDb)) throw new UserError(`no bars are stored (no database at "${homePaths(home).marketDb}"); import, fetch or synthesise data first (candlekeep data --help)`);
  const store = openBarStore(home, { readonly: true });
  let data: BacktestSeries[];
  let markets: Record<string, MarketRules> = {};
  try {
    const keys = requiredSeries(strategy, primary);
    // Straight into shared memory: the sweep's worker threads read these very buffers (shareBars).
    data = loadSeries(store, keys, range, { shared: true });
    // The same market rules as `candlekeep backtest`: the spec's when given, else the recorded ones.
    if (!spec.market) markets = storedMarketRules(store, keys);
  } finally {
    store.close();
  }
  const { params: _p, ...base } = simOptions(spec);
  const settings = Object.keys(markets).length ? { ...base, markets } : base;
  return { range, strategy, strategyModule: strategyFiles(spec.strategy).module, objective, axes, points, gridSize: c.gridSize, rejectedByConstraint: rejected, settings, data };
}

export function researchRunId(prefix: string, spec: unknown, data: readonly BacktestSeries[]): string {
  const h = crypto.createHash('sha256').update(JSON.stringify(spec)).update(data.map((d) => d.hash ?? '').join('+')).digest('hex');
  return `${prefix}-${h.slice(0, 12)}`;
}

/** Overfitting statistics over a set of finished trials (and the winner). */
export function overfittingStats(trials: readonly TrialResult[], best: TrialResult | null): OverfittingStats {
  const ok = trials.filter((t) => !t.error && t.returns.length > 1);
  if (!best || ok.length < 2) return { deflatedSharpe: null, pbo: null, note: 'needs at least 2 finished trials' };
  const sharpes = ok.map((t) => returnMoments(t.returns).sharpe);
  const dsr = deflatedSharpe(best.returns, sharpes);
  const T = Math.min(...ok.map((t) => t.returns.length));
  const blocks = Math.min(16, Math.floor(T / 2) - (Math.floor(T / 2) % 2));
  let pbo: OverfittingStats['pbo'] = null;
  if (blocks >= 2) {
    const r = probabilityOfOverfitting(ok.map((t) => t.returns.slice(0, T)), blocks);
    const sorted = [...r.logits].sort((a, b) => a - b);
    pbo = { pbo: r.pbo, splits: r.splits, blocks: r.blocks, logitMedian: sorted[Math.floor(sorted.length / 2)]! };
  }
  return { deflatedSharpe: dsr, pbo };
}

export function rankTrials(trials: readonly TrialResult[]): RankedTrial[] {
  return [...trials].sort(byObjective).map((t, i) => ({ ...t, rank: i + 1 }));
}

/**
 * `candlekeep optimize`: grid or seeded random search over the strategy's declared params, in parallel
 * worker threads through the real engine. Trials are committed to SQLite batch by batch; an interrupted
 * run (Ctrl-C) keeps them, and running the same spec again resumes. Results are the same for any worker count.
 */
export async function runOptimization(spec: OptimizeSpec, opts: RunOptions): Promise<OptimizationResult> {
  const t0 = performance.now();
  const prep = await prepareSearch(spec, opts.home);
  // Recorded market rules change every trial: they are part of what a resumed run must match.
  const runId = researchRunId('opt', prep.settings.markets ? { ...spec, marketRules: prep.settings.markets } : spec, prep.data);
  const { OptimizationStore } = await import('../../data/store/optimization-store.js');
  const { homePaths } = await import('../../config/index.js');
  const marketDb = homePaths(opts.home).marketDb;
  const store = OptimizationStore.open(marketDb);
  let interrupted = false;
  let resumed = 0;
  let workers = 0;
  let all: TrialResult[];
  try {
    store.begin({ runId, kind: 'optimisation', strategyId: prep.strategy.id, spec, total: prep.points.length, createdAt: Date.now() });
    const previous = store.trials(runId, 'main');
    resumed = previous.length;
    const skip = new Set(previous.map((t) => t.index));
    const series: SharedSeries[] = prep.data.map((d) => shareBars(d.key, d.bars, { ...(d.hash ? { hash: d.hash } : {}), ...(d.synthetic !== undefined ? { synthetic: d.synthetic } : {}) }));
    let done = resumed;
    opts.progress?.start(prep.points.length, resumed);
    const onBatch = (batch: readonly TrialResult[]) => {
      store.putTrials(runId, 'main', batch as TrialResult[]);
      done += batch.length;
      opts.progress?.update(done);
    };
    const out = opts.queue
      ? { ...(await (await import('../research/queue.js')).runSweepOnQueue({
          url: opts.queue, points: prep.points, skip, onBatch, ...(opts.signal ? { signal: opts.signal } : {}),
          job: {
            runId, strategy: spec.strategy, settings: prep.settings, objective: prep.objective,
            series: prep.data.map((d) => ({ instrument: d.key.instrument, timeframe: d.key.timeframe, ...prep.range, hash: d.hash ?? '' })),
          },
        })), workers: 0 }
      : await runSweep({
          strategyModule: prep.strategyModule, series, settings: prep.settings, objective: prep.objective, points: prep.points,
          ...(opts.workers !== undefined ? { workers: opts.workers } : {}), skip,
          ...(opts.signal ? { signal: opts.signal } : {}), onBatch,
        });
    opts.progress?.stop();
    interrupted = out.interrupted;
    workers = out.workers;
    all = store.trials(runId, 'main').map((t) => ({ ...t, params: t.params, metrics: t.metrics as TrialResult['metrics'], returns: [...t.returns] }));
    store.finish(runId, interrupted ? 'interrupted' : 'done');
  } finally {
    store.close();
  }
  const trials = rankTrials(all);
  const best = trials.find((t) => t.objective !== null) ?? null;
  const result: OptimizationResult = {
    runId, dir: path.resolve(opts.resultsDir, runId),
    strategy: { id: prep.strategy.id, version: prep.strategy.version },
    objective: prep.objective, axes: prep.axes, gridSize: prep.gridSize, candidates: prep.points.length,
    rejectedByConstraint: prep.rejectedByConstraint, completed: trials.length, failed: trials.filter((t) => t.error).length,
    interrupted, resumed, workers, elapsedMs: performance.now() - t0, trials, best,
    overfitting: overfittingStats(trials, best),
    data: prep.data.map((d) => ({
      instrument: d.key.instrument, timeframe: d.key.timeframe, from: d.bars.openTime[0]!, to: d.bars.openTime[d.bars.length - 1]!,
      count: d.bars.length, hash: d.hash ?? '', synthetic: d.synthetic ?? false,
    })),
  };
  await writeResearchArtifacts(result, {
    spec, kind: 'optimisation', strategy: prep.strategy, data: prep.data, settings: prep.settings,
    bestParams: best?.params, marketDb, ...(opts.html !== undefined ? { html: opts.html } : {}),
  });
  return result;
}

/**
 * Writes `<resultsDir>/<run-id>/`: report.json/trades.csv/report.html of the winner's full backtest (so
 * `report show/compare` work on research runs), plus research.json, trials.csv and research.html; indexes the run.
 */
export async function writeResearchArtifacts(
  r: { runId: string; dir: string; trials: readonly RankedTrial[] } & Record<string, unknown>,
  o: {
    spec: unknown; kind: 'optimisation' | 'walk-forward'; strategy: AnyStrategy; data: BacktestSeries[]; settings: TrialSettings;
    bestParams: ParamSet | undefined; marketDb: string; html?: boolean; outcome?: BacktestOutcome;
  },
): Promise<void> {
  const { buildReport, renderHtml, runRecord } = await import('../reports/index.js');
  const { RunIndex } = await import('../../data/store/run-index.js');
  const { renderResearchHtml } = await import('../research/render-html.js');
  const tmp = `${r.dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    let record: ReturnType<typeof runRecord> | undefined;
    const outcome = o.outcome ?? (o.bestParams ? runBacktest({ ...o.settings, strategy: o.strategy, params: o.bestParams as Record<string, ParamValue>, data: o.data }) : undefined);
    if (outcome) {
      const { report, jsonBytes, tradesCsv } = buildReport({
        outcome, spec: JSON.parse(JSON.stringify({ ...(o.spec as object), kind: o.kind, runId: r.runId })) as Record<string, never>,
        engineVersion: engineVersion(), fillAssumptions: fillAssumptions({ strategy: o.strategy, data: o.data, ...o.settings }),
        primaryBars: o.data[0]!.bars,
      });
      fs.writeFileSync(path.join(tmp, 'report.json'), jsonBytes);
      fs.writeFileSync(path.join(tmp, 'trades.csv'), tradesCsv);
      if (o.html !== false) fs.writeFileSync(path.join(tmp, 'report.html'), renderHtml(report, o.data[0]!.bars));
      record = runRecord(report, r.dir, Date.now());
    }
    const { trials, ...head } = r;
    const researchJson = JSON.stringify({ schema: `candlekeep.${o.kind}/v1`, ...head, trials: trials.map(({ returns: _r, ...t }) => t) }, null, 2) + '\n';
    fs.writeFileSync(path.join(tmp, 'research.json'), researchJson);
    fs.writeFileSync(path.join(tmp, 'trials.csv'), trialsCsv(trials));
    if (o.html !== false) fs.writeFileSync(path.join(tmp, 'research.html'), renderResearchHtml(r as never, o.kind));
    fs.rmSync(r.dir, { recursive: true, force: true });
    fs.renameSync(tmp, r.dir);
    if (record) {
      const index = RunIndex.open(o.marketDb);
      try {
        index.put({ ...record, runId: r.runId, kind: o.kind, parentRunId: null });
      } finally {
        index.close();
      }
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function trialsCsv(trials: readonly RankedTrial[]): string {
  const pNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const mNames = [...new Set(trials.flatMap((t) => Object.keys(t.metrics ?? {})))];
  const head = ['rank', 'index', ...pNames, 'objective', ...mNames, 'error'];
  const rows = trials.map((t) => [t.rank, t.index, ...pNames.map((p) => t.params[p]), t.objective, ...mNames.map((m) => t.metrics?.[m as keyof typeof t.metrics]), t.error ?? '']);
  return [head, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
