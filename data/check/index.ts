export {
  checkBars,
  judge,
  DEFAULT_CHECK_OPTIONS,
  PROBLEM_KINDS,
  type CheckInput,
  type CheckOptions,
  type CheckReport,
  type CheckThreshold,
  type CheckVerdict,
  type ProblemKind,
} from './check-bars.js';
export { readCsvForCheck } from './read-csv-for-check.js';
export { ceilToGrid, floorToGrid, isOnGrid, gridOffsetMs } from './grid.js';
