import fs from 'node:fs';
import path from 'node:path';
import { UserError, isoUtc, parseInstrument, parseTime, parseTimeframe } from '../domain/index.js';
import type { JsonObject } from '../reports/index.js';
import type { BacktestOutcome, MarketRules } from '../domain/index.js';
import type { BarStore, SeriesKey, TimeRange } from '../ports/index.js';
import type { AnyStrategy } from '../api/index.js';
import type { LogEntry } from '../core/index.js';
import type { BacktestSpec } from './backtest-spec.js';
import { loadStrategy, PACKAGE_ROOT } from './load-strategy.js';
import { homePaths } from '../../config/home.js';
import { dropPrefetches, prefetchSnapshot, prefetchesSettled } from '../../data/store/bar-snapshot.js';
import { fillAssumptions, requiredSeries, runBacktest, strategyParams, type BacktestOptions, type BacktestSeries } from './run-backtest.js';

export type StoredBacktestResult = {
  readonly outcome: BacktestOutcome;
  readonly strategy: AnyStrategy;
  readonly runId: string;
  readonly dir: string;
  readonly reportHtml: string | null;
  /** report.json as text. */
  readonly json: string;
  /** report.json's exact bytes (what `backtest --json` prints). */
  readonly jsonBytes: Buffer;
  /** The terminal summary. */
  readonly summary: string;
};

export function engineVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Simulator options from a spec (defaults: fee 0.1 %, no slippage, leverage 1, pessimistic intrabar). */
export function simOptions(spec: BacktestSpec): Omit<BacktestOptions, 'strategy' | 'data'> {
  const market: MarketRules | undefined = spec.market
    ? { amountStep: spec.market.amountStep, priceStep: spec.market.priceStep, minAmount: spec.market.minAmount, minNotional: spec.market.minNotional }
    : undefined;
  return {
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.cash !== undefined ? { cash: spec.cash } : {}),
    ...(spec.fee !== undefined ? { feeRate: spec.fee } : {}),
    ...(spec.makerFee !== undefined ? { makerFeeRate: spec.makerFee } : {}),
    ...(spec.takerFee !== undefined ? { takerFeeRate: spec.takerFee } : {}),
    ...(spec.fixedFee !== undefined ? { fixedFee: spec.fixedFee } : {}),
    ...(spec.slippageBps !== undefined ? { slippage: { kind: 'bps', bps: spec.slippageBps } as const } : {}),
    ...(spec.slippageRange !== undefined ? { slippage: { kind: 'range', fraction: spec.slippageRange } as const } : {}),
    ...(spec.volumeCap !== undefined ? { volumeCap: spec.volumeCap } : {}),
    ...(spec.leverage !== undefined ? { maxLeverage: spec.leverage } : {}),
    ...(spec.allowShort !== undefined ? { allowShort: spec.allowShort } : {}),
    ...(spec.intrabar !== undefined ? { intrabar: spec.intrabar } : {}),
    ...(market ? { defaultMarket: market } : {}),
  };
}

function missingData(key: SeriesKey, what: string): UserError {
  return new UserError(
    `${what} for ${key.instrument} ${key.timeframe}; get bars with \`candlekeep data fetch --instrument ${key.instrument} --timeframe ${key.timeframe}\`, ` +
      `\`candlekeep data import <file.csv> --instrument ${key.instrument} --timeframe ${key.timeframe}\`, \`candlekeep data resample\` from a finer stored series, or (offline) \`candlekeep data synth\``,
  );
}

/** The market rules `data fetch` (or a paper/live session) recorded for the instruments of `keys`. */
export function storedMarketRules(store: BarStore, keys: readonly SeriesKey[]): Record<string, MarketRules> {
  const out: Record<string, MarketRules> = {};
  for (const instrument of new Set(keys.map((k) => k.instrument))) {
    const r = store.marketRules(instrument);
    if (r) out[instrument] = { amountStep: r.amountStep, priceStep: r.priceStep, minAmount: r.minAmount, minNotional: r.minNotional };
  }
  return out;
}

/** Reads the series a backtest needs from a bar store; every problem is a UserError pointing at the fix. */
export function loadSeries(store: BarStore, keys: readonly SeriesKey[], range: TimeRange, opts: { readonly shared?: boolean } = {}): BacktestSeries[] {
  return keys.map((key) => {
    const info = store.info(key);
    if (!info || info.count === 0) throw missingData(key, 'no bars are stored');
    const bars = store.read(key, range, opts);
    if (bars.length === 0) {
      const span = `${range.from !== undefined ? isoUtc(range.from) : '…'} .. ${range.to !== undefined ? isoUtc(range.to) : '…'}`;
      throw new UserError(`no ${key.instrument} ${key.timeframe} bars in ${span}; the store holds ${isoUtc(info.first)} .. ${isoUtc(info.last)} (${info.count} bars)`);
    }
    const whole = bars.length === info.count;
    return { key, bars, hash: whole ? info.hash : store.contentHash(key, range), synthetic: info.synthetic };
  });
}

