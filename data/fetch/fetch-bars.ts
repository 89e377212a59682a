import {
  UserError,
  isoUtc,
  lowerBound,
  parseInstrument,
  sliceBarColumns,
  timeframeMs,
  type EpochMs,
  type InstrumentId,
  type Timeframe,
} from '../../engine/domain/index.js';
import type { BarStore, SeriesKey } from '../../engine/ports/index.js';
import { ceilToGrid, floorToGrid } from '../check/grid.js';
import { ohlcvPageLimit, openExchange, requireMarket, requireTimeframe, type OpenedExchange } from './open-exchange.js';
import { Aborted, DEFAULT_RETRY, RetriesExhausted, parseRetryAfterMs, withRetry, type RetryPolicy } from './retry.js';
import { validateOhlcvPage } from './validate-ohlcv.js';
import { marketRulesFromCcxt } from './market-rules.js';

export type FetchRequest = {
  readonly instrument: InstrumentId;
  readonly timeframe: Timeframe;
  /** First bar open time wanted (rounded up to the grid). */
  readonly since: EpochMs;
  /** Exclusive end on bar open times; default: up to the last closed bar. */
  readonly until?: EpochMs;
  /** Download the whole range again even where bars are stored (changed bars are updated and counted). */
  readonly force?: boolean;
  /**
   * Also ask for the holes between stored bars (default false). A hole the exchange has no bars for
   * (downtime, a market that closes at night or on weekends) stays a hole and would be asked for again on every
   * such run, which is why this is opt-in; `data check` lists the holes.
   */
  readonly fillGaps?: boolean;
};

export type FetchProgress = {
  /** Bars of the requested range covered so far (downloaded or found absent at the exchange). */
  readonly doneBars: number;
  readonly totalBars: number;
  readonly pages: number;
  readonly stored: number;
  /** Open time of the newest bar stored so far, if any. */
  readonly lastTime?: EpochMs;
};

export type FetchOptions = {
  /** Rewrites every ccxt `urls.api` entry to this origin (loopback test exchange, local exchange). */
  readonly apiBaseUrl?: string;
  /** Stop after the current page (Ctrl-C): committed pages stay, the summary says `interrupted`. */
  readonly signal?: AbortSignal;
  readonly retry?: Partial<RetryPolicy>;
  readonly onStart?: (info: { totalBars: number; ranges: readonly { from: EpochMs; to: EpochMs }[] }) => void;
  readonly onProgress?: (p: FetchProgress) => void;
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: string }) => void;
  /** Local clock, used when the exchange has no time endpoint. */
  readonly localNow?: () => EpochMs;
};

export type FetchSummary = {
  readonly instrument: InstrumentId;
  readonly timeframe: Timeframe;
  readonly source: string;
  /** The requested range after grid alignment and the closed-bar cut-off: `from <= openTime < to`. */
  readonly from: EpochMs;
  readonly to: EpochMs;
  /** The exchange's time used for the closed-bar cut-off. */
  readonly serverTime: EpochMs;
  /** Ranges downloaded this run (already stored parts are skipped unless force). */
  readonly ranges: readonly { from: EpochMs; to: EpochMs }[];
  /** How many of those ranges were holes between stored bars. */
  readonly gapsAsked: number;
  readonly pages: number;
  /** Bars received and stored this run. */
  readonly stored: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly firstStored?: EpochMs;
  readonly lastStored?: EpochMs;
  readonly retries: number;
  readonly interrupted: boolean;
};

const firstLine = (s: string) => {
  const line = s.split('\n')[0]!.trim();
  return line.length > 300 ? line.slice(0, 300) + '…' : line;
};

/**
 * Downloads OHLCV bars with ccxt into the store: paginated by the exchange's limit, resuming after
 * the last stored bar, never storing the still-forming bar (a bar is stored only when
 * openTime + timeframe <= the exchange's time), with retries on network errors and rate limits.
 * Every page is validated and committed in its own transaction, so an interruption keeps what was
 * committed and the next run resumes there.
 */
