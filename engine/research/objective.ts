import { unknownName } from '../domain/index.js';
import type { CoreMetrics } from '../reports/metrics.js';

/**
 * What an optimisation maximises. Each objective reads one metric; "higher is better" for all of them
 * (drawdown is negative, so maximising it picks the shallowest). A metric that is undefined for a run
 * (e.g. Sharpe with no variance) ranks below every defined one.
 */
export const OBJECTIVES = {
  sharpe: (m: CoreMetrics) => m.sharpe,
  sortino: (m: CoreMetrics) => m.sortino,
  calmar: (m: CoreMetrics) => m.calmar,
  return: (m: CoreMetrics) => m.returnFrac,
  cagr: (m: CoreMetrics) => m.cagrFrac,
  sqn: (m: CoreMetrics) => m.sqn,
  'profit-factor': (m: CoreMetrics) => m.profitFactor,
  expectancy: (m: CoreMetrics) => m.expectancyFrac,
  'win-rate': (m: CoreMetrics) => m.winRateFrac,
  equity: (m: CoreMetrics) => m.equityFinal,
  drawdown: (m: CoreMetrics) => m.maxDrawdownFrac,
  psr: (m: CoreMetrics) => m.probabilisticSharpe,
} as const satisfies Record<string, (m: CoreMetrics) => number | null>;

export type ObjectiveId = keyof typeof OBJECTIVES;

export function parseObjective(s: string): ObjectiveId {
  if (Object.prototype.hasOwnProperty.call(OBJECTIVES, s)) return s as ObjectiveId;
  throw unknownName('objective', s, Object.keys(OBJECTIVES));
}

/** Objective value for ranking: undefined/NaN become null. */
export function objectiveValue(id: ObjectiveId, m: CoreMetrics): number | null {
  const v = OBJECTIVES[id](m);
  return v === null || !Number.isFinite(v) ? null : v;
}

/** Sort comparator: best first; null last; ties by candidate index (deterministic). */
export function byObjective(a: { objective: number | null; index: number }, b: { objective: number | null; index: number }): number {
  if (a.objective === null && b.objective === null) return a.index - b.index;
  if (a.objective === null) return 1;
  if (b.objective === null) return -1;
  return b.objective - a.objective || a.index - b.index;
}
