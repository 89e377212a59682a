export { fetchBars, type FetchRequest, type FetchOptions, type FetchProgress, type FetchSummary } from './fetch-bars.js';
export { openExchange, rewriteApiUrls, parseBaseUrl, type OhlcvExchange } from './open-exchange.js';
export { validateOhlcvPage } from './validate-ohlcv.js';
export { DEFAULT_RETRY, parseRetryAfterMs, type RetryPolicy } from './retry.js';