export async function fetchBars(store: BarStore, req: FetchRequest, opts: FetchOptions = {}): Promise<FetchSummary> {
  const inst = parseInstrument(req.instrument);
  const tf = req.timeframe;
  const step = timeframeMs(tf);
  if (req.until !== undefined && req.until <= req.since) {
    throw new UserError(`--until ${isoUtc(req.until)} must be after --since ${isoUtc(req.since)}`);
  }
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const localNow = opts.localNow ?? (() => Date.now());
  const opened: OpenedExchange = await openExchange(inst.exchange, { apiBaseUrl: opts.apiBaseUrl, spotOnly: !inst.symbol.includes(':') });
  const { exchange, errors } = opened;
  const source = `ccxt:${exchange.id}`;
  const key: SeriesKey = { instrument: req.instrument, timeframe: tf };

  let retries = 0;
  const call = <T>(what: string, op: () => Promise<T>): Promise<T> =>
    withRetry(
      () => {
        exchange.last_response_headers = undefined;
        return op();
      },
      {
        policy,
        signal: opts.signal,
        isRetryable: (e) => e instanceof errors.NetworkError,
        retryAfterMs: () => {
          const h = exchange.last_response_headers ?? {};
          const k = Object.keys(h).find((x) => x.toLowerCase() === 'retry-after');
          return parseRetryAfterMs(k === undefined ? undefined : h[k], localNow());
        },
        onRetry: ({ attempt, delayMs, error }) => {
          retries++;
          opts.onRetry?.({ attempt, delayMs, error: `${what}: ${error.constructor.name}: ${firstLine(error.message)}` });
        },
      },
    );

  // Setup failures (markets, time) are reported without a "saved" part: nothing was written yet.
  const setup = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await call(what, op);
    } catch (e) {
      if (e instanceof Aborted) throw new UserError(`interrupted while ${what}; nothing was stored`);
      if (e instanceof RetriesExhausted) throw new UserError(`${exchange.id}: ${what} failed after ${e.attempts} attempts (${e.last.constructor.name}: ${firstLine(e.last.message)}); nothing was stored`);
      if (e instanceof errors.BaseError) throw new UserError(`${exchange.id}: ${what} failed (${(e as Error).constructor.name}: ${firstLine((e as Error).message)}); nothing was stored`);
      throw e;
    }
  };

  requireTimeframe(exchange, tf);
  await setup('loading markets', () => exchange.loadMarkets());
  const market = requireMarket(exchange, inst.symbol);
  // The market's precision and limits: backtests of this instrument round orders with them.
  const rules = marketRulesFromCcxt(market, exchange.precisionMode);
  if (rules) store.putMarketRules(req.instrument, rules, { source, at: localNow() });
  const limit = ohlcvPageLimit(exchange, market);
  const serverTime = exchange.has.fetchTime === true ? await setup('reading the exchange time', async () => {
    const t = await exchange.fetchTime();
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw new UserError(`${exchange.id} returned a bad server time: ${JSON.stringify(t)}`);
    return t;
  }) : localNow();

  // A bar is closed when openTime + tf <= now: every grid time before floor(now) qualifies.
  const closedEnd = floorToGrid(serverTime, tf);
  const from = ceilToGrid(req.since, tf);
  const to = Math.min(req.until === undefined ? Infinity : ceilToGrid(req.until, tf), closedEnd);

  const ranges: { from: EpochMs; to: EpochMs }[] = [];
  let gapsAsked = 0;
  if (from < to) {
    const info = req.force ? undefined : store.info(key);
    if (info && info.count > 0) {
      // Never re-download what is stored: before the first stored bar, the holes in between, after the last.
      if (from < info.first) ranges.push({ from, to: Math.min(to, info.first) });
      const holes = req.fillGaps === true ? missingRanges(store, key, Math.max(from, info.first), Math.min(to, info.last + step), step) : [];
      gapsAsked = holes.length;
      ranges.push(...holes);
      const after = Math.max(from, info.last + step);
      if (after < to) ranges.push({ from: after, to });
    } else {
      ranges.push({ from, to });
    }
  }
  const totalBars = ranges.reduce((n, r) => n + (r.to - r.from) / step, 0);
  opts.onStart?.({ totalBars, ranges });

  let pages = 0, stored = 0, inserted = 0, updated = 0, unchanged = 0, doneBars = 0;
  let firstStored: EpochMs | undefined, lastStored: EpochMs | undefined;
  let interrupted = false;
  const ctx = { exchange: exchange.id, symbol: inst.symbol, timeframe: tf };

  const savedSoFar = () =>
    stored > 0
      ? `saved ${stored} bars this run (${isoUtc(firstStored!)} … ${isoUtc(lastStored!)}); run the same command again to resume`
      : 'nothing was saved this run';

  outer: for (const range of ranges) {
    let cursor = range.from;
    while (cursor < range.to) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break outer;
      }
      let rows: unknown[];
      try {
        rows = await call(`fetching bars from ${isoUtc(cursor)}`, () =>
          exchange.fetchOHLCV(inst.symbol, tf, cursor, limit, { until: range.to - 1 }),
        );
      } catch (e) {
        if (e instanceof Aborted) {
          interrupted = true;
          break outer;
        }
        if (e instanceof RetriesExhausted) {
          throw new UserError(
            `${exchange.id}: fetching ${inst.symbol} ${tf} bars from ${isoUtc(cursor)} failed after ${e.attempts} attempts (${e.last.constructor.name}: ${firstLine(e.last.message)}); ${savedSoFar()}`,
          );
        }
        if (e instanceof errors.BaseError) {
          throw new UserError(`${exchange.id}: fetching ${inst.symbol} ${tf} bars from ${isoUtc(cursor)} failed (${(e as Error).constructor.name}: ${firstLine((e as Error).message)}); ${savedSoFar()}`);
        }
        throw e;
      }
      let cols;
      try {
        cols = validateOhlcvPage(rows, ctx);
      } catch (e) {
        if (e instanceof UserError) throw new UserError(`${e.message}; ${savedSoFar()}`);
        throw e;
      }
      pages++;
      if (cols.length === 0) break; // the exchange has nothing more in this range
      const a = lowerBound(cols.openTime, cursor);
      const b = lowerBound(cols.openTime, range.to);
      if (b > a) {
        const page = sliceBarColumns(cols, a, b);
        const r = store.upsert(key, page, { source });
        inserted += r.inserted;
        updated += r.updated;
        unchanged += r.unchanged;
        stored += page.length;
        firstStored ??= page.openTime[0]!;
        lastStored = page.openTime[page.length - 1]!;
      }
      const next = Math.min(range.to, cols.openTime[cols.length - 1]! + step);
      if (next <= cursor) break; // no progress: the exchange ignores `since`
      doneBars += (next - cursor) / step;
      cursor = next;
      opts.onProgress?.({ doneBars, totalBars, pages, stored, lastTime: lastStored });
    }
    // Whatever the exchange did not have in this range counts as covered.
    doneBars += (range.to - cursor) / step;
  }
  return {
    instrument: req.instrument,
    timeframe: tf,
    source,
    from,
    to: Math.max(from, to),
    serverTime,
    ranges,
    gapsAsked,
    pages,
    stored,
    inserted,
    updated,
    unchanged,
    ...(firstStored !== undefined ? { firstStored, lastStored } : {}),
    retries,
    interrupted,
  };
}

/** The runs of missing grid times between stored bars in [from, to), as ranges (at most `limit`, oldest first). */
function missingRanges(store: BarStore, key: SeriesKey, from: EpochMs, to: EpochMs, step: number, limit = 10_000): { from: EpochMs; to: EpochMs }[] {
  const out: { from: EpochMs; to: EpochMs }[] = [];
  if (from >= to) return out;
  const t = store.read(key, { from, to }).openTime;
  let expect = from;
  for (let i = 0; i < t.length && out.length < limit; i++) {
    const x = t[i]!;
    if (x > expect) out.push({ from: expect, to: x });
    expect = Math.max(expect, x + step);
  }
  return out;
}
