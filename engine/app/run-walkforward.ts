import path from 'node:path';
import { UserError, parseDurationMs, sliceBarColumns } from '../domain/index.js';
import type { BacktestOutcome, ClosedTrade, DataSlice } from '../domain/index.js';
import type { ParamValue } from '../api/index.js';
import { barsContentHash, runBacktest, type BacktestSeries } from './run-backtest.js';
import { prepareSearch, rankTrials, researchRunId, overfittingStats, writeResearchArtifacts, type OptimizeSpec, type OverfittingStats, type RankedTrial, type RunOptions } from './run-optimize.js';
import { objectiveValue, type ObjectiveId } from '../research/objective.js';
import type { Axis } from '../research/param-space.js';
import { shareBars } from '../research/shared-bars.js';
import { runSweep } from '../research/sweep.js';
import type { ParamSet, TrialResult } from '../research/trial.js';
import { planWindows, stitchEquity, type WindowSize } from '../research/windows.js';

export type WalkForwardSpec = OptimizeSpec & {
  /** Window sizes: a number of bars (`5000`) or a duration (`30d`). */
  readonly inSample: string;
  readonly outOfSample: string;
  readonly mode: 'rolling' | 'anchored';
};

export type WalkWindowResult = {
  readonly index: number;
  readonly isFrom: number; readonly isTo: number; readonly oosFrom: number; readonly oosTo: number;
  readonly isBars: number; readonly oosBars: number;
  /** The in-sample winner. */
  readonly params: ParamSet;
  readonly isObjective: number | null;
  readonly oosObjective: number | null;
  readonly isReturnFrac: number | null;
  readonly oosReturnFrac: number | null;
  /** oosObjective − isObjective (negative = the edge shrank out of sample). */
  readonly degradation: number | null;
  readonly candidates: number;
  readonly overfitting: OverfittingStats;
};

export type WalkForwardResult = {
  readonly runId: string;
  readonly dir: string;
  readonly strategy: { readonly id: string; readonly version: number };
  readonly objective: ObjectiveId;
  readonly mode: 'rolling' | 'anchored';
  readonly axes: readonly Axis[];
  readonly windows: readonly WalkWindowResult[];
  /** Metrics of the stitched out-of-sample record. */
  readonly oos: { readonly returnFrac: number; readonly objective: number | null; readonly tradeCount: number; readonly maxDrawdownFrac: number; readonly sharpe: number | null };
  /** Mean in-sample and out-of-sample objective over the windows, and the mean degradation. */
  readonly summary: { readonly meanIsObjective: number | null; readonly meanOosObjective: number | null; readonly meanDegradation: number | null; readonly windowsWithPositiveOos: number };
  readonly oosEquity: { readonly time: number[]; readonly equity: number[] };
  readonly trials: readonly RankedTrial[];
  readonly overfitting: OverfittingStats;
  readonly interrupted: boolean;
  readonly elapsedMs: number;
  readonly data: readonly { instrument: string; timeframe: string; from: number; to: number; count: number; hash: string; synthetic: boolean }[];
};

function windowSize(s: string, field: string): WindowSize {
  if (/^\d+$/.test(s.trim())) return { bars: Number(s) };
  return { ms: parseDurationMs(s, field) };
}

/** All series of a run cut to the primary's bar-index window [from, to), by time. */
function sliceData(data: readonly BacktestSeries[], from: number, to: number): BacktestSeries[] {
  const p = data[0]!.bars;
  const t0 = p.openTime[from]!;
  const t1 = to < p.length ? p.openTime[to]! : Infinity;
  return data.map((d) => {
    const ot = d.bars.openTime;
    let a = 0;
    while (a < ot.length && ot[a]! < t0) a++;
    let b = a;
    while (b < ot.length && ot[b]! < t1) b++;
    const bars = sliceBarColumns(d.bars, a, b);
    return { key: d.key, bars, hash: barsContentHash(bars), ...(d.synthetic !== undefined ? { synthetic: d.synthetic } : {}) };
  });
}

