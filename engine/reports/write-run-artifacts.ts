import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../domain/index.js';
import { RunIndex, type RunRecord } from '../../data/store/run-index.js';
import { buildReport, type ReportInput } from './build-report.js';
import { renderHtml } from './render-html.js';
import type { Report } from './report-schema.js';

export type WriteRunOptions = {
  /** Folder holding one sub-folder per run (config `backtest.resultsDir`, default backtests/results). */
  readonly resultsDir: string;
  /** The market database holding the run index (homePaths(home).marketDb). */
  readonly marketDb: string;
  /** When the run was indexed (epoch ms); only stored in the index, never in report.json. Default: now. */
  readonly createdAt?: number;
  /** Write report.html (default true). */
  readonly html?: boolean;
};

export type WrittenRun = {
  readonly runId: string;
  readonly dir: string;
  readonly reportJson: string;
  readonly tradesCsv: string;
  readonly reportHtml: string | null;
  readonly report: Report;
  /** report.json as text (what `backtest --json` prints). */
  readonly json: string;
  /** The exact bytes of report.json. */
  readonly jsonBytes: Buffer;
};

/** Metrics copied into the run index for `report list` (the full set stays in report.json). */
export const INDEXED_METRICS = [
  'equityFinal', 'returnFrac', 'buyHoldReturnFrac', 'returnAnnFrac', 'sharpe', 'sortino', 'maxDrawdownFrac', 'tradeCount',
  'winRateFrac', 'profitFactor', 'probabilisticSharpe',
] as const;

/**
 * Writes `<resultsDir>/<run-id>/{report.json, trades.csv, report.html}` and indexes the run.
 * Files are written into a temporary folder that is renamed into place, so a run folder is never
 * half-written; re-writing the same run (same content → same id) replaces it.
 */
export function writeRunArtifacts(input: ReportInput, opts: WriteRunOptions): WrittenRun {
  const built = buildReport(input);
  const { report, tradesCsv } = built;
  const resultsDir = path.resolve(opts.resultsDir);
  const dir = path.join(resultsDir, report.runId);
  const tmp = path.join(resultsDir, `.${report.runId}.tmp-${process.pid}`);
  const html = opts.html ?? true;
  try {
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'report.json'), built.jsonBytes);
    fs.writeFileSync(path.join(tmp, 'trades.csv'), tradesCsv);
    if (html) fs.writeFileSync(path.join(tmp, 'report.html'), renderHtml(report, input.primaryBars));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`cannot write the run's results to "${dir}" (${code}); choose another results folder (config backtest.resultsDir)`);
    throw e;
  }
  const index = RunIndex.open(opts.marketDb);
  try {
    index.put(runRecord(report, dir, opts.createdAt ?? Date.now()));
  } finally {
    index.close();
  }
  return {
    runId: report.runId,
    dir,
    reportJson: path.join(dir, 'report.json'),
    tradesCsv: path.join(dir, 'trades.csv'),
    reportHtml: html ? path.join(dir, 'report.html') : null,
    report,
    jsonBytes: built.jsonBytes,
    get json(): string {
      return built.json;
    },
  };
}

/** The run-index row of a backtest report. */
export function runRecord(r: Report, dir: string, createdAt: number): RunRecord {
  const metrics: Record<string, number | null> = {};
  for (const k of INDEXED_METRICS) metrics[k] = r.metrics[k];
  return {
    runId: r.runId,
    kind: r.kind,
    strategyId: r.strategy.id,
    strategyVersion: r.strategy.version,
    params: r.strategy.params,
    instruments: [...new Set(r.data.map((d) => d.instrument))],
    timeframes: [...new Set(r.data.map((d) => d.timeframe))],
    dataFrom: r.data.length ? Math.min(...r.data.map((d) => d.from)) : r.metrics.startTime,
    dataTo: r.data.length ? Math.max(...r.data.map((d) => d.to)) : r.metrics.endTime,
    dataHash: r.data.map((d) => d.hash).join('+'),
    synthetic: r.synthetic,
    metrics,
    path: dir,
    parentRunId: null,
    createdAt,
  };
}
