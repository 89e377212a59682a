/**
 * Metrics and reports: pure metrics of a BacktestOutcome, the versioned report.json
 * (`candlekeep.report/v1`), trades.csv, report.html, the terminal summary, run artifacts and the
 * run index, and run comparison (danfo, loaded lazily inside compareRuns only).
 */
export { computeMetrics, orderMetrics, METRIC_KEYS, type Metrics, type MetricKey } from './metrics.js';
export { ANNUAL_TRADING_DAYS, dailyReturns, geometricMean, type DailyReturns } from './daily-returns.js';
export { drawdowns, type Drawdowns, type DrawdownPeriod } from './drawdowns.js';
export { probabilisticSharpe } from './probabilistic-sharpe.js';
export { normCdf as normalCdf } from '../stats/normal.js';
export { downsampleIndices } from './downsample.js';
export { METRIC_LABELS, formatMetric, formatDuration, metricRows, type MetricFormat } from './metric-rows.js';
export {
  REPORT_SCHEMA_ID, RUN_KINDS, type Report, type ReportTrade, type RunKind, type JsonObject, type JsonValue,
} from './report-schema.js';
export { buildReport, MAX_EQUITY_POINTS, type ReportInput, type BuiltReport } from './build-report.js';
export { formatJson } from './report-json.js';
export { tradesCsv } from './trades-csv.js';
export { renderSummary } from './render-summary.js';
export { renderHtml, resampleCandles, MAX_HTML_CANDLES } from './render-html.js';
export { writeRunArtifacts, runRecord, INDEXED_METRICS, type WriteRunOptions, type WrittenRun } from './write-run-artifacts.js';
export { logRatio } from './log-ratio.js';
export { readReport, loadRuns, listRuns, type LoadedRun } from './load-run.js';
export { compareRuns, renderComparison, type RunComparison, type TradeDiff, type TradeDifference } from './compare-runs.js';
