import { ohlcViolations, timeframeMs, type EpochMs, type Timeframe } from '../../engine/domain/index.js';
import { isOnGrid } from './grid.js';

/**
 * Bars to check, in the order they were found (a file may be unsorted or hold duplicates).
 * `row` gives each bar's 1-based line in its file, when it came from one.
 */
export type CheckInput = {
  readonly timeframe: Timeframe;
  readonly openTime: ArrayLike<number>;
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly volume: ArrayLike<number>;
  readonly row?: ArrayLike<number>;
  /** Lines that could not be read as a bar at all (file input only). */
  readonly unreadable?: readonly Unreadable[];
};

export type CheckOptions = {
  /** A bar is an outlier when |log return| > outlierK × the rolling robust sigma of the previous returns. */
  readonly outlierK: number;
  /** Returns in the rolling window (robust sigma = 1.4826 × median absolute deviation). */
  readonly outlierWindow: number;
};

export const DEFAULT_CHECK_OPTIONS: CheckOptions = { outlierK: 40, outlierWindow: 100 };

export type Unreadable = { readonly row: number; readonly reason: string };
export type Gap = { readonly from: EpochMs; readonly to: EpochMs; readonly missing: number };
export type Duplicate = { readonly time: EpochMs; readonly count: number; readonly identical: boolean; readonly rows?: readonly number[] };
export type OffGrid = { readonly time: EpochMs; readonly row?: number };
export type OutOfOrder = { readonly time: EpochMs; readonly previous: EpochMs; readonly row?: number };
export type OhlcProblem = { readonly time: EpochMs; readonly row?: number; readonly problems: readonly string[] };
export type NonPositive = { readonly time: EpochMs; readonly row?: number; readonly fields: readonly string[] };
export type NegativeVolume = { readonly time: EpochMs; readonly row?: number; readonly volume: number };
export type PlaceholderRun = { readonly start: EpochMs; readonly end: EpochMs; readonly length: number };
export type Outlier = { readonly time: EpochMs; readonly row?: number; readonly logReturn: number; readonly sigma: number; readonly score: number };

/** Problem kinds; errors fail a check by default, warnings only with --strict. */
export const PROBLEM_KINDS = {
  unreadable: 'error',
  gaps: 'error',
  duplicates: 'error',
  offGrid: 'error',
  outOfOrder: 'error',
  ohlc: 'error',
  nonPositive: 'error',
  negativeVolume: 'error',
  placeholders: 'warning',
  outliers: 'warning',
} as const satisfies Record<string, 'error' | 'warning'>;

export type ProblemKind = keyof typeof PROBLEM_KINDS;

export type CheckReport = {
  readonly timeframe: Timeframe;
  /** Bars (rows) examined. */
  readonly bars: number;
  readonly first?: EpochMs;
  readonly last?: EpochMs;
  /** Grid slots from first to last: what a complete series would hold. */
  readonly expectedBars: number;
  /**
   * Per kind, the number of problem bars: missing bars for gaps, extra rows for duplicates,
   * bars in placeholder runs for placeholders.
   */
  readonly counts: Readonly<Record<ProblemKind, number>>;
  /** Runs: gap ranges and placeholder runs. */
  readonly runs: { readonly gaps: number; readonly placeholders: number };
  readonly zeroVolumeBars: number;
  readonly unreadable: readonly Unreadable[];
  readonly gaps: readonly Gap[];
  readonly duplicates: readonly Duplicate[];
  readonly offGrid: readonly OffGrid[];
  readonly outOfOrder: readonly OutOfOrder[];
  readonly ohlc: readonly OhlcProblem[];
  readonly nonPositive: readonly NonPositive[];
  readonly negativeVolume: readonly NegativeVolume[];
  readonly placeholders: readonly PlaceholderRun[];
  readonly outliers: readonly Outlier[];
  readonly options: CheckOptions;
};

/**
 * Runs every quality check over a series: gaps on the timeframe's grid, duplicates, off-grid and
 * out-of-order timestamps, OHLC inconsistencies, non-positive prices, negative volume, zero-volume
 * placeholder runs and outlier jumps. Pure: the same input gives the same report.
 */
