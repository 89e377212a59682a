/**
 * Worker-thread entry for parameter sweeps (piscina). Each worker loads the strategy module once and keeps
 * views over the shared bar buffers (by series id, across tasks and sweeps); a task is a batch of
 * (index, params) evaluated with the real engine.
 */
import { pathToFileURL } from 'node:url';
import type { AnyStrategy } from '../api/index.js';
import { IndicatorCache } from '../core/indicator-cache.js';
import type { BacktestSeries } from '../app/run-backtest.js';
import type { ObjectiveId } from './objective.js';
import { sharedColumns, type SharedSeries } from './shared-bars.js';
import { evaluateTrial, type ParamSet, type TrialResult, type TrialSettings } from './trial.js';

export type SweepTask = {
  readonly strategyModule: string;
  readonly series: readonly SharedSeries[];
  readonly settings: TrialSettings;
  readonly objective: ObjectiveId;
  readonly items: readonly { readonly index: number; readonly params: ParamSet }[];
};

const strategies = new Map<string, AnyStrategy>();
// The bars of the latest sweep: a SharedArrayBuffer arrives as a new object with every task, so the
// series ids (not object identity) tell whether the views can be reused.
let cachedIds = '';
let cachedData: BacktestSeries[] = [];
// Indicator outputs shared by this thread's trials over the same bars (keyed by the bars' identity, so a new
// sweep's bars start afresh and the old columns go with the old views).
let indicators = new IndicatorCache();

export async function loadStrategyModule(file: string): Promise<AnyStrategy> {
  let s = strategies.get(file);
  if (!s) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: AnyStrategy };
    if (!mod.default) throw new Error(`strategy module "${file}" has no default export`);
    s = mod.default;
    strategies.set(file, s);
  }
  return s;
}

function seriesData(series: readonly SharedSeries[]): BacktestSeries[] {
  const ids = series.map((s) => s.id).join('\n');
  if (ids !== cachedIds) {
    cachedIds = ids;
    indicators = new IndicatorCache();
    cachedData = series.map((s) => ({
      key: s.key, bars: sharedColumns(s), ...(s.hash ? { hash: s.hash } : {}), ...(s.synthetic !== undefined ? { synthetic: s.synthetic } : {}),
    }));
  }
  return cachedData;
}

export default async function run(task: SweepTask): Promise<TrialResult[]> {
  const strategy = await loadStrategyModule(task.strategyModule);
  const data = seriesData(task.series);
  return task.items.map((it) => evaluateTrial(strategy, data, task.settings, task.objective, it.index, it.params, indicators));
}
