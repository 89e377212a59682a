import type { Bar, BarColumns } from '../domain/index.js';
import type { SeriesKey, TimeRange } from './bar-store.js';

/**
 * Historical bars for a backtest: whole series as columns, ascending by openTime.
 * The backtest driver merges them by close time; a bar is delivered only once it has closed.
 */
export interface HistoricalFeed {
  load(key: SeriesKey, range?: TimeRange): BarColumns;
}

/**
 * Live closed bars (paper and live modes). The live driver subscribes and enqueues each bar into the
 * kernel; callbacks never call the strategy directly.
 */
export interface LiveFeed {
  subscribe(keys: readonly SeriesKey[], onBar: (bar: Bar) => void): void;
  close(): Promise<void>;
}
