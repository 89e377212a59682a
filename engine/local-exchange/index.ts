/**
 * A local Binance-compatible spot exchange on 127.0.0.1, for tests and for users to practise:
 * ccxt's real `binance` class talks to it after `pointCcxtAt(exchange, url)`.
 */
export { startLocalExchange } from './local-exchange.js';
export type { LocalExchange, LocalExchangeClock, LocalExchangeCounters, LocalExchangeFaults } from './local-exchange.js';
export { pointCcxtAt } from './point-ccxt.js';
export type { CcxtLike } from './point-ccxt.js';
export { FAULT_KINDS } from './faults.js';
export type { Fault, FaultKind, FaultMatch, FaultSpec } from './faults.js';
export { DEFAULT_RULES, OrderStatus } from './types.js';
export type { ApiKey, ExchangeFill, ExchangeOrder, LocalExchangeOptions, RequestLogEntry, SeriesSource, SymbolRules } from './types.js';
export type { Balance } from './matching-engine.js';
export { TICKS_PER_BAR } from './replay-series.js';
export { DEFAULT_RECV_WINDOW_MS, MAX_RECV_WINDOW_MS } from './signed-request.js';