export function checkBars(input: CheckInput, opts: CheckOptions = DEFAULT_CHECK_OPTIONS): CheckReport {
  const tf = input.timeframe;
  const step = timeframeMs(tf);
  const n = input.openTime.length;
  const T = input.openTime, O = input.open, Hi = input.high, L = input.low, C = input.close, V = input.volume;
  const rowOf = (i: number) => (input.row ? { row: input.row[i]! } : {});

  const outOfOrder: OutOfOrder[] = [];
  for (let i = 1; i < n; i++) if (T[i]! < T[i - 1]!) outOfOrder.push({ time: T[i]!, previous: T[i - 1]!, ...rowOf(i) });

  // Time order (stable on file order) for everything that looks at neighbours.
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (outOfOrder.length > 0) {
    const sorted = Array.from(order).sort((a, b) => T[a]! - T[b]! || a - b);
    order.set(sorted);
  }

  const duplicates: Duplicate[] = [];
  const offGrid: OffGrid[] = [];
  const ohlc: OhlcProblem[] = [];
  const nonPositive: NonPositive[] = [];
  const negativeVolume: NegativeVolume[] = [];
  let extraRows = 0, zeroVolumeBars = 0;

  // Unique bars in time order: the first row of each timestamp.
  const uniqBuf = new Int32Array(n);
  let nu = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (nu > 0 && T[uniqBuf[nu - 1]!] === T[i]) {
      const firstI = uniqBuf[nu - 1]!;
      const last = duplicates[duplicates.length - 1];
      const same = O[i] === O[firstI] && Hi[i] === Hi[firstI] && L[i] === L[firstI] && C[i] === C[firstI] && V[i] === V[firstI];
      if (last && last.time === T[i]) {
        duplicates[duplicates.length - 1] = {
          time: last.time,
          count: last.count + 1,
          identical: last.identical && same,
          ...(input.row ? { rows: [...(last.rows ?? []), input.row[i]!] } : {}),
        };
      } else {
        duplicates.push({ time: T[i]!, count: 2, identical: same, ...(input.row ? { rows: [input.row[firstI]!, input.row[i]!] } : {}) });
      }
      extraRows++;
      continue;
    }
    uniqBuf[nu++] = i;
  }
  const uniq = uniqBuf.subarray(0, nu);

  for (let i = 0; i < n; i++) {
    const t = T[i]!;
    if (!isOnGrid(t, tf)) offGrid.push({ time: t, ...rowOf(i) });
    const o = O[i]!, h = Hi[i]!, l = L[i]!, c = C[i]!, v = V[i]!;
    // Fast path: most bars are fine; build messages only for the others.
    if (!(o > 0 && h > 0 && l > 0 && c > 0)) {
      const np: string[] = [];
      if (!(o > 0)) np.push(`open ${o}`);
      if (!(h > 0)) np.push(`high ${h}`);
      if (!(l > 0)) np.push(`low ${l}`);
      if (!(c > 0)) np.push(`close ${c}`);
      nonPositive.push({ time: t, ...rowOf(i), fields: np });
    }
    const broken = ohlcViolations(o, h, l, c);
    if (broken.length !== 0) {
      const val = { open: o, high: h, low: l, close: c };
      ohlc.push({ time: t, ...rowOf(i), problems: broken.map((v) => `${v.field} ${val[v.field]} is ${v.relation} ${v.other} ${val[v.other]}`) });
    }
    if (v < 0) negativeVolume.push({ time: t, ...rowOf(i), volume: v });
    if (v === 0) zeroVolumeBars++;
  }

  // Gaps: missing grid slots between consecutive on-grid bars.
  const gaps: Gap[] = [];
  let missing = 0;
  let prevOn: number | undefined;
  for (const i of uniq) {
    const t = T[i]!;
    if (!isOnGrid(t, tf)) continue;
    if (prevOn !== undefined) {
      const m = Math.round((t - prevOn) / step) - 1;
      if (m > 0) {
        gaps.push({ from: prevOn + step, to: t - step, missing: m });
        missing += m;
      }
    }
    prevOn = t;
  }

  // Placeholder bars: flat (o = h = l = c = previous close) with zero volume, grouped in runs.
  const placeholders: PlaceholderRun[] = [];
  let placeholderBars = 0;
  let runStart = -1, runLen = 0, runEnd = 0;
  const flush = () => {
    if (runLen > 0) placeholders.push({ start: runStart, end: runEnd, length: runLen });
    runLen = 0;
  };
  for (let k = 1; k < uniq.length; k++) {
    const i = uniq[k]!, prev = uniq[k - 1]!;
    const pc = C[prev]!;
    const isPlaceholder = V[i] === 0 && O[i] === pc && Hi[i] === pc && L[i] === pc && C[i] === pc;
    const contiguous = T[i]! - T[prev]! === step;
    if (isPlaceholder) {
      if (runLen > 0 && !contiguous) flush();
      if (runLen === 0) runStart = T[i]!;
      runEnd = T[i]!;
      runLen++;
      placeholderBars++;
    } else flush();
  }
  flush();

  const outliers = findOutliers(uniq, C, T, input.row, opts);
  let firstOn = -1, lastOn = -1;
  for (let k = 0; k < nu; k++) if (isOnGrid(T[uniq[k]!]!, tf)) { firstOn = uniq[k]!; break; }
  for (let k = nu - 1; k >= 0; k--) if (isOnGrid(T[uniq[k]!]!, tf)) { lastOn = uniq[k]!; break; }
  const first = n ? T[order[0]!]! : undefined;
  const last = n ? T[order[n - 1]!]! : undefined;
  const expectedBars = firstOn >= 0 ? Math.round((T[lastOn]! - T[firstOn]!) / step) + 1 : 0;

  return {
    timeframe: tf,
    bars: n,
    ...(first !== undefined ? { first, last } : {}),
    expectedBars,
    counts: {
      unreadable: input.unreadable?.length ?? 0,
      gaps: missing,
      duplicates: extraRows,
      offGrid: offGrid.length,
      outOfOrder: outOfOrder.length,
      ohlc: ohlc.length,
      nonPositive: nonPositive.length,
      negativeVolume: negativeVolume.length,
      placeholders: placeholderBars,
      outliers: outliers.length,
    },
    runs: { gaps: gaps.length, placeholders: placeholders.length },
    zeroVolumeBars,
    unreadable: input.unreadable ?? [],
    gaps,
    duplicates,
    offGrid,
    outOfOrder,
    ohlc,
    nonPositive,
    negativeVolume,
    placeholders,
    outliers,
    options: opts,
  };
}