const mean = (xs: readonly (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
};

/**
 * `candlekeep walkforward`: optimise in-sample, trade the winner on the next out-of-sample window, repeat;
 * stitch the out-of-sample equity into one record. Rules: each out-of-sample window starts flat with fresh
 * indicators (its first warm-up bars do not trade: no in-sample bar leaks into it); a position still open at
 * a window's end is marked at that window's last close and the next window starts flat from that equity.
 */
export async function runWalkForward(spec: WalkForwardSpec, opts: RunOptions): Promise<WalkForwardResult> {
  const t0 = performance.now();
  if (spec.mode !== 'rolling' && spec.mode !== 'anchored') throw new UserError(`--mode must be rolling or anchored, got "${String(spec.mode)}"`);
  const prep = await prepareSearch(spec, opts.home);
  const primary = prep.data[0]!.bars;
  const plan = planWindows(primary.openTime, { inSample: windowSize(spec.inSample, '--in-sample'), outOfSample: windowSize(spec.outOfSample, '--out-of-sample'), mode: spec.mode });
  const runId = researchRunId('wf', prep.settings.markets ? { ...spec, marketRules: prep.settings.markets } : spec, prep.data);
  const { OptimizationStore } = await import('../../data/store/optimization-store.js');
  const { homePaths } = await import('../../config/index.js');
  const marketDb = homePaths(opts.home).marketDb;
  const store = OptimizationStore.open(marketDb);
  const windows: WalkWindowResult[] = [];
  const segments: { time: Float64Array; equity: Float64Array; startEquity: number }[] = [];
  const oosOutcomes: { outcome: BacktestOutcome; scale: number }[] = [];
  let lastTrials: RankedTrial[] = [];
  let interrupted = false;
  const cash = spec.cash ?? 10_000;
  let level = cash;
  try {
    store.begin({ runId, kind: 'walk-forward', strategyId: prep.strategy.id, spec, total: plan.length * prep.points.length, createdAt: Date.now() });
    let done = 0;
    opts.progress?.start(plan.length * prep.points.length, 0);
    for (const w of plan) {
      if (opts.signal?.aborted) { interrupted = true; break; }
      const scope = `w${w.index}`;
      const isData = sliceData(prep.data, w.isFrom, w.isTo);
      const previous = store.trials(runId, scope);
      done += previous.length;
      const out = await runSweep({
        strategyModule: prep.strategyModule,
        series: isData.map((d) => shareBars(d.key, d.bars, { ...(d.hash ? { hash: d.hash } : {}), ...(d.synthetic !== undefined ? { synthetic: d.synthetic } : {}) })),
        settings: prep.settings, objective: prep.objective, points: prep.points,
        ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
        skip: new Set(previous.map((t) => t.index)),
        ...(opts.signal ? { signal: opts.signal } : {}),
        onBatch: (b) => { store.putTrials(runId, scope, b as TrialResult[]); done += b.length; opts.progress?.update(done); },
      });
      if (out.interrupted) { interrupted = true; break; }
      const trials = rankTrials(store.trials(runId, scope).map((t) => ({ ...t, metrics: t.metrics as TrialResult['metrics'], returns: [...t.returns] })));
      lastTrials = trials;
      const best = trials.find((t) => t.objective !== null);
      if (!best) throw new UserError(`walk-forward window ${w.index}: no candidate produced a value for ${prep.objective} in sample`);
      const oosData = sliceData(prep.data, w.oosFrom, w.oosTo);
      const oos = runBacktest({ ...prep.settings, strategy: prep.strategy, params: best.params as Record<string, ParamValue>, data: oosData });
      if (oos.stoppedEarly) throw new UserError(`walk-forward window ${w.index}: ${oos.stoppedEarly.reason}`);
      const { computeMetrics } = await import('../reports/index.js');
      const m = computeMetrics(oos);
      const oosObjective = objectiveValue(prep.objective, m);
      const startEquity = oos.cash;
      segments.push({ time: oos.equity.time, equity: oos.equity.equity, startEquity });
      oosOutcomes.push({ outcome: oos, scale: level / startEquity });
      level = (level / startEquity) * oos.equity.equity[oos.equity.equity.length - 1]!;
      windows.push({
        index: w.index, isFrom: primary.openTime[w.isFrom]!, isTo: primary.openTime[w.isTo - 1]!, oosFrom: primary.openTime[w.oosFrom]!,
        oosTo: primary.openTime[w.oosTo - 1]!, isBars: w.isTo - w.isFrom, oosBars: w.oosTo - w.oosFrom,
        params: best.params, isObjective: best.objective, oosObjective,
        isReturnFrac: best.metrics?.returnFrac ?? null, oosReturnFrac: m.returnFrac,
        degradation: best.objective !== null && oosObjective !== null ? oosObjective - best.objective : null,
        candidates: trials.length, overfitting: overfittingStats(trials, best),
      });
    }
    opts.progress?.stop();
    store.finish(runId, interrupted ? 'interrupted' : 'done');
  } finally {
    store.close();
  }
  if (windows.length === 0) throw new UserError('walk-forward: interrupted before the first window finished; run the same command again to resume');
  const stitched = stitchEquity(segments, cash);
  const outcome = stitchedOutcome(prep.data, oosOutcomes, stitched, cash);
  const { computeMetrics } = await import('../reports/index.js');
  const m = computeMetrics(outcome);
  const result: WalkForwardResult = {
    runId, dir: path.resolve(opts.resultsDir, runId), strategy: { id: prep.strategy.id, version: prep.strategy.version },
    objective: prep.objective, mode: spec.mode, axes: prep.axes, windows,
    oos: { returnFrac: m.returnFrac, objective: objectiveValue(prep.objective, m), tradeCount: m.tradeCount, maxDrawdownFrac: m.maxDrawdownFrac, sharpe: m.sharpe },
    summary: {
      meanIsObjective: mean(windows.map((w) => w.isObjective)), meanOosObjective: mean(windows.map((w) => w.oosObjective)),
      meanDegradation: mean(windows.map((w) => w.degradation)), windowsWithPositiveOos: windows.filter((w) => (w.oosReturnFrac ?? 0) > 0).length,
    },
    oosEquity: { time: Array.from(stitched.time), equity: Array.from(stitched.equity) },
    trials: lastTrials,
    overfitting: windows.at(-1)!.overfitting,
    interrupted, elapsedMs: performance.now() - t0,
    data: prep.data.map((d) => ({ instrument: d.key.instrument, timeframe: d.key.timeframe, from: d.bars.openTime[0]!, to: d.bars.openTime[d.bars.length - 1]!, count: d.bars.length, hash: d.hash ?? '', synthetic: d.synthetic ?? false })),
  };
  await writeResearchArtifacts(result, {
    spec, kind: 'walk-forward', strategy: prep.strategy, data: prep.data, settings: prep.settings, bestParams: undefined, marketDb, outcome,
    ...(opts.html !== undefined ? { html: opts.html } : {}),
  });
  return result;
}

/** One BacktestOutcome for the stitched out-of-sample record (trades and fees scaled like the equity). */
function stitchedOutcome(
  data: readonly BacktestSeries[], parts: readonly { outcome: BacktestOutcome; scale: number }[],
  stitched: { time: Float64Array; equity: Float64Array }, cash: number,
): BacktestOutcome {
  const first = parts[0]!.outcome, last = parts.at(-1)!.outcome;
  const trades: ClosedTrade[] = parts.flatMap(({ outcome, scale }) => outcome.trades.map((t) => ({ ...t, size: t.size * scale, fees: t.fees * scale, pnl: t.pnl * scale })));
  const inMarket = new Uint8Array(stitched.equity.length);
  let j = 0;
  for (const { outcome } of parts) { inMarket.set(outcome.equity.inMarket, j); j += outcome.equity.inMarket.length; }
  const close = new Float64Array(stitched.equity.length);
  j = 0;
  for (const { outcome } of parts) { close.set(outcome.benchmark.close.subarray(0, outcome.equity.equity.length), j); j += outcome.equity.equity.length; }
  const slices: DataSlice[] = data.map((d) => ({
    instrument: d.key.instrument, timeframe: d.key.timeframe, from: first.data[0]!.from, to: last.data[0]!.to,
    count: stitched.equity.length, hash: d.hash ?? '', synthetic: d.synthetic ?? false,
  }));
  return {
    strategy: last.strategy, cash, feeRate: first.feeRate, data: slices,
    benchmark: { instrument: first.benchmark.instrument, firstOpen: first.benchmark.firstOpen, lastClose: last.benchmark.lastClose, close },
    equity: { time: stitched.time, equity: stitched.equity, inMarket },
    trades, openPositions: last.openPositions,
    counters: {
      ordersSubmitted: parts.reduce((s, p) => s + p.outcome.counters.ordersSubmitted, 0),
      fills: parts.reduce((s, p) => s + p.outcome.counters.fills, 0),
      rejectedOrders: parts.reduce((s, p) => s + p.outcome.counters.rejectedOrders, 0),
      ambiguousFills: parts.reduce((s, p) => s + p.outcome.counters.ambiguousFills, 0),
      feesPaid: parts.reduce((s, p) => s + p.outcome.counters.feesPaid * p.scale, 0),
    },
  };
}
