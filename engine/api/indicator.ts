/**
 * The streaming indicator contract every indicator in Candlekeep implements.
 *
 * - The engine calls `next(open, high, low, close, volume)` once per closed bar of the indicator's
 *   series, before the strategy's onBar for that bar. O(1) time per call, no allocation (documented
 *   exceptions: CCI is O(period); `ta()` indicators backed by technicalindicators allocate per bar).
 * - `value` is the newest output, `prev` the one before (NaN while warming up), so crossings can be
 *   detected without keeping history. Multi-output indicators (MACD, Bollinger, stochastic, ADX)
 *   expose each output as a `Series` field; `value`/`prev` are their primary output.
 * - `warmup` is the number of bars consumed up to and including the first defined value of the
 *   primary output (TA-Lib's lookback + 1); `ready` is true from that bar on. Secondary outputs may
 *   start on other bars where their definition says so (ADX's ±DI earlier, as TA-Lib's; the signal of
 *   `ta('kst')` later); a strategy that reads one checks it for NaN.
 * - `reset()` returns to the freshly constructed state (an optimiser reuses instances).
 * - Our multi-output indicators also list their output field names in `outputs`
 *   (indicators/base.ts `MultiOutput`), which the batch helpers use.
 */
export interface Series {
  readonly value: number;
  readonly prev: number;
}

export interface Indicator extends Series {
  readonly name: string;
  readonly warmup: number;
  readonly ready: boolean;
  next(open: number, high: number, low: number, close: number, volume: number): number;
  reset(): void;
}

/** Which bar field (or derived price) a single-input indicator reads. */
export type PriceSource = 'open' | 'high' | 'low' | 'close' | 'volume' | 'hl2' | 'hlc3' | 'ohlc4';
