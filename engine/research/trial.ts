import { UserError } from '../domain/index.js';
import { DriverScratch, type IndicatorCache } from '../core/index.js';
import type { AnyStrategy, ParamValue } from '../api/index.js';
import { runBacktest, type BacktestOptions, type BacktestSeries } from '../app/run-backtest.js';
import { computeCoreMetrics, type CoreMetrics } from '../reports/metrics.js';
import { objectiveValue, type ObjectiveId } from './objective.js';

export type ParamSet = Readonly<Record<string, ParamValue>>;

/** Backtest settings shared by every trial of a sweep (plain data: crosses worker boundaries). */
export type TrialSettings = Omit<BacktestOptions, 'strategy' | 'params' | 'data' | 'log' | 'orderIds' | 'indicatorCache' | 'scratch'>;

/** The metrics kept per trial (a compact, JSON-friendly subset). */
export const TRIAL_METRICS = [
  'equityFinal', 'returnFrac', 'sharpe', 'sortino', 'calmar', 'sqn', 'maxDrawdownFrac', 'tradeCount',
  'winRateFrac', 'profitFactor', 'exposureFrac', 'feesPaid', 'probabilisticSharpe',
] as const satisfies readonly (keyof CoreMetrics)[];
export type TrialMetrics = { readonly [K in (typeof TRIAL_METRICS)[number]]: CoreMetrics[K] };

export type TrialResult = {
  /** Position in the candidate list (the same whatever the worker count). */
  readonly index: number;
  readonly params: ParamSet;
  readonly objective: number | null;
  readonly metrics: TrialMetrics | null;
  /** Returns between RETURN_SAMPLES evenly spaced equity points (same bar indices for every trial): PBO and DSR input. */
  readonly returns: number[];
  readonly error?: string;
};

/** Number of equity samples per trial used for the overfitting statistics. */
export const RETURN_SAMPLES = 513;

/**
 * This thread's output buffers for trials: a trial keeps only figures, never the curve, so the next trial
 * writes over it (no fresh pages to fault in per trial). evaluateTrial is synchronous: no two trials overlap.
 */
const scratch = new DriverScratch();

/**
 * Runs one parameter set through the real engine (runBacktest) and reduces it to a TrialResult.
 * `cache`: indicator outputs shared with the other trials over the same bars (same results, less work).
 */
export function evaluateTrial(
  strategy: AnyStrategy, data: readonly BacktestSeries[], settings: TrialSettings, objective: ObjectiveId, index: number, params: ParamSet,
  cache?: IndicatorCache,
): TrialResult {
  try {
    const outcome = runBacktest({ ...settings, strategy, params, data, scratch, ...(cache ? { indicatorCache: cache } : {}) });
    if (outcome.stoppedEarly) return { index, params, objective: null, metrics: null, returns: [], error: outcome.stoppedEarly.reason };
    // Trials keep a few figures: the core metrics (one pass over the curve) give them exactly as a full report would.
    const m = computeCoreMetrics(outcome);
    const metrics = Object.fromEntries(TRIAL_METRICS.map((k) => [k, m[k]])) as TrialMetrics;
    return { index, params, objective: objectiveValue(objective, m), metrics, returns: sampledReturns(outcome.equity.equity) };
  } catch (e) {
    if (e instanceof UserError) return { index, params, objective: null, metrics: null, returns: [], error: e.message };
    throw e;
  }
}

export function sampledReturns(equity: ArrayLike<number>): number[] {
  const n = equity.length;
  if (n < 2) return [];
  const k = Math.min(RETURN_SAMPLES, n);
  const out: number[] = [];
  let prev = equity[0]!;
  for (let j = 1; j < k; j++) {
    const e = equity[Math.round((j * (n - 1)) / (k - 1))]!;
    out.push(prev > 0 ? e / prev - 1 : 0);
    prev = e;
  }
  return out;
}