/**
 * `candlekeep backtest`: load the strategy, read the bars from the store, run, write
 * `<resultsDir>/<run-id>/{report.json, trades.csv, report.html}` and index the run.
 * A strategy that fails mid-run still writes its (partial, flagged) results, then throws a UserError.
 */
export async function backtestFromStore(
  spec: BacktestSpec,
  opts: { home: string; resultsDir: string; html?: boolean; log?: (e: LogEntry) => void },
): Promise<StoredBacktestResult> {
  try {
    return await backtestStored(spec, opts);
  } finally {
    dropPrefetches(); // bytes read ahead and not used (a stale cache version, or a failure first) are freed
  }
}

async function backtestStored(spec: BacktestSpec, opts: Parameters<typeof backtestFromStore>[1]): Promise<StoredBacktestResult> {
  parseInstrument(spec.instrument, 'instrument');
  const timeframe = parseTimeframe(spec.timeframe, 'timeframe');
  const from = spec.from !== undefined ? parseTime(spec.from, 'from') : undefined;
  const to = spec.to !== undefined ? parseTime(spec.to, 'to') : undefined;
  const intrabarTf = spec.intrabarTimeframe !== undefined ? parseTimeframe(spec.intrabarTimeframe, 'intrabarTimeframe') : undefined;
  if (from !== undefined && to !== undefined && to <= from) throw new UserError(`empty date range: --to (${isoUtc(to)}) must be after --from (${isoUtc(from)})`);
  // The whole primary series is read from its columnar cache: start that read now, on another thread, so it
  // overlaps the module and strategy loading below (a range read may not use the cache: no prefetch then).
  const marketDb = homePaths(opts.home).marketDb;
  if (from === undefined && to === undefined) prefetchSnapshot(marketDb, { instrument: spec.instrument, timeframe });
  // The store and report modules load side by side with the strategy (fewer idle waits at start-up).
  const modules = Promise.all([import('../../data/store/bar-store.js'), import('../reports/index.js')]);
  modules.catch(() => {}); // awaited below; a failure before that point must not surface as unhandled
  const strategy = await loadStrategy(spec.strategy);
  strategyParams(strategy, spec.params ?? {}); // bad params fail before any data is read
  const primary: SeriesKey = { instrument: spec.instrument, timeframe };
  const keys = requiredSeries(strategy, primary);
  const range: TimeRange = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  const [{ openBarStore }, { writeRunArtifacts, renderSummary }] = await modules;
  if (!fs.existsSync(marketDb)) throw missingData(primary, `no bars are stored (no database at "${marketDb}")`);
  // Read-write so the store can cache the series hash it computes on first use.
  const store = openBarStore(opts.home);
  let data: BacktestSeries[];
  let finer: BacktestSeries[] = [];
  // Market rules: the spec's (flags) when given, else each instrument's as recorded by `data fetch`.
  const markets: Record<string, MarketRules> = {};
  try {
    await prefetchesSettled();
    data = loadSeries(store, keys, range);
    if (!spec.market) Object.assign(markets, storedMarketRules(store, keys));
    if (intrabarTf) {
      // The finer bars inside the run's range, for every traded instrument.
      const instruments = [...new Set(keys.map((k) => k.instrument))];
      finer = loadSeries(store, instruments.map((instrument) => ({ instrument, timeframe: intrabarTf })), range);
    }
  } finally {
    store.close();
  }
  const sim = { ...simOptions(spec), ...(Object.keys(markets).length ? { markets } : {}) };
  const outcome = runBacktest({ strategy, data, ...sim, ...(finer.length ? { finer } : {}), ...(opts.log ? { log: opts.log } : {}) });
  const written = writeRunArtifacts(
    {
      outcome,
      spec: JSON.parse(JSON.stringify(spec)) as JsonObject,
      engineVersion: engineVersion(),
      fillAssumptions: fillAssumptions({ strategy, data, ...sim, ...(finer.length ? { finer } : {}) }),
      primaryBars: data[0]!.bars,
    },
    { resultsDir: opts.resultsDir, marketDb, ...(opts.html === false ? { html: false } : {}) },
  );
  const summary = renderSummary(written.report, written.reportHtml ? { path: written.reportHtml } : {});
  return {
    outcome, strategy, runId: written.runId, dir: written.dir, reportHtml: written.reportHtml, jsonBytes: written.jsonBytes, summary,
    get json(): string {
      return written.json;
    },
  };
}

