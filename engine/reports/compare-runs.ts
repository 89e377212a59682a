import { METRIC_LABELS, formatDuration, formatMetric } from './metric-rows.js';
import type { Report, ReportTrade } from './report-schema.js';

/** Trades are the same trade when instrument, direction and entry time match (the n-th such trade pairs with the n-th). */
export type TradeKey = string;

const TRADE_FIELDS = ['size', 'entryPrice', 'exitTime', 'exitPrice', 'fees', 'pnl'] as const;
type TradeField = (typeof TRADE_FIELDS)[number];

export type TradeDifference = {
  readonly key: TradeKey;
  readonly instrument: string;
  readonly direction: 'long' | 'short';
  readonly entryTime: number;
  /** Only the fields that differ (relative tolerance 1e-9): [value in A, value in B]. */
  readonly fields: Partial<Record<TradeField, readonly [number, number]>>;
};

/** How the trades of run B differ from those of run A (the first run). */
export type TradeDiff = {
  readonly runA: string;
  readonly runB: string;
  readonly matched: number;
  readonly onlyInA: readonly ReportTrade[];
  readonly onlyInB: readonly ReportTrade[];
  readonly differing: readonly TradeDifference[];
};

export type RunComparison = {
  readonly runs: readonly { readonly runId: string; readonly strategy: string; readonly synthetic: boolean; readonly partial: boolean }[];
  /** Every metric side by side; `deltas[i]` = value of run i − value of run 0 (null for run 0 or when undefined). */
  readonly metrics: readonly { readonly key: string; readonly label: string; readonly values: readonly (number | null)[]; readonly deltas: readonly (number | null)[] }[];
  /** Parameters whose values differ between runs (missing = null). */
  readonly paramDifferences: readonly { readonly name: string; readonly values: readonly (number | string | boolean | null)[] }[];
  /** Data series (instrument + timeframe) whose content hash, range, synthetic flag or presence differ. */
  readonly dataDifferences: readonly {
    readonly series: string;
    readonly hashes: readonly (string | null)[];
    readonly ranges: readonly (string | null)[];
    readonly synthetic: readonly (boolean | null)[];
  }[];
  /** Run 0 against each other run. */
  readonly trades: readonly TradeDiff[];
};

type DanfoModule = typeof import('danfojs-node');

/**
 * Compares two or more runs: metrics side by side with deltas against the first run, parameter and
 * data-hash differences, and which trades differ. Built on danfo DataFrames, loaded lazily (danfo is
 * heavy and never on the backtest path).
 */
export async function compareRuns(reports: readonly Report[]): Promise<RunComparison> {
  if (reports.length < 2) throw new Error('compareRuns needs at least two reports');
  const dfd: DanfoModule = await import('danfojs-node');

  // Metrics: one column per run, one row per metric; deltas as column differences.
  const cols = reports.map((_, i) => `r${i}`);
  const table: Record<string, number[]> = {};
  reports.forEach((r, i) => {
    table[cols[i]!] = METRIC_LABELS.map(({ key }) => r.metrics[key] ?? NaN);
  });
  const mdf = new dfd.DataFrame(table, { index: METRIC_LABELS.map((m) => m.key) });
  const base = mdf[cols[0]!] as InstanceType<DanfoModule['Series']>;
  const deltaCols = cols.map((c, i) => (i === 0 ? null : ((mdf[c] as InstanceType<DanfoModule['Series']>).sub(base).values as number[])));
  const metrics = METRIC_LABELS.map(({ key, label }, row) => ({
    key,
    label,
    values: cols.map((c) => nn((mdf[c] as InstanceType<DanfoModule['Series']>).values[row] as number)),
    deltas: deltaCols.map((d) => (d ? nn(d[row]!) : null)),
  }));

  const paramNames = [...new Set(reports.flatMap((r) => Object.keys(r.strategy.params)))].sort();
  const paramDifferences = paramNames
    .map((name) => ({ name, values: reports.map((r) => (name in r.strategy.params ? r.strategy.params[name]! : null)) }))
    .filter((p) => new Set(p.values.map((v) => JSON.stringify(v))).size > 1);

  const seriesNames = [...new Set(reports.flatMap((r) => r.data.map((d) => `${d.instrument} ${d.timeframe}`)))];
  const dataDifferences = seriesNames
    .map((series) => {
      const slices = reports.map((r) => r.data.find((d) => `${d.instrument} ${d.timeframe}` === series));
      return {
        series,
        hashes: slices.map((s) => s?.hash ?? null),
        ranges: slices.map((s) => (s ? `${new Date(s.from).toISOString()} → ${new Date(s.to).toISOString()} (${s.count})` : null)),
        synthetic: slices.map((s) => s?.synthetic ?? null),
      };
    })
    .filter((d) => new Set(d.hashes).size > 1 || new Set(d.ranges).size > 1 || new Set(d.synthetic).size > 1);

  const trades = reports.slice(1).map((b) => diffTrades(dfd, reports[0]!, b));
  return {
    runs: reports.map((r) => ({ runId: r.runId, strategy: r.strategy.ref, synthetic: r.synthetic, partial: r.partial !== null })),
    metrics,
    paramDifferences,
    dataDifferences,
    trades,
  };
}