/**
 * Outlier jumps: |ln(close_i / close_{i-1})| > k × 1.4826 × MAD of the previous `window` non-zero
 * returns (a robust sigma that a few jumps cannot inflate). Zero returns (flat or placeholder bars)
 * are left out of the window so a quiet stretch does not make every later move an outlier.
 * The sigma is refreshed every SIGMA_REFRESH returns (it moves slowly; sorting per bar is wasteful).
 */
const SIGMA_REFRESH = 32;

function findOutliers(uniq: Int32Array, C: ArrayLike<number>, T: ArrayLike<number>, rows: ArrayLike<number> | undefined, opts: CheckOptions): Outlier[] {
  const out: Outlier[] = [];
  const w = Math.max(2, Math.floor(opts.outlierWindow));
  const ring = new Float64Array(w);
  const scratch = new Float64Array(w);
  let filled = 0, pos = 0, sinceRefresh = SIGMA_REFRESH, sigma = 0;
  const minFill = Math.min(w, 20);
  for (let k = 1; k < uniq.length; k++) {
    const i = uniq[k]!, p = uniq[k - 1]!;
    const c = C[i]!, pc = C[p]!;
    if (!(c > 0) || !(pc > 0) || !Number.isFinite(c) || !Number.isFinite(pc)) continue;
    const r = Math.log(c / pc);
    if (r === 0) continue;
    if (filled >= minFill) {
      if (sinceRefresh >= SIGMA_REFRESH) {
        sigma = robustSigma(ring, filled, scratch);
        sinceRefresh = 0;
      }
      if (sigma > 0 && Math.abs(r) > opts.outlierK * sigma) {
        out.push({ time: T[i]!, ...(rows ? { row: rows[i]! } : {}), logReturn: r, sigma, score: Math.abs(r) / sigma });
      }
    }
    ring[pos] = r;
    pos = (pos + 1) % w;
    if (filled < w) filled++;
    sinceRefresh++;
  }
  return out;
}

function median(sorted: Float64Array): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

function robustSigma(ring: Float64Array, filled: number, scratch: Float64Array): number {
  const a = scratch.subarray(0, filled);
  a.set(ring.subarray(0, filled));
  a.sort();
  const med = median(a);
  for (let j = 0; j < filled; j++) a[j] = Math.abs(ring[j]! - med);
  a.sort();
  return 1.4826 * median(a);
}

/** What fails a check: a max number of problem bars or a max ratio of problem bars to expected bars. */
export type CheckThreshold = { readonly maxProblems?: number; readonly ratio?: number; readonly strict?: boolean };

export type CheckVerdict = {
  /** Problem bars of the kinds that count (errors; warnings too with strict). */
  readonly problems: number;
  readonly warnings: number;
  /** problems / max(bars, expectedBars). */
  readonly problemRatio: number;
  readonly failed: boolean;
  readonly reason: string;
};

export function judge(report: CheckReport, t: CheckThreshold): CheckVerdict {
  let problems = 0, warnings = 0;
  for (const [kind, level] of Object.entries(PROBLEM_KINDS) as [ProblemKind, 'error' | 'warning'][]) {
    const c = report.counts[kind];
    if (level === 'error' || t.strict) problems += c;
    else warnings += c;
  }
  const denom = Math.max(1, report.bars, report.expectedBars);
  const problemRatio = problems / denom;
  let failed: boolean, reason: string;
  if (t.maxProblems !== undefined) {
    failed = problems > t.maxProblems;
    reason = `${problems} problem bars ${failed ? 'exceed' : 'within'} --max-problems ${t.maxProblems}`;
  } else {
    const ratio = t.ratio ?? 0;
    failed = problemRatio > ratio;
    reason = `${problems} problem bars (${(problemRatio * 100).toFixed(3)}% of ${denom}) ${failed ? 'exceed' : 'within'} the threshold ${ratio}`;
  }
  return { problems, warnings, problemRatio, failed, reason };
}
