import { createHash } from 'node:crypto';
import type { BacktestOutcome, BarColumns } from '../domain/index.js';
import { ANNUAL_TRADING_DAYS } from './daily-returns.js';
import { downsampleBucketSize, downsampleIndices } from './downsample.js';
import { computeMetrics, type Metrics } from './metrics.js';
import { RawJson, formatJson, sortKeysDeep } from './report-json.js';
import { renderTrades } from './trades-csv.js';
import { REPORT_SCHEMA_ID, type JsonObject, type Report, type ReportTrade } from './report-schema.js';

/** What the engine hands to the reports besides the outcome. */
export type ReportInput = {
  readonly outcome: BacktestOutcome;
  /** The backtest spec as the user gave it (flags or spec file), plain JSON data. */
  readonly spec: JsonObject;
  /** Candlekeep's version (package.json). */
  readonly engineVersion: string;
  /** The simulator's fill rules, stated by the engine as plain data (e.g. `{ market: 'next bar open', intrabar: 'pessimistic' }`). */
  readonly fillAssumptions: JsonObject;
  /** Bars of the primary series, for the candlesticks in report.html (optional; without them the HTML shows no price chart). */
  readonly primaryBars?: BarColumns;
  /** Precomputed metrics (when the caller already has them); otherwise computed here. */
  readonly metrics?: Metrics;
};

/** Max equity points stored in report.json (and drawn in report.html). */
export const MAX_EQUITY_POINTS = 5000;

const RUN_ID_PLACEHOLDER = '@@candlekeep-run-id@@';
const TRADES_PLACEHOLDER = '@@candlekeep-trades@@';

/** The report object, report.json's exact bytes, and trades.csv (rendered in the same pass as the trades in report.json). */
export type BuiltReport = {
  readonly report: Report;
  readonly jsonBytes: Buffer;
  /** report.json as a string (decoded on first use). */
  readonly json: string;
  readonly tradesCsv: Buffer;
};

/**
 * Builds report.json from a backtest outcome. Deterministic (see `Report`): the same input gives the
 * same bytes and the same content-derived `runId`.
 */
export function buildReport(input: ReportInput): BuiltReport {
  const o = input.outcome;
  const metrics = input.metrics ?? computeMetrics(o);
  const n = Math.min(o.equity.time.length, o.equity.equity.length);
  const idx = downsampleIndices(o.equity.equity.subarray(0, n), MAX_EQUITY_POINTS);
  const time = new Array<number>(idx.length);
  const equity = new Array<number>(idx.length);
  for (let i = 0; i < idx.length; i++) {
    time[i] = o.equity.time[idx[i]!]!;
    equity[i] = o.equity.equity[idx[i]!]!;
  }
  // ReportTrade is the engine's ClosedTrade; report.json's key order is renderTrades'.
  const trades: readonly ReportTrade[] = o.trades;
  const report: Report = {
    schema: REPORT_SCHEMA_ID,
    runId: RUN_ID_PLACEHOLDER,
    kind: 'backtest',
    engine: { name: 'candlekeep', version: input.engineVersion },
    strategy: {
      id: o.strategy.id,
      version: o.strategy.version,
      ref: `${o.strategy.id}@${o.strategy.version}`,
      params: sortKeysDeep(o.strategy.params) as Record<string, number | string | boolean>,
    },
    spec: sortKeysDeep(input.spec) as JsonObject,
    cash: o.cash,
    feeRate: o.feeRate,
    fillAssumptions: sortKeysDeep(input.fillAssumptions) as JsonObject,
    data: o.data.map((d) => ({
      instrument: d.instrument,
      timeframe: d.timeframe,
      from: d.from,
      to: d.to,
      count: d.count,
      hash: d.hash,
      synthetic: d.synthetic,
    })),
    synthetic: o.data.some((d) => d.synthetic),
    benchmark: { instrument: o.benchmark.instrument, firstOpen: o.benchmark.firstOpen, lastClose: o.benchmark.lastClose },
    conventions: { annualTradingDays: ANNUAL_TRADING_DAYS, returnsResampledTo: '1d UTC', riskFreeRate: 0, fractions: 'fractions (0.01 = 1 %)' },
    partial: o.stoppedEarly ? { reason: o.stoppedEarly.reason, at: o.stoppedEarly.at } : null,
    metrics,
    counters: {
      ordersSubmitted: o.counters.ordersSubmitted,
      fills: o.counters.fills,
      rejectedOrders: o.counters.rejectedOrders,
      ambiguousFills: o.counters.ambiguousFills,
      ...(o.counters.resolvedIntrabarFills !== undefined ? { resolvedIntrabarFills: o.counters.resolvedIntrabarFills } : {}),
      feesPaid: o.counters.feesPaid,
    },
    openPositions: o.openPositions.map((p) => ({ instrument: p.instrument, size: p.size, entryPrice: p.entryPrice, entryTime: p.entryTime })),
    trades,
    equity: {
      sampling: idx.length < n ? 'last-min-max' : 'full',
      sourcePoints: n,
      maxPoints: MAX_EQUITY_POINTS,
      bucketSize: downsampleBucketSize(n, MAX_EQUITY_POINTS),
      time,
      equity,
    },
  };
  // report.json = head + trades + tail: the trades are rendered as bytes (with trades.csv), the rest by formatJson.
  const rendered = renderTrades(trades, '  ');
  const draft = formatJson({ ...report, trades: new RawJson(TRADES_PLACEHOLDER) });
  const cut = draft.indexOf(TRADES_PLACEHOLDER);
  let head = draft.slice(0, cut);
  const tail = draft.slice(cut + TRADES_PLACEHOLDER.length);
  const hash = createHash('sha256').update(head).update(rendered.json).update(tail).digest('hex');
  const runId = `${safeIdPart(o.strategy.id)}-${hash.slice(0, 12)}`;
  const at = head.indexOf(RUN_ID_PLACEHOLDER);
  head = head.slice(0, at) + runId + head.slice(at + RUN_ID_PLACEHOLDER.length);
  const jsonBytes = Buffer.concat([Buffer.from(head, 'utf8'), rendered.json, Buffer.from(tail, 'utf8')]);
  let json: string | undefined;
  return {
    report: { ...report, runId },
    jsonBytes,
    get json(): string {
      return (json ??= jsonBytes.toString('utf8'));
    },
    tradesCsv: rendered.csv,
  };
}

/** Strategy ids become part of folder names: keep them to [a-z0-9-_.]. */
function safeIdPart(s: string): string {
  const t = s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return t || 'run';
}