function nn(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function keyed(trades: readonly ReportTrade[]): { keys: string[]; byKey: Map<string, ReportTrade> } {
  const seen = new Map<string, number>();
  const keys: string[] = [];
  const byKey = new Map<string, ReportTrade>();
  for (const t of trades) {
    const base = `${t.instrument}|${t.direction}|${t.entryTime}`;
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    const key = `${base}|${k}`;
    keys.push(key);
    byKey.set(key, t);
  }
  return { keys, byKey };
}

function close(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Outer-joins the two trade lists on the trade key with danfo and classifies every row. */
function diffTrades(dfd: DanfoModule, a: Report, b: Report): TradeDiff {
  const A = keyed(a.trades);
  const B = keyed(b.trades);
  const frame = (k: ReturnType<typeof keyed>, trades: readonly ReportTrade[], side: string) => {
    const cols: Record<string, (string | number)[]> = { key: k.keys, [`in${side}`]: k.keys.map(() => 1) };
    for (const f of TRADE_FIELDS) cols[`${f}${side}`] = trades.map((t) => t[f]);
    return new dfd.DataFrame(cols);
  };
  const onlyInA: ReportTrade[] = [];
  const onlyInB: ReportTrade[] = [];
  const differing: TradeDifference[] = [];
  let matched = 0;
  if (A.keys.length === 0 || B.keys.length === 0) {
    onlyInA.push(...a.trades);
    onlyInB.push(...b.trades);
    return { runA: a.runId, runB: b.runId, matched, onlyInA, onlyInB, differing };
  }
  const merged = dfd.merge({ left: frame(A, a.trades, 'A'), right: frame(B, b.trades, 'B'), on: ['key'], how: 'outer' });
  const rows = dfd.toJSON(merged, { format: 'column' }) as Record<string, number | string>[];
  for (const row of rows) {
    const key = String(row.key);
    const inA = row.inA === 1, inB = row.inB === 1;
    if (inA && !inB) { onlyInA.push(A.byKey.get(key)!); continue; }
    if (inB && !inA) { onlyInB.push(B.byKey.get(key)!); continue; }
    const fields: Partial<Record<TradeField, readonly [number, number]>> = {};
    let differs = false;
    for (const f of TRADE_FIELDS) {
      const x = row[`${f}A`] as number, y = row[`${f}B`] as number;
      if (!close(x, y)) { fields[f] = [x, y]; differs = true; }
    }
    if (differs) {
      const t = A.byKey.get(key)!;
      differing.push({ key, instrument: t.instrument, direction: t.direction, entryTime: t.entryTime, fields });
    } else matched++;
  }
  const byEntry = (x: { entryTime: number }, y: { entryTime: number }) => x.entryTime - y.entryTime;
  onlyInA.sort(byEntry);
  onlyInB.sort(byEntry);
  differing.sort(byEntry);
  return { runA: a.runId, runB: b.runId, matched, onlyInA, onlyInB, differing };
}

/** Text rendering of a comparison for the terminal. At most `maxTrades` trades are listed per category. */
export function renderComparison(c: RunComparison, maxTrades = 20): string {
  const out: string[] = [];
  const names = c.runs.map((r, i) => `${String.fromCharCode(65 + (i % 26))}`);
  c.runs.forEach((r, i) => out.push(`${names[i]}: ${r.runId}  ${r.strategy}${r.synthetic ? '  (SYNTHETIC)' : ''}${r.partial ? '  (PARTIAL)' : ''}`));
  out.push('');
  const header = ['Metric', ...c.runs.flatMap((_, i) => (i === 0 ? [names[0]!] : [names[i]!, `Δ ${names[i]}−A`]))];
  const fmtOf = new Map(METRIC_LABELS.map((m) => [m.key as string, m.format]));
  const rows = c.metrics.map((m) => {
    const f = fmtOf.get(m.key)!;
    const cells = [m.label];
    m.values.forEach((v, i) => {
      cells.push(formatMetric(v, f));
      if (i > 0) {
        const d = m.deltas[i] ?? null;
        cells.push(d === null ? '-' : f === 'time' || f === 'duration' ? signed(d, formatDuration(Math.abs(d))) : signed(d, formatMetric(Math.abs(d), f)));
      }
    });
    return cells;
  });
  out.push(table([header, ...rows]));
  out.push('');
  if (c.paramDifferences.length) {
    out.push('Parameter differences:');
    out.push(table([['Param', ...names], ...c.paramDifferences.map((p) => [p.name, ...p.values.map((v) => (v === null ? '(absent)' : String(v)))])]));
  } else out.push('Parameters: identical');
  out.push('');
  if (c.dataDifferences.length) {
    out.push('Data differences (content hash / range):');
    for (const d of c.dataDifferences) {
      out.push(`  ${d.series}`);
      d.hashes.forEach((h, i) =>
        out.push(`    ${names[i]}: ${h === null ? '(not used)' : `${h.slice(0, 16)}  ${d.ranges[i]}${d.synthetic[i] ? '  SYNTHETIC' : ''}`}`));
    }
  } else out.push('Data: identical (same series, ranges, content hashes and synthetic flags)');
  for (const t of c.trades) {
    const bi = c.runs.findIndex((r) => r.runId === t.runB);
    const B = names[bi] ?? 'B';
    out.push('');
    out.push(`Trades A vs ${B}: ${t.matched} identical, ${t.differing.length} differing, ${t.onlyInA.length} only in A, ${t.onlyInB.length} only in ${B}`);
    const line = (x: ReportTrade) =>
      `    ${new Date(x.entryTime).toISOString()} ${x.instrument} ${x.direction} size ${x.size} @ ${x.entryPrice} → ${x.exitPrice} pnl ${x.pnl.toFixed(2)}`;
    const list = <T>(title: string, xs: readonly T[], f: (x: T) => string) => {
      if (!xs.length) return;
      out.push(`  ${title}:`);
      for (const x of xs.slice(0, maxTrades)) out.push(f(x));
      if (xs.length > maxTrades) out.push(`    … ${xs.length - maxTrades} more (use --json for all)`);
    };
    list('only in A', t.onlyInA, line);
    list(`only in ${B}`, t.onlyInB, line);
    list('differing', t.differing, (d) =>
      `    ${new Date(d.entryTime).toISOString()} ${d.instrument} ${d.direction}: ${Object.entries(d.fields)
        .map(([k, v]) => `${k} ${v![0]} → ${v![1]}`)
        .join(', ')}`);
  }
  return out.join('\n');
}

function signed(d: number, abs: string): string {
  return d > 0 ? `+${abs}` : d < 0 ? `-${abs}` : abs;
}

function table(rows: readonly (readonly string[])[]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd()).join('\n');
}
