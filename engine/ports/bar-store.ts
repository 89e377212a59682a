import type { BarColumns, EpochMs, InstrumentId, MarketRules, Timeframe } from '../domain/index.js';

export type SeriesKey = { readonly instrument: InstrumentId; readonly timeframe: Timeframe };

/** A half-open time range on bar open times: `from <= openTime < to`. Missing ends are unbounded. */
export type TimeRange = { readonly from?: EpochMs; readonly to?: EpochMs };

export type SeriesInfo = SeriesKey & {
  readonly count: number;
  readonly first: EpochMs;
  readonly last: EpochMs;
  /** Where the bars came from: `ccxt:binance`, `csv:btc.csv`, `synthetic:seed=7`, `resample:1m`. */
  readonly source: string;
  /** True for generated data; shown everywhere the series appears. */
  readonly synthetic: boolean;
  /** sha256 over the canonical bytes of all bars of the series (see BarStore.contentHash). */
  readonly hash: string;
  /** Missing bars on the timeframe's grid between first and last. */
  readonly missing: number;
};

/** An instrument's market rules as last read from its exchange. */
export type StoredMarketRules = MarketRules & {
  /** Where they came from, e.g. `ccxt:binance`. */
  readonly source: string;
  /** When they were read (epoch ms). */
  readonly updatedAt: EpochMs;
};

export type UpsertResult = { readonly inserted: number; readonly updated: number; readonly unchanged: number };

/**
 * The bar store. Contract:
 * - upsert is idempotent and atomic: re-writing the same bars changes nothing; a changed bar is updated
 *   and counted; a failure leaves the store exactly as before.
 * - read returns bars ascending by openTime, no duplicates, in columnar typed arrays (in one
 *   SharedArrayBuffer with `shared: true`, to hand to worker threads without a copy).
 * - contentHash = sha256 over, per bar in order, 6 little-endian float64 (openTime, o, h, l, c, v).
 */
export interface BarStore {
  upsert(key: SeriesKey, bars: BarColumns, meta: { source: string; synthetic?: boolean }): UpsertResult;
  read(key: SeriesKey, range?: TimeRange, opts?: { readonly shared?: boolean }): BarColumns;
  info(key: SeriesKey): SeriesInfo | undefined;
  list(): SeriesInfo[];
  /** Deletes bars in range (all when omitted); returns how many were removed. */
  delete(key: SeriesKey, range?: TimeRange): number;
  contentHash(key: SeriesKey, range?: TimeRange): string;
  /** Records an instrument's market rules (amount/price steps, minimums) as read from its exchange. */
  putMarketRules(instrument: InstrumentId, rules: MarketRules, meta: { source: string; at: EpochMs }): void;
  /** The instrument's recorded market rules, when known. */
  marketRules(instrument: InstrumentId): StoredMarketRules | undefined;
  close(): void;
}
