import { unknownName } from '../domain/index.js';
import type { Metrics } from '../reports/index.js';

/**
 * What an optimisation maximises. Each objective reads one metric; "higher is better" for all of them
 * (drawdown is negative, so maximising it picks the shallowest). A metric that is undefined for a run
 * (e.g. Sharpe with no variance) ranks below every defined one.
 */
export const OBJECTIVES = {
  sharpe: (m: Metrics) => m.sharpe,
  sortino: (m: Metrics) => m.sortino,
  calmar: (m: Metrics) => m.calmar,
  return: (m: Metrics) => m.returnFrac,
  cagr: (m: Metrics) => m.cagrFrac,
  sqn: (m: Metrics) => m.sqn,
  'profit-factor': (m: Metrics) => m.profitFactor,
  expectancy: (m: Metrics) => m.expectancyFrac,
  'win-rate': (m: Metrics) => m.winRateFrac,
  equity: (m: Metrics) => m.equityFinal,
  drawdown: (m: Metrics) => m.maxDrawdownFrac,
  psr: (m: Metrics) => m.probabilisticSharpe,
} as const satisfies Record<string, (m: Metrics) => number | null>;

export type ObjectiveId = keyof typeof OBJECTIVES;

export function parseObjective(s: string): ObjectiveId {
  if (Object.prototype.hasOwnProperty.call(OBJECTIVES, s)) return s as ObjectiveId;
  throw unknownName('objective', s, Object.keys(OBJECTIVES));
}

/** Objective value for ranking: undefined/NaN become null. */
export function objectiveValue(id: ObjectiveId, m: Metrics): number | null {
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
